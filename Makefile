# Entry points for building, testing, fuzzing, linting, the demo and the benchmark. CMake does the
# real build: build/ (Release), build-asan/ (Debug with AddressSanitizer and UBSan) and build-fuzz/
# (clang, libFuzzer targets with ASan and UBSan).
# Tests run against throwaway local services (PostgreSQL and the fauxqs SQS emulator) that
# scripts/with-services.sh starts and always stops.

SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
# Inputs each fuzz target runs in `make fuzz`: about a minute each, side by side on 2 cores (the
# codec target is slower per input). FUZZ_RUNS=N sets them all.
FUZZ_TARGETS = event_transform sqs_codec
FUZZ_RUNS_event_transform ?= 4000000
FUZZ_RUNS_sqs_codec ?= 1000000
# Extra configure options, e.g. CMAKE_FLAGS=-DSQS2PG_WERROR=OFF
CMAKE_FLAGS ?=
# Fail when no test at all was found: an empty run must not look green.
CTEST_FLAGS ?= --output-on-failure --no-tests=error
LINT_SOURCES = $(shell find src tests bench \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)

.PHONY: all deps build emulator test build-asan test-asan build-fuzz fuzz lint format-check tidy demo \
	bench soak image-check clean

all: build

deps:
	scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS)

emulator:
	scripts/emulator-install.sh

test: build emulator
	scripts/with-services.sh --pg --sqs -- ctest --test-dir $(BUILD_DIR) $(CTEST_FLAGS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Debug -DSQS2PG_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j$(JOBS)

# halt_on_error/print_stacktrace: make every UBSan finding fail the test with a usable report.
test-asan: build-asan emulator
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  scripts/with-services.sh --pg --sqs -- ctest --test-dir $(ASAN_BUILD_DIR) $(CTEST_FLAGS)

# clang only (libFuzzer). -Werror is off here: the code is kept warning-free for gcc, whose
# warnings differ, and a clang-only warning must not fail the fuzzing.
build-fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DSQS2PG_FUZZ=ON -DSQS2PG_WERROR=OFF $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD_DIR) -j$(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))

# Each target (tests/fuzz/<name>_fuzz.cc) fuzzes a fresh copy of its seed corpus
# (tests/fuzz/corpus/<name>/, which libFuzzer grows) with its dictionary, all side by side. Any
# crash, leak, sanitizer report, timeout or broken invariant fails: the log is printed and the input
# kept as $(FUZZ_BUILD_DIR)/<name>-crash-<sha1> (replay it: $(FUZZ_BUILD_DIR)/<name>_fuzz FILE).
fuzz: build-fuzz
	$(MAKE) --no-print-directory -j$(words $(FUZZ_TARGETS)) -O $(addprefix fuzz-run-,$(FUZZ_TARGETS))

fuzz-run-%:
	@rm -rf $(FUZZ_BUILD_DIR)/corpus/$* && mkdir -p $(FUZZ_BUILD_DIR)/corpus/$* && \
	  cp tests/fuzz/corpus/$*/* $(FUZZ_BUILD_DIR)/corpus/$*/
	@ASAN_OPTIONS=allow_addr2line=1 UBSAN_OPTIONS=print_stacktrace=1:allow_addr2line=1 \
	  $(FUZZ_BUILD_DIR)/$*_fuzz -runs=$(or $(FUZZ_RUNS),$(FUZZ_RUNS_$*)) -max_len=4096 -timeout=10 \
	  -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD_DIR)/$*- \
	  $(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) $(FUZZ_BUILD_DIR)/corpus/$* \
	  >$(FUZZ_BUILD_DIR)/$*.log 2>&1 || \
	  { tail -n 80 $(FUZZ_BUILD_DIR)/$*.log; echo "fuzz: $* FAILED (log: $(FUZZ_BUILD_DIR)/$*.log)"; exit 1; }
	@echo "fuzz: $*: $$(grep -E '^Done [0-9]+ runs' $(FUZZ_BUILD_DIR)/$*.log)," \
	  "$$(grep -E '^#[0-9]+[[:space:]]+DONE' $(FUZZ_BUILD_DIR)/$*.log | tail -n 1 | cut -f 2-)"

lint: format-check tidy

format-check:
	clang-format --dry-run --Werror $(LINT_SOURCES)

# clang-tidy reads the compile commands that the Release configure writes.
tidy: build
	if [[ -f .clang-tidy ]]; then \
	  run-clang-tidy -quiet -p $(BUILD_DIR) -j $(JOBS) '$(CURDIR)/src/.*\.cc$$' \
	    >$(BUILD_DIR)/clang-tidy.log 2>&1 || { \
	      sed 's/\x1b\[[0-9;]*m//g' $(BUILD_DIR)/clang-tidy.log | grep -E 'warning:|error:' | sort -u; \
	      exit 1; }; \
	fi

demo: build emulator
	SQS2PG_BIN=$(abspath $(BUILD_DIR))/sqs2pg scripts/demo.sh

# Builds only what the benchmark runs (in BUILD_DIR, Release), then bench/run.sh: a table and
# bench/results/<time>.json. About 12 minutes on 2 cores, builds aside (4 fill a 50 M-key ledger).
bench: deps emulator
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS) --target sqs2pg transform_bench sink_bench sqs_loop_bench
	SQS2PG_BIN=$(abspath $(BUILD_DIR))/sqs2pg bench/run.sh

# Builds sqs2pg (in BUILD_DIR, Release), then bench/soak.sh: sqs2pg run under a steady load for
# SOAK_MINUTES (20) at SOAK_RATE msg/s (2000), sampled every 10 s; writes
# bench/results/soak-<time>.csv, .png and .txt and fails if a criterion did not hold (docs/performance.md, "The long soak").
soak: deps emulator
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j$(JOBS) --target sqs2pg
	SQS2PG_BIN=$(abspath $(BUILD_DIR))/sqs2pg bench/soak.sh

# The Dockerfile built for real with podman (no Docker engine here) on base images made from
# Debian packages, and the image's root filesystem run as uid 10001: scripts/image-check.sh. Not
# part of `make test`: it compiles everything again (10-20 minutes on 2 cores). Needs root.
image-check:
	scripts/image-check.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
