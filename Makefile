# AlbumMaster: the two commands are `make demo` and `make test`. Everything else is optional.
SWIFT ?= swift
BIN := .build/release/albummaster
# Where `make install` puts things: $(DESTDIR)$(PREFIX)/bin, share/man/man1, the shells' completion folders.
PREFIX ?= /usr/local
DESTDIR ?=
# The accuracy checks' own Python environment (pip-installed numpy, SciPy, Matchering); gitignored.
VENV := .venv-check
# The Swift code is built for the vector units of the CPU that builds it when that CPU has Haswell's (2013)
# AVX2, FMA and BMI2: the SIMD loops (true-peak detectors, limiter, meters) then use 256-bit registers instead of
# SSE's 128, and a master takes about 10 % less CPU, with the same bytes. Such a binary does not run on an older
# x86-64; `make PORTABLE=1` builds one that runs on any (the default on other CPUs and architectures).
# PORTABLE=0, no or false (or unset) keeps the build for this CPU.
PORTABLE ?=
SWIFT_CPU := $(if $(filter-out 0 no false,$(PORTABLE)),,$(shell scripts/swift-cpu-flags.sh))

.PHONY: demo test build deps bench bench-distortion crosscheck matchcheck dynamics-tables outlier-album real-album inconsistent-album memcheck interrupt-stress install uninstall clean check-docs

## Install what is missing, build, synthesize the demo album and master it (analyse, plan, render, verify).
demo: build
	$(BIN) demo Albums/Demo
	$(BIN) master Albums/Demo

## Run every test, optimized (the CLI tests run the albummaster binary built beside them). Unoptimized, the
## SIMD loops of the DSP code are generic calls and the suite takes minutes instead of seconds. No test uses
## @testable, and without testable imports `swift test` reuses the build instead of compiling everything again.
## The tests also need script(1) and setpriv (util-linux), headless Chromium (the report's browser test) and
## python3-venv (scripts/check-venv.sh); `make demo` and `make install` do not.
test: deps
	@scripts/install-deps.sh util-linux chromium python3-venv cdrdao cuetools python3-mutagen ffmpeg
	$(SWIFT) build -c release --build-tests $(SWIFT_CPU)
	$(SWIFT) test -c release --disable-testable-imports $(SWIFT_CPU)

build: deps
	$(SWIFT) build -c release --product albummaster $(SWIFT_CPU)

deps:
	@scripts/install-deps.sh python3 libtag1-dev

## Speed and memory against ffmpeg on the same files (not a test: it prints figures); then the distortion benchmark.
bench: build
	@scripts/install-deps.sh ffmpeg time
	@scripts/bench.sh
	@$(MAKE) --no-print-directory bench-distortion

## Distortion at -9 and -12 LUFS: the defaults, the limiter alone (--dynamics-amount 0) and ffmpeg's loudnorm, on
## synthesized tones with known components. The measure checks itself first (--self-test). NumPy and SciPy come
## from PyPI into $(VENV), as for crosscheck. Prints a PASS/FAIL line for issue 14's goal (exit 1 on FAIL).
bench-distortion: build
	@scripts/install-deps.sh ffmpeg time python3 python3-venv
	@scripts/check-venv.sh $(VENV) numpy scipy
	@$(VENV)/bin/python scripts/distortion-bench.py --self-test
	@$(VENV)/bin/python scripts/distortion-bench.py

## Accuracy against independent implementations (ffmpeg, SciPy, Matchering) on real music from Debian's packages.
## NumPy, SciPy and Matchering come from PyPI into a virtual environment ($(VENV)): Debian's python3 refuses
## pip outside one.
crosscheck: build
	@scripts/install-deps.sh ffmpeg singularity-music asc-music wesnoth-1.16-music python3 python3-venv
	@scripts/check-venv.sh $(VENV) numpy scipy matchering
	@$(VENV)/bin/python scripts/crosscheck.py
	@$(VENV)/bin/python scripts/mastercheck.py
	@$(VENV)/bin/python scripts/deliverycheck.py
	@$(VENV)/bin/python scripts/shapecheck.py
	@$(VENV)/bin/python scripts/refcheck.py
	@$(VENV)/bin/python scripts/eqcheck.py

## Issue 15's EQ, phase and DC checks on three whole real albums (scripts/eqcheck.py, about 4 minutes on two
## cores), alone; crosscheck runs them too.
matchcheck: build
	@scripts/install-deps.sh ffmpeg singularity-music asc-music wesnoth-1.16-music python3 python3-venv
	@scripts/check-venv.sh $(VENV) numpy scipy
	@$(VENV)/bin/python scripts/eqcheck.py

## Issue 14's evidence: masters ALBUM with the defaults and with --dynamics-amount 0 (into a temp folder), measures
## both independently (NumPy/SciPy/ffmpeg) and prints the PSR, limiting and loudness tables with PASS/FAIL lines
## (exit 1 on FAIL). `make dynamics-tables ALBUM=folder [MASTER_ARGS="--loudness track --target-lufs -14"]`;
## `make outlier-album` and `make real-album` assemble real albums for it into .build-bench/.
ALBUM ?=
MASTER_ARGS ?=
dynamics-tables: build
	@test -n "$(ALBUM)" || { echo "usage: make dynamics-tables ALBUM=folder (e.g. .build-bench/outlier/Outlier)"; exit 2; }
	@scripts/install-deps.sh ffmpeg python3 python3-venv
	@scripts/check-venv.sh $(VENV) numpy scipy
	@$(VENV)/bin/python scripts/dynamics-tables.py --self-test
	@ALBUMMASTER=$(BIN) $(VENV)/bin/python scripts/dynamics-tables.py --master "$(ALBUM)" -- $(MASTER_ARGS)

## Four dense orchestral tracks (wesnoth-1.16-music) and a sparse ambient one (singularity-music): a dynamic outlier.
outlier-album:
	@scripts/install-deps.sh ffmpeg python3 wesnoth-1.16-music singularity-music
	@python3 scripts/dynamics-albums.py outlier .build-bench/outlier

## The real album of scripts/mastercheck.py (singularity-music and asc-music), kept in .build-bench/real.
real-album:
	@scripts/install-deps.sh ffmpeg python3 singularity-music asc-music
	@python3 scripts/dynamics-albums.py real .build-bench/real

## Issue 15's very inconsistent album (Wesnoth, Singularity and asc-music tracks far apart in tonal balance), kept in
## .build-bench/inconsistent; scripts/eqcheck.py masters it beside the outlier and real albums.
inconsistent-album:
	@scripts/install-deps.sh ffmpeg python3 wesnoth-1.16-music singularity-music asc-music
	@python3 scripts/dynamics-albums.py inconsistent .build-bench/inconsistent

## Memory stays flat: a 2-hour file analysed (< 150 MB) and mastered (< 256 MB). CI runs it.
memcheck: build
	@scripts/install-deps.sh time
	@scripts/memcheck.sh

## The release binary, a man page and bash/zsh/fish completions, all generated from the binary's argument parser.
## Without root: make install PREFIX=$$HOME/.local (and have ~/.local/bin on PATH).
install: build
	@scripts/install-deps.sh python3
	@scripts/install.sh $(BIN) "$(DESTDIR)$(PREFIX)"

uninstall:
	@scripts/install.sh --uninstall "$(DESTDIR)$(PREFIX)"

## N random SIGINT/SIGTERM during `master` (default 1000; `make interrupt-stress N=50`): no crash, no temp file
## left, inputs unchanged, resumed masters byte-identical. Prints `N passed, M failed`.
N ?= 1000
interrupt-stress: build
	@python3 scripts/interrupt-stress.py -n $(N) --binary $(BIN)

## Every public declaration has a `///` doc comment, and no function of the pipeline or the CLI is over 80
## lines: lists what does not hold and fails if anything. A test runs this target.
DOC_DIRS := Sources/Infrastructure Sources/AudioIO Sources/DSP Sources/Synthesis Sources/Analysis Sources/Matching Sources/Rendering \
  Sources/QualityControl Sources/Reports Sources/AlbumMaster Sources/AlbumMasterCLI
check-docs:
	@python3 scripts/check-doc-comments.py $(DOC_DIRS)
	@python3 scripts/check-function-length.py 80 Sources/AlbumMaster Sources/AlbumMasterCLI

clean:
	rm -rf .build .build-bench $(VENV)
