# InvestKing developer entry points. The build itself is CMake presets (CMakePresets.json); this file only
# strings the steps together so that a fresh clone needs `make run` or `make test` and nothing else.
#
#   make deps     install the Debian packages the build needs (no-op when all are present)
#   make build    release build in build/release
#   make run      deps + build + web, then serve on ./data at http://localhost:8080; extra flags via ARGS=…
#   make web      the web app: npm ci (pinned by web/package-lock.json) and a production build in web/dist
#   make test     deps, debug build with ASan+UBSan and every test; then the concurrent tests under TSan
#   make bench    deps + release build, then every build/release/bench/*_benchmark, the wrk HTTP benchmark, and
#                 the distributed benchmark (bench/distributed/run.sh: a throwaway local cluster, the sink and ingest
#                 benchmark against its MariaDB and Kafka, wrk through both gateways)
#   make cluster  deps + build + web, then the distributed mode on loopback (scripts/cluster up $(CLUSTER_DIR)):
#                 Kafka, MariaDB, ingest ×5, sink, engine ×2, gateway ×2; ends with the endpoints
#   make cluster-status / cluster-down   scripts/cluster status / down on the same directory
#   make format   clang-format -i over src/ bench/ tests/
#   make tidy     clang-tidy over src/ (optional; needs a debug configure for compile_commands.json)
#   make clean    remove build/

# Two cores on the development and CI machines: more jobs only thrash.
JOBS ?= 2
# Extra arguments for `make run`, `make bench` (Google Benchmark flags) and the debug ctest run.
ARGS ?=
BENCH_ARGS ?=
CTEST_ARGS ?=
# Where `make cluster` keeps its processes' data, logs and pid files.
CLUSTER_DIR ?= build/cluster

FORMAT_DIRS := src bench tests
# Test programs holding the `concurrent` tests: the TSan run builds only these.
TSAN_TARGETS ?= ik_app_test ik_storage_concurrent_test ik_gateway_test ik_market_concurrent_test ik_bus_test
APP := ./build/release/src/app/investking

# Targets call each other in a fixed order (deps before build before run); never run them side by side.
.NOTPARALLEL:
.DEFAULT_GOAL := build

.PHONY: all deps build web run cluster cluster-status cluster-down test test-debug test-tsan bench format format-check tidy clean

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

# CLUSTER_ROLES="ingest sink" (and the other variables described in scripts/cluster) pass through.
cluster: deps build web
	@bash scripts/cluster up $(CLUSTER_DIR)

cluster-status:
	@bash scripts/cluster status $(CLUSTER_DIR)

cluster-down:
	@bash scripts/cluster down $(CLUSTER_DIR)

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

# ik_distributed_benchmark needs a MariaDB and a Kafka broker: bench/distributed/run.sh starts a local cluster
# and runs it there, so the loop leaves it out.
bench: deps build
	@found=0; \
	for b in build/release/bench/*_benchmark; do \
		[ -f "$$b" ] && [ -x "$$b" ] || continue; \
		[ "$$(basename "$$b")" = ik_distributed_benchmark ] && continue; \
		found=1; \
		echo "== $$b"; \
		"$$b" $(BENCH_ARGS) || exit 1; \
	done; \
	if [ "$$found" -eq 0 ]; then echo "bench: no benchmarks built (nothing matches build/release/bench/*_benchmark)"; fi
	@echo "== bench/http/http_bench.sh (wrk: the HTTP API against nginx on loopback)"
	@bash bench/http/http_bench.sh $(APP)
	@echo "== bench/distributed/run.sh (a local cluster: sink and ingest benchmark, then wrk through both gateways)"
	@BENCH_ARGS="$(BENCH_ARGS)" bash bench/distributed/run.sh $(APP)

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
