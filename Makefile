# Thin driver over CMake presets. A newcomer types `make run` or `make test`;
# both first install whatever Debian packages are missing (scripts/install-deps.sh).

JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60

.PHONY: all deps build run test fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

run: build
	./build/release/src/cli/siphon serve

test: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev -j $(JOBS)

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	scripts/run-fuzzers.sh build/fuzz $(FUZZ_SECONDS)

bench:
	@scripts/install-deps.sh bench
	cmake --preset release -DSIPHON_BENCH=ON >/dev/null
	cmake --build --preset release -j $(JOBS)
	bench/parse/run.sh build/release
	bench/options/run.sh build/release
	bench/register/run.sh build/release

clean:
	rm -rf build
