# ik_module(NAME SOURCES a.cpp b.cpp DEPS other_modules LIBS external_targets TESTS t.cpp LABELS extra_ctest_labels)
# Creates the static library ik_<NAME> from src/<NAME>; a module may depend only on the modules
# listed in DEPS, which keeps the layering of CONVENTIONS.md enforced by the build.
function(ik_module NAME)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;LIBS;TESTS;TEST_LIBS;LABELS" ${ARGN})
  add_library(ik_${NAME} STATIC ${M_SOURCES})
  target_include_directories(ik_${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  foreach(dep IN LISTS M_DEPS)
    target_link_libraries(ik_${NAME} PUBLIC ik_${dep})
  endforeach()
  if(M_LIBS)
    target_link_libraries(ik_${NAME} PUBLIC ${M_LIBS})
  endif()
  if(IK_BUILD_TESTS AND M_TESTS)
    add_executable(ik_${NAME}_test ${M_TESTS})
    target_link_libraries(ik_${NAME}_test PRIVATE ik_${NAME} GTest::gtest GTest::gtest_main ${M_TEST_LIBS})
    # gtest_discover_tests splits a label list into separate properties, so each module's tests carry one
    # label: "unit", or the LABELS given (e.g. "concurrent" for tests that the TSan run picks up).
    if(M_LABELS)
      set(_label ${M_LABELS})
    else()
      set(_label unit)
    endif()
    gtest_discover_tests(ik_${NAME}_test PROPERTIES LABELS ${_label}
                         DISCOVERY_TIMEOUT 60)
  endif()
endfunction()
