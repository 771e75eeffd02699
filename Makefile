# The front door: `make demo` and `make test` work on a fresh Debian machine.
# Everything real happens in CMake (build/), this file only sequences it.

BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DEBS := re2c bison cmake llvm-19-dev libisl-dev libedit-dev libjansson-dev libzstd-dev python3-numpy python3-pytest clang libclang-rt-14-dev parallel vim

# Peers the benchmarks measure against (bench/), installed by `make bench`.
BENCH_DEBS := libopenblas-dev libdnnl-dev gnuplot-nox python3-venv
# PyTorch and TVM (bench/requirements.txt) go into a venv over Debian's python3; without
# PyPI the benchmarks still run and say which peer columns are missing.
BENCH_VENV ?= $(BUILD)/bench-venv

.PHONY: all deps bench-deps bench-peers build test demo bench sanitize fuzz clean install

all: build

# Install the Debian packages DESIGN.md names when any is missing (quiet when all are there).
install_missing = @missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make $@: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

deps:
	$(call install_missing,$(DEBS))

bench-deps: deps
	$(call install_missing,$(BENCH_DEBS))

bench-peers: bench-deps
	@[ -x $(BENCH_VENV)/bin/python ] || /usr/bin/python3 -m venv --system-site-packages $(BENCH_VENV)
	@$(BENCH_VENV)/bin/pip install -q -r bench/requirements.txt || \
	  echo "make $@: WARNING: pip could not install bench/requirements.txt: no PyTorch/TVM peers"

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	tests/run_ctest.sh $(BUILD) $(JOBS)

# The program, libtirc (.so and .a), tirc.h, stdlib/, the CMake and pkg-config packages and
# the man page under PREFIX (cmake/install.cmake); DESTDIR as usual for staging.
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

demo: build bench-deps
	tools/demo.sh $(BUILD)/tirc

# Performance against peers in the same process (bench/README.md); never part of `make test`.
bench: build bench-peers
	bench/gemm/run.sh $(BUILD)/tirc $(BUILD)/bench
	PYTHON=$(BENCH_VENV)/bin/python bench/autosched/run.sh $(BUILD)/tirc $(BUILD)/bench $(if $(TUNE_SECONDS),--tune-seconds $(TUNE_SECONDS))
	PYTHON=$(BENCH_VENV)/bin/python bench/nn/run.sh $(BUILD)/tirc $(BUILD)/bench

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps
	CC=clang cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DTIR_SANITIZE=ON
	cmake --build build-sanitize -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  tests/run_ctest.sh build-sanitize $(JOBS)

# libFuzzer on each fuzz target (tests/fuzz/: frontend, pipeline, npy, repl) for FUZZ_SECONDS each
# (default 60), starting from a copy of its corpus in tests/fuzz/corpus; a crash, hang (over
# FUZZ_TIMEOUT seconds) or sanitizer report stops it with the reproducer in build-fuzz/.  Keep
# reproducers in tests/fuzz/corpus/NAME: `make test` replays them.
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 20
FUZZ_TARGETS ?= frontend pipeline npy repl
fuzz: deps
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTIR_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus_$$t; cp tests/fuzz/corpus/$$t/* build-fuzz/corpus_$$t/; \
	  dict=; [ $$t = npy ] || dict=-dict=../tests/fuzz/tir.dict; \
	  (cd build-fuzz && ./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	    -max_len=1048576 -rss_limit_mb=4096 $$dict corpus_$$t); \
	done

clean:
	rm -rf $(BUILD) build-sanitize build-fuzz
