# Entry points for building, testing, linting, the demo and the benchmark. CMake does the real
# build: build/ (Release) and build-asan/ (Debug with AddressSanitizer and UBSan).
# Tests run against throwaway local services (PostgreSQL and the fauxqs SQS emulator) that
# scripts/with-services.sh starts and always stops.

SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
# Extra configure options, e.g. CMAKE_FLAGS=-DSQS2PG_WERROR=OFF
CMAKE_FLAGS ?=
# Fail when no test at all was found: an empty run must not look green.
CTEST_FLAGS ?= --output-on-failure --no-tests=error
LINT_SOURCES = $(shell find src tests bench \( -name '*.cc' -o -name '*.h' \) 2>/dev/null | sort)

.PHONY: all deps build emulator test build-asan test-asan lint format-check tidy demo bench clean

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

bench: build emulator
	SQS2PG_BIN=$(abspath $(BUILD_DIR))/sqs2pg bench/run.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
