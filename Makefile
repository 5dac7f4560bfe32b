# InvestKing developer entry points. The build itself is CMake presets (CMakePresets.json); this file only
# strings the steps together so that a fresh clone needs `make run` or `make test` and nothing else.
#
#   make deps     install the Debian packages the build needs (no-op when all are present)
#   make build    release build in build/release
#   make run      deps + build + web, then serve on ./data at http://localhost:8080; extra flags via ARGS=…
#   make web      the web app: npm ci (pinned by web/package-lock.json) and a production build in web/dist
#   make test     deps, debug build with ASan+UBSan and every test; then the concurrent tests under TSan
#   make bench    deps + release build, then every build/release/bench/*_benchmark and the wrk HTTP benchmark
#   make format   clang-format -i over src/ bench/ tests/
#   make tidy     clang-tidy over src/ (optional; needs a debug configure for compile_commands.json)
#   make clean    remove build/

# Two cores on the development and CI machines: more jobs only thrash.
JOBS ?= 2
# Extra arguments for `make run`, `make bench` (Google Benchmark flags) and the debug ctest run.
ARGS ?=
BENCH_ARGS ?=
CTEST_ARGS ?=

FORMAT_DIRS := src bench tests
# Test programs holding the `concurrent` tests: the TSan run builds only these.
TSAN_TARGETS ?= ik_app_test ik_storage_concurrent_test ik_gateway_test ik_market_concurrent_test ik_bus_test
APP := ./build/release/src/app/investking

# Targets call each other in a fixed order (deps before build before run); never run them side by side.
.NOTPARALLEL:
.DEFAULT_GOAL := build

.PHONY: all deps build web run test test-debug test-tsan bench format format-check tidy clean

all: build

deps:
	@bash scripts/install-deps

build:
	cmake --preset release
	cmake --build --preset release -j$(JOBS)

web:
	@bash scripts/web build

run: deps build web
	@mkdir -p ./data
	$(APP) serve --data-dir ./data $(ARGS)

test: deps test-debug test-tsan

test-debug:
	cmake --preset debug
	cmake --build --preset debug -j$(JOBS)
	ctest --preset debug $(CTEST_ARGS)

# Tests carry the ctest label `concurrent` when they exercise threads; only those run under ThreadSanitizer.
# Labels are known once the debug tree has discovered its tests, so ask that tree before paying for a second
# full build.
test-tsan:
	@count=$$(ctest --test-dir build/debug -N -L concurrent 2>/dev/null | sed -n 's/^Total Tests: *//p'); \
	if [ -z "$$count" ]; then \
		echo "test-tsan: build/debug has no test list; run 'make test-debug' first" >&2; exit 1; \
	elif [ "$$count" -eq 0 ]; then \
		echo "test-tsan: skipped, no test has the label 'concurrent'"; \
	else \
		echo "test-tsan: $$count concurrent test(s) under ThreadSanitizer"; \
		cmake --preset tsan && \
		cmake --build --preset tsan -j$(JOBS) --target $(TSAN_TARGETS) && \
		ctest --preset tsan -L concurrent; \
	fi

bench: deps build
	@found=0; \
	for b in build/release/bench/*_benchmark; do \
		[ -f "$$b" ] && [ -x "$$b" ] || continue; \
		found=1; \
		echo "== $$b"; \
		"$$b" $(BENCH_ARGS) || exit 1; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "bench: no benchmarks built (nothing matches build/release/bench/*_benchmark)"; fi
	@echo "== bench/http/http_bench.sh (wrk: the HTTP API against nginx on loopback)"
	@bash bench/http/http_bench.sh $(APP)

format:
	@find $(FORMAT_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0 2>/dev/null | xargs -0 -r clang-format -i

# Fails when a file is not formatted; for a CI step once the code base is formatted.
format-check:
	@find $(FORMAT_DIRS) -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0 2>/dev/null | \
		xargs -0 -r clang-format --dry-run -Werror

# clang-tidy 14 (Debian 12) predates C++23: libstdc++ 12's <expected> is hidden unless the concepts feature
# macro is raised, and even then clang 14 reports "attempt to use a deleted function" on std::expected
# destructors (fixed in clang 16). So findings are advisory: printed, never failing the target.
# TIDY=clang-tidy-16 (or newer) gives a clean parse where available.
TIDY ?= clang-tidy
TIDY_ARGS := -p build/debug -quiet -extra-arg=-std=c++2b -extra-arg=-Wno-unknown-warning-option \
	-extra-arg=-Wno-builtin-macro-redefined -extra-arg=-D__cpp_concepts=202002L

tidy:
	@test -f build/debug/compile_commands.json || cmake --preset debug
	@find src -type f -name '*.cpp' -print0 | xargs -0 -r -n 4 -P $(JOBS) $(TIDY) $(TIDY_ARGS) 2>&1 | \
		grep -v -E '^[0-9]+ (warnings?|errors?)( and [0-9]+ errors?)? generated\.$$' || true

clean:
	rm -rf build
