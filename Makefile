# earshot - the two commands of the README, and a few more.
#   make demo    set up, build, generate demo data, ingest it, print what to try
#   make check   set up, build, run every test
# CMake does the building; this file only strings the steps together.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DB ?= demo.db

.PHONY: all setup build check asan-check lint fuzz bench demo clean

all: build

setup:
	./scripts/setup

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

lint:
	./scripts/lint

check: setup lint build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan-check: setup
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DES_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

fuzz: setup
	./scripts/fuzz

bench: setup build
	./bench/run

demo: setup build
	./scripts/demo $(BUILD)/earshot $(DEMO_DB)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
