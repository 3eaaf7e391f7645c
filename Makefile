# hikgate: two commands. `make run` and `make test` install what is missing
# (scripts/deps.sh, apt-get as root), build, then run or test.

BUILD      ?= build
ASAN_BUILD ?= build-asan
DATA_DIR   ?= data
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=
RUN_ARGS   ?=

.PHONY: all deps deps-test build build-asan run test test-release test-asan bench clean format

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

test: deps-test test-release test-asan

test-release: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest -j $(JOBS) --output-on-failure $(CTEST_ARGS)

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
