#!/usr/bin/env bash
# pipeline.sh: set-up, tests, the demo and the benchmarks of stae.
#
#   ./pipeline.sh demo            build, then run the main job on testdata/synth
#   ./pipeline.sh test            build and run the whole test suite
#   ./pipeline.sh build           build the seven tools into bin/
#   ./pipeline.sh deps            install what the build needs (Debian/Ubuntu)
#
# The build needs Go, a C/C++ compiler, pkg-config, OpenCV 4 (libopencv-dev)
# and OpenBLAS (libopenblas-dev). When one is missing, this script installs
# it with apt-get if it can (root on Debian/Ubuntu) and otherwise prints the
# exact command to run.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
TOOLS=(frames volumes fit recon regscore events evalroc)
BIN="$here/bin"
APT_PACKAGES=(pkg-config g++ libopencv-dev libopenblas-dev)

say() { printf 'pipeline.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

missing_packages() {
	local missing=()
	command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
	command -v g++ >/dev/null 2>&1 || missing+=(g++)
	if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists opencv4 2>/dev/null; then
		missing+=(libopencv-dev)
	fi
	if ! ls /usr/include/*/cblas.h /usr/include/cblas.h /usr/include/*/openblas*/cblas.h >/dev/null 2>&1 ||
		! ldconfig -p 2>/dev/null | grep -q 'libopenblas\.so '; then
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
	go build -o "$BIN/" "${pkgs[@]}"
	export PATH="$BIN:$PATH"
}

run_tests() {
	build
	go vet ./...
	go test -count=1 -timeout 30m ./...
	# Each decoder's fuzz test for a short while: never a panic.
	local fuzztime=${FUZZTIME:-15s}
	while read -r pkg name; do
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >/dev/null ||
			die "fuzz test $name in $pkg failed; rerun: go test -run '^\$' -fuzz '^${name}\$' $pkg"
		say "fuzzed $name ($pkg) for $fuzztime"
	done < <(grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
		pkg="./$(dirname "${f#./}")"
		grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //' | sed "s|^|$pkg |"
	done)
}

# demo: the main job on the synthetic scene the repo carries.
demo() {
	build
	local data="$here/testdata/synth" out="${1:-$here/out/demo}" size=${DEMO_SIZE:-43}
	mkdir -p "$out"
	say "statistics of the training frames -> $out/stats.bin"
	frames mean --quiet --size "$size" --out "$out/stats.bin" "$data/Train"
	if [ -f fit/main.go ]; then
		say "training a small model -> $out/model.stae"
		frames --quiet --size "$size" --stats "$out/stats.bin" "$data/Train" | volumes --quiet --strides 1,2,3 |
			fit --out "$out/model.stae" ${DEMO_FIT_FLAGS:-}
		say "reconstruction errors of the test clips -> $out/errors.stream"
		frames --quiet --size "$size" --stats "$out/stats.bin" "$data/Test" | volumes --quiet |
			recon --quiet --model "$out/model.stae" >"$out/errors.stream"
	fi
	if [ -f regscore/main.go ] && [ -f "$out/errors.stream" ]; then
		regscore <"$out/errors.stream" >"$out/scores.stream"
		say "frame-level evaluation against $data/Test/synth.m"
		evalroc --truth "$data/Test/synth.m" --roc "$out/roc.csv" <"$out/scores.stream"
		events <"$out/scores.stream" >"$out/events.stream"
		say "abnormal events"
		evalroc --truth "$data/Test/synth.m" <"$out/events.stream"
	else
		frames --quiet --size "$size" --stats "$out/stats.bin" "$data/Test" | volumes --quiet --json | head -c 300
		echo
	fi
}

cmd=${1:-help}
shift || true
case "$cmd" in
demo) demo "$@" ;;
test) run_tests "$@" ;;
build) build ;;
deps) deps ;;
help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "unknown command $cmd (try: demo, test, build, deps)" ;;
esac
