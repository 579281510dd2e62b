# Two entry points do all the set-up on a fresh Debian machine with the Swift toolchain:
#   make run    install what is missing, build release, serve the bundled student
#   make test   the same set-up, then the whole test suite (release configuration)
#   make bench  Distillery next to llama.cpp on the same GGUF: engine, serving latency under load, hot swap
#   make fuzz   every parser under libFuzzer and AddressSanitizer for FUZZ_SECONDS (60) each
#   make sanitize  HTTP, Server, Kernels and Engine tests under ThreadSanitizer, every test under AddressSanitizer
SHELL := /bin/bash
.DEFAULT_GOAL := run

# nginx: the fleet tests put the shipped deploy/nginx config in front of replicas (its own service is not used)
APT_PACKAGES := libuv1-dev libjemalloc-dev libopenblas-dev pkg-config nginx
TEACHER := models/teacher/gemma-3-270m-q4_k_m.gguf
MODEL ?= models/python-student.gguf
PORT ?= 8080
BIN := .build/release/distillery
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench build deps teacher clean fuzz sanitize

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

teacher: $(TEACHER)

$(TEACHER): scripts/fetch-teacher.sh
	@bash scripts/fetch-teacher.sh $(dir $(TEACHER))

build: deps
	swift build -c release --product distillery

run: build
	$(BIN) serve -m $(MODEL) --port $(PORT)

# Tests build into their own folder with -enable-testing (for @testable imports in release), so that
# `make run`'s binary is built without it and neither build invalidates the other.
TEST_FLAGS := -c release --scratch-path .build/test -Xswiftc -enable-testing

# The whole suite, then a short pass of every fuzz target (FUZZ_SECONDS each; about 2 minutes with builds).
test: deps teacher
	swift build $(TEST_FLAGS) --build-tests
	swift test $(TEST_FLAGS) --skip-build --disable-swift-testing
	FUZZ_SECONDS=$(CI_FUZZ_SECONDS) bash Fuzz/run.sh

CI_FUZZ_SECONDS ?= 15
FUZZ_SECONDS ?= 60

# libFuzzer with AddressSanitizer on the HTTP request parser, the JSON parser, completion-request
# validation, the GGUF reader and the tokenizer (Fuzz/README.md); prints executions and coverage per target.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash Fuzz/run.sh

# Each sanitizer builds into its own folder, with DISTILLERY_SANITIZE=1: jemalloc must not replace the
# sanitizer's allocator, so Package.swift swaps it for a stub and the tests that read jemalloc's counters skip.
# TSan: the modules whose threads share models, slots and the kernel pool; ASan (leak checking off): every
# test. A report fails the run; known ones are suppressed by name, with the reason, in .sanitizers/.
SANITIZE_FLAGS = -c release -Xswiftc -enable-testing
TSAN_FILTER := HTTPTests|ServerTests|KernelsTests|EngineTests

sanitize: deps teacher
	DISTILLERY_SANITIZE=1 swift build $(SANITIZE_FLAGS) --scratch-path .build/tsan --sanitize=thread --build-tests
	DISTILLERY_SANITIZE=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/.sanitizers/tsan.supp" \
		swift test $(SANITIZE_FLAGS) --scratch-path .build/tsan --sanitize=thread --skip-build --disable-swift-testing \
		--filter '$(TSAN_FILTER)'
	DISTILLERY_SANITIZE=1 swift build $(SANITIZE_FLAGS) --scratch-path .build/asan --sanitize=address --build-tests
	DISTILLERY_SANITIZE=1 ASAN_OPTIONS="detect_leaks=0 halt_on_error=1" \
		swift test $(SANITIZE_FLAGS) --scratch-path .build/asan --sanitize=address --skip-build --disable-swift-testing
