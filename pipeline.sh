#!/usr/bin/env bash
# pipeline.sh: set-up, tests, the demo and the benchmarks of stae.
#
#   ./pipeline.sh demo [OUT]      build, then run the main job on testdata/synth
#   ./pipeline.sh test            build and run the whole test suite
#   ./pipeline.sh dataset DATA OUT  the UCSD protocol on any dataset in its layout (alias ped2;
#                                 --preset cpu|paper, --quick)
#   ./pipeline.sh bench           speed and memory beside the PyTorch peer, and the live
#                                 chain's frames/s and latency (--json, --only model,recon,live,
#                                 --reps N, --sizes "227 115", --batches "1 4", --recon-frames N,
#                                 --live "227 115 67:0.25", --live-seconds S, --live-fps F)
#   ./pipeline.sh build           build the seven tools and stae-protocol into bin/
#   ./pipeline.sh deps            install what the build needs (Debian/Ubuntu)
#
# demo, ped2 and bench run bin/stae-protocol (lib/protocol): the stages,
# written once, each rerun only when the digest of its command, inputs and
# tools changed; `./pipeline.sh ped2 --help` lists the PED2_* environment
# overrides of the cpu preset (PED2_SIZE, PED2_BATCH, PED2_EPOCHS, PED2_LR,
# PED2_FIT_FLAGS, PED2_ERROR, PED2_SMOOTH).
#
# The build needs Go, a C/C++ compiler, pkg-config, OpenCV 4 (libopencv-dev)
# and OpenBLAS (libopenblas-dev); the tests also run make and ffmpeg. When one is
# missing, this script installs it with apt-get if it can (root on
# Debian/Ubuntu) and otherwise prints the exact command to run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
TOOLS=(frames volumes fit recon regscore events evalroc)
BIN="$here/bin"

say() { printf 'pipeline.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

missing_packages() {
	local missing=()
	command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
	command -v g++ >/dev/null 2>&1 || missing+=(g++)
	command -v make >/dev/null 2>&1 || missing+=(make) # the README's Makefile is tested
	command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg) # the live-source tests' sender
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists opencv4 2>/dev/null; then
		missing+=(libopencv-dev)
	fi
	# the OpenBLAS link library (the -dev package's libopenblas.so)
	if ! ldconfig -p 2>/dev/null | grep 'libopenblas\.so ' >/dev/null; then
		missing+=(libopenblas-dev)
	fi
	echo "${missing[@]}"
}

deps() {
	command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.26 or newer from your distribution or go.dev, then rerun"
	local missing
	missing=$(missing_packages)
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing $missing (apt-get)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >&2
		# shellcheck disable=SC2086
		apt-get install -y -q --no-install-recommends $missing >&2
	else
		die "missing system packages: $missing; run: sudo apt-get install -y $missing"
	fi
	missing=$(missing_packages)
	[ -z "$missing" ] || die "still missing after install: $missing"
}

build() {
	deps
	mkdir -p "$BIN"
	local pkgs=()
	for t in "${TOOLS[@]}"; do [ -f "$t/main.go" ] && pkgs+=("./$t"); done
	go build -ldflags "-X stae/lib/tool.revision=$(git rev-parse --short=12 HEAD 2>/dev/null)" -o "$BIN/" "${pkgs[@]}" ./lib/protocol/cmd/stae-protocol
	export PATH="$BIN:$PATH"
}

run_tests() {
	build
	go vet ./...
	# Each decoder's fuzz test for a short while: never a panic.
	local fuzztime=${FUZZTIME:-15s}
	while read -r pkg name; do
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >/dev/null ||
			die "fuzz test $name in $pkg failed; rerun: go test -run '^\$' -fuzz '^${name}\$' $pkg"
		say "fuzzed $name ($pkg) for $fuzztime"
	done < <(grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
		pkg="./$(dirname "${f#./}")"
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | sed "s|^|$pkg |"
	done)
	# The Ped2 protocol in short, where the benchmark is at hand (CI has it).
	local ped2data="$here/../shared/datasets/UCSDped2"
	if [ -d "$ped2data/Test" ]; then
		local q
		q=$(mktemp -d)
		stae-protocol ped2 --quick "$ped2data" "$q/out" >/dev/null
		stae-protocol check "$q/out" || die "ped2 --quick: outputs incomplete or malformed"
		rm -rf "$q"
		say "ped2 --quick: outputs complete and well formed"
	else
		say "ped2 --quick skipped: no $ped2data"
	fi
	# The suite last, so its summary closes the output.
	go test -count=1 -timeout 30m ./...
}

cmd=${1:-help}
shift || true
case "$cmd" in
demo | dataset | ped2 | bench) build && exec stae-protocol "$cmd" "$@" ;;
test) run_tests "$@" ;;
build) build ;;
deps) deps ;;
help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "unknown command $cmd (try: demo, test, dataset, ped2, bench, build, deps, help)" ;;
esac
