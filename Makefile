# accel — the two set-up commands are `make demo` and `make check` (see README.md).
#   JOBS=N   parallel build jobs (default: every core; `make check JOBS=2` on a shared machine)
#   V=1      show the whole build output (by default `make demo` prints its own steps and
#            shows the build's output only when a step fails; the log stays in $(BUILD)/)
#   PREFIX=  where `make install` / `make uninstall` put and take the files (/usr/local)
# `make python` builds the Python package in place (docs/python.md); `make fuzz` runs the fuzz
# targets (docs/testing.md).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
V ?= 0
ACCEL = $(BUILD)/accel
STEP = scripts/step.sh $(V) $(BUILD)/make.log

.PHONY: all deps testdeps configure build cli demo check bench asan fuzz fuzz-build fuzz-check python \
        install uninstall clean

all: build

# Packages to build accel (`make check` adds what the tests run against).
deps:
	@$(STEP) "checking the Debian packages accel builds with" scripts/deps.sh build

configure: deps
	@mkdir -p $(BUILD)
	@$(STEP) "configuring ($(BUILD)/)" cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

# The library and the CLI only (no test suite).
cli: configure
	@$(STEP) "building libaccel and the accel tool (JOBS=$(JOBS))" \
	  cmake --build $(BUILD) -j $(JOBS) --target accel accel_static accel_cli

# Everything, the test suite included.
build: configure
	@$(STEP) "building libaccel, the accel tool and the tests (JOBS=$(JOBS))" \
	  cmake --build $(BUILD) -j $(JOBS)

# The main job on built-in defaults.
demo: cli
	@scripts/demo.sh $(ACCEL)

# Packages the tests run against. Some are needed when the build is configured: the Python
# package and its tests (tests/python) are part of the build only where python3-dev,
# setuptools and pytest are installed, so `check` installs them before it builds.
testdeps:
	@$(STEP) "checking the Debian packages the tests need" scripts/deps.sh test

# Then every fuzz target over its seeds and regression inputs, and briefly (`fuzz-check`).
check: testdeps
	@$(MAKE) --no-print-directory build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory fuzz-check

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer (the Python package is
# left out there: its interpreter is not built with the sanitizers' runtime). use_sigaltstack=0:
# PoCL's LLVM gives a thread that loads it an alternate signal stack of its own (malloc'd), which
# GCC 12's ASan then tries to unmap as its own when the thread exits, and aborts (docs/testing.md).
asan: deps
	@scripts/deps.sh test
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DACCEL_SANITIZE=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1:use_sigaltstack=0 ctest --output-on-failure -j $(JOBS)

# The fuzz targets (tests/fuzz, docs/testing.md): a separate Clang build ($(FUZZ_BUILD)/) with
# libFuzzer, ASan and UBSan. `check` runs each over its corpus and for FUZZ_CHECK_SECONDS;
# `fuzz` runs each for FUZZ_SECONDS, or FUZZ_RUNS executions; FUZZ_TARGETS="fuzz_wav …" picks
# some.
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 3
fuzz-build: deps
	@$(STEP) "checking the Debian packages the fuzz targets build with" scripts/deps.sh fuzz
	@mkdir -p $(FUZZ_BUILD)
	@$(STEP) "configuring the fuzz build ($(FUZZ_BUILD)/, Clang 14)" \
	  env CC=clang-14 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCEL_FUZZ=ON \
	  -DACCEL_BUILD_TESTS=OFF -DACCEL_BUILD_CLI=OFF -DACCEL_CUDA_KERNELS=OFF -DACCEL_HIP_KERNELS=OFF
	@$(STEP) "building the fuzz targets (JOBS=$(JOBS))" \
	  cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz-check: fuzz-build
	@FUZZ_CHECK_SECONDS=$(FUZZ_CHECK_SECONDS) FUZZ_SEED_BUILD=$(BUILD) scripts/fuzz.sh check $(FUZZ_BUILD)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED_BUILD=$(BUILD) scripts/fuzz.sh run $(FUZZ_BUILD)

bench: build
	@scripts/deps.sh bench
	@bench/run_all.sh $(ACCEL)

# The Python package (python/) built in place with this build's libaccel.a, for
#   PYTHONPATH=python python3 -c 'import accel'
# (`make build` also builds it into $(BUILD)/python/lib for the tests; pip installs it, see
# docs/python.md).
python: cli
	@$(STEP) "checking the Debian packages the Python package builds with" scripts/deps.sh python
	@$(STEP) "building the Python package in python/accel" \
	  sh -c 'cd python && ACCEL_BUILD_DIR=$(abspath $(BUILD)) ACCEL_BUILD_JOBS=$(JOBS) /usr/bin/python3 setup.py -q build_ext --inplace'

# Header, shared and static libraries, pkg-config files (accel, and accel-static for the static
# library), CMake package (accel::accel, accel::accel_static) and the CLI; see README.md. The
# installed files are listed in $(BUILD)/install_manifest.txt, which `make uninstall` reads.
install: cli
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))
	@echo "$(if $(PREFIX),$(PREFIX),$$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' $(BUILD)/CMakeCache.txt))" \
	  >$(BUILD)/install_prefix.txt

uninstall:
	@scripts/uninstall.sh $(BUILD)/install_manifest.txt \
	  "$(DESTDIR)$(if $(PREFIX),$(PREFIX),$$(cat $(BUILD)/install_prefix.txt 2>/dev/null || echo /usr/local))"

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(FUZZ_BUILD)
