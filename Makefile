# hikgate: two commands. `make run` and `make test` install what is missing
# (scripts/deps.sh, apt-get as root), build, then run or test.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
DATA_DIR   ?= data
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=
RUN_ARGS   ?=

.PHONY: all deps deps-test build build-asan run test test-release test-asan bench clean format \
        fuzz test-fuzz

all: build

deps:
	@scripts/deps.sh

deps-test:
	@scripts/deps.sh --test

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/Makefile:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHIK_SANITIZE=ON

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps-test $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	$(BUILD)/hikgated --data-dir $(DATA_DIR) --ingest 0.0.0.0:4000 --api 127.0.0.1:8080 $(RUN_ARGS)

test: deps-test test-release test-asan test-fuzz

test-release: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

# libFuzzer targets (clang), FUZZ_SECONDS each: make fuzz FUZZ_SECONDS=600
fuzz: deps-test
	tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The short run every `make test` does: 5 seconds per target.
test-fuzz: deps-test
	tests/fuzz/run.sh $(FUZZ_BUILD) 5

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
