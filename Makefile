# Two commands do all set-up on a fresh Debian 12 machine:
#   make run    install what is missing, build the release preset, run the main job
#   make test   install what is missing, build the CI preset, run every test
# Everything else is CMake (see CMakePresets.json); this file only strings it together.

JOBS     ?= $(shell nproc)
OUT      ?= out
SCENARIO ?= scenarios/japan_2015_2021.toml
RUN_OUT  ?= $(OUT)/$(basename $(notdir $(SCENARIO))).h5

.PHONY: all deps build run test test-asan bench fuzz soak format format-check clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	@mkdir -p $(OUT)
	build/release/app/cyberdeter run $(SCENARIO) -o $(RUN_OUT)

test: deps
	@cmake --preset ci >/dev/null
	@cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)
	scripts/fuzz.sh $(FUZZ_SMOKE_SECONDS)

# libFuzzer targets of tests/fuzz, FUZZ_SECONDS each (make test runs them 10 s each).
FUZZ_SECONDS       ?= 300
FUZZ_SMOKE_SECONDS ?= 10
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

# A million-run sweep killed at random and resumed, against an uninterrupted one.
soak: build
	bench/soak.sh build/release/app/cyberdeter $(SOAK_RUNS)
SOAK_RUNS ?= 1000000

# Slower gates, not part of `make test`.
test-asan: deps
	@cmake --preset debug-asan >/dev/null
	@cmake --build --preset debug-asan -j $(JOBS)
	ctest --preset debug-asan -j $(JOBS)

bench: deps
	scripts/bench.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build
