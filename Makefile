# accel — the two set-up commands are `make demo` and `make check` (see README.md).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ACCEL = $(BUILD)/accel

.PHONY: all deps build demo check bench asan install clean

all: build

deps:
	@scripts/deps.sh build test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# The main job on built-in defaults.
demo: build
	@scripts/demo.sh $(ACCEL)

check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory fuzz-check

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DACCEL_SANITIZE=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# ---- fuzzing (tests/fuzz, docs/testing.md): a separate Clang build with libFuzzer, ASan, UBSan
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 3
.PHONY: fuzz fuzz-build fuzz-check
fuzz-build: deps
	@CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCEL_FUZZ=ON \
	  -DACCEL_BUILD_TESTS=OFF -DACCEL_BUILD_CLI=OFF -DACCEL_CUDA_KERNELS=OFF -DACCEL_HIP_KERNELS=OFF >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets
# every target over its seeds and regression inputs, then FUZZ_CHECK_SECONDS of fuzzing each
fuzz-check: fuzz-build
	@FUZZ_CHECK_SECONDS=$(FUZZ_CHECK_SECONDS) FUZZ_SEED_BUILD=$(BUILD) scripts/fuzz.sh check $(FUZZ_BUILD)
# every target for FUZZ_SECONDS (or FUZZ_RUNS executions); FUZZ_TARGETS picks some
fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED_BUILD=$(BUILD) scripts/fuzz.sh run $(FUZZ_BUILD)

bench: build
	@scripts/deps.sh bench
	@bench/run_all.sh $(ACCEL)

install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(FUZZ_BUILD)
