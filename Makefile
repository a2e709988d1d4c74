# accel — the two set-up commands are `make demo` and `make check` (see README.md).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
ACCEL = $(BUILD)/accel

.PHONY: all deps build demo check bench asan install clean python

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

# The test suite under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Debug -DACCEL_SANITIZE=address,undefined >/dev/null
	@cmake --build $(BUILD)-asan -j $(JOBS)
	@cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

bench: build
	@scripts/deps.sh bench
	@bench/run_all.sh $(ACCEL)

# The Python package (python/) built in place, with this build's libaccel.a:
#   PYTHONPATH=python /usr/bin/python3 -c 'import accel'
# (make build also builds it into $(BUILD)/python/lib for the tests; pip installs it, see
# docs/python.md).
python: build
	@cd python && ACCEL_BUILD_DIR=$(abspath $(BUILD)) /usr/bin/python3 setup.py -q build_ext --inplace

install: build
	@cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(BUILD)-asan
