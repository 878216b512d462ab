#!/usr/bin/env bash
# pipeline.sh: set-up, tests, the demo and the benchmarks of stae.
#
#   ./pipeline.sh demo            build, then run the main job on testdata/synth
#   ./pipeline.sh test            build and run the whole test suite
#   ./pipeline.sh ped2 DATA OUT   the UCSD Ped2 protocol (--preset cpu|paper, --quick)
#   ./pipeline.sh bench           speed and memory beside the PyTorch peer (--json, --reps N)
#   ./pipeline.sh build           build the seven tools into bin/
#   ./pipeline.sh deps            install what the build needs (Debian/Ubuntu)
#
# The build needs Go, a C/C++ compiler, pkg-config, OpenCV 4 (libopencv-dev)
# and OpenBLAS (libopenblas-dev); the tests also run make. When one is
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
	go build -o "$BIN/" "${pkgs[@]}"
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
		ped2 --quick "$ped2data" "$q/out" >/dev/null
		check_ped2_outputs "$q/out"
		rm -rf "$q"
		say "ped2 --quick: outputs complete and well formed"
	else
		say "ped2 --quick skipped: no $ped2data"
	fi
	# The suite last, so its summary closes the output.
	go test -count=1 -timeout 30m ./...
}

# check_ped2_outputs OUT: every file the protocol promises is there and
# results.json holds both evaluations.
check_ped2_outputs() {
	local out=$1 f key
	for f in stats.bin train.volumes model.stae test.volumes model.errors model.scores model.events \
		baseline.errors baseline.scores baseline.events results.json roc.csv; do
		[ -s "$out/$f" ] || die "ped2 --quick: $out/$f is missing or empty"
	done
	for key in '"model"' '"baseline"' '"frames"' '"events"' '"auc_micro"' '"auc_macro"' '"eer"' \
		'"per_video"' '"gt_events"' '"detected"' '"false_alarms"' '"stage_seconds"' '"cores"' '"settings"'; do
		grep -q "$key" "$out/results.json" || die "ped2 --quick: results.json lacks $key"
	done
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out/results.json" ||
			die "ped2 --quick: results.json is not valid JSON"
	fi
	head -1 "$out/roc.csv" | grep -q ',' || die "ped2 --quick: roc.csv has no CSV header"
}

# demo: the main job on the synthetic scene the repo carries: statistics,
# a small model trained on the normal clips (about a minute on two cores),
# then the test clips reconstructed, scored and evaluated beside the
# no-model baseline, with the events found.
demo() {
	build
	local data="$here/testdata/synth" out="${1:-$here/out/demo}" size=${DEMO_SIZE:-51}
	mkdir -p "$out"
	local F="frames --quiet --size $size --stats $out/stats.bin"
	say "statistics of the training frames -> $out/stats.bin"
	frames mean --quiet --size "$size" --out "$out/stats.bin" "$data/Train"
	say "training a small model on $data/Train -> $out/model.stae"
	$F "$data/Train" | volumes --quiet --strides 1,2 |
		fit --out "$out/model.stae" --scale 0.25 --batch 8 --micro-batch 8 --lr 2e-3 --epochs 10 --patience 5 --seed 1 ${DEMO_FIT_FLAGS:-}
	say "reconstruction errors of $data/Test"
	$F "$data/Test" | volumes --quiet >"$out/test.volumes"
	recon --quiet --model "$out/model.stae" <"$out/test.volumes" >"$out/errors.stream"
	recon --quiet --baseline <"$out/test.volumes" >"$out/baseline.errors"
	regscore <"$out/errors.stream" >"$out/scores.stream"
	regscore <"$out/baseline.errors" >"$out/baseline.scores"
	events --min-persistence 0.5 <"$out/scores.stream" >"$out/events.stream"
	echo
	echo "== the model: frame-level evaluation against $data/Test/synth.m"
	evalroc --truth "$data/Test/synth.m" --roc "$out/roc.csv" --plot "$out/plots" --events "$out/events.stream" <"$out/scores.stream"
	echo
	echo "== the model: abnormal events"
	evalroc --truth "$data/Test/synth.m" <"$out/events.stream"
	echo
	echo "== no model (recon --baseline), for comparison"
	evalroc --truth "$data/Test/synth.m" <"$out/baseline.scores" | grep -E '^(AUC|EER)'
	echo
	say "outputs in $out (plots: $out/plots)"
}

# ---- ped2: the UCSD Ped2 protocol, Make-style --------------------------------
#
# stage OUT DEPS CMD: run CMD (bash, with $OUT the temporary output path) unless
# OUT exists and was made by the same command from the same inputs. The key is
# a digest of the command, the keys of the inputs and the tools' binaries, so
# a changed scoring option reruns scoring only, never training.
stage() {
	local out=$1 deps=$2 cmd=$3 name key t0 t1
	name=$(basename "$out")
	key=$({
		echo "$cmd"
		for d in $deps; do
			if [ -f "$d.key" ]; then cat "$d.key"; else sha256sum <"$d"; fi
		done
		for t in "${TOOLS[@]}"; do
			case "$cmd" in *"$t "*) sha256sum <"$BIN/$t" ;; esac
		done
	} | sha256sum | cut -c1-16)
	if [ -f "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ]; then
		say "$name: up to date"
		return 0
	fi
	say "$name: $cmd"
	t0=$(date +%s.%N)
	rm -f "$out.key"
	if ! OUT="$out.tmp" bash -o pipefail -c "$cmd"; then
		rm -f "$out.tmp"
		die "$name: stage failed"
	fi
	mv -f "$out.tmp" "$out"
	echo "$key" >"$out.key"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f\n", b-a}' >"$out.seconds"
}

ped2_usage() {
	cat >&2 <<'EOT'
usage: ./pipeline.sh ped2 [--preset cpu|paper] [--quick] DATA_DIR OUT_DIR

  DATA_DIR   a UCSD dataset folder with Train/ and Test/ (Test/*.m ground truth)
  OUT_DIR    where the model, streams, results.json and roc.csv go; a rerun
             skips the stages whose inputs and settings did not change
  --preset   cpu (default: finishes within 100 minutes on 2 cores) or paper
             (227x227, batch 64, up to 50 epochs, patience 10: a GPU or a long run)
  --quick    two training clips, one epoch, two test clips: a smoke test
EOT
	exit 2
}

ped2() {
	local preset=cpu quick=0 args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--preset) preset=${2:?}; shift 2 ;;
		--preset=*) preset=${1#*=}; shift ;;
		--quick) quick=1; shift ;;
		-h | --help) ped2_usage ;;
		-*) say "ped2: unknown option $1"; ped2_usage ;;
		*) args+=("$1"); shift ;;
		esac
	done
	[ ${#args[@]} -eq 2 ] || ped2_usage
	local data out
	data=$(cd "${args[0]}" 2>/dev/null && pwd) || die "ped2: no such folder ${args[0]}"
	[ -d "$data/Train" ] && [ -d "$data/Test" ] || die "ped2: $data has no Train/ and Test/ folders"
	local truth
	truth=$(ls "$data"/Test/*.m 2>/dev/null | head -1)
	[ -n "$truth" ] || die "ped2: no ground truth (*.m) in $data/Test"
	mkdir -p "${args[1]}"
	out=$(cd "${args[1]}" && pwd)
	build

	# Presets. The paper's protocol: 227x227, whole-frame squared error,
	# per-video min-max, no smoothing. The CPU preset: see README ("Ped2").
	local size batch epochs patience lr fitx errmode smooth
	case "$preset" in
	paper) size=227 batch=64 epochs=50 patience=10 lr=1e-4 fitx="" errmode=sum smooth=0 ;;
	cpu) size=${PED2_SIZE:-67} batch=${PED2_BATCH:-8} epochs=${PED2_EPOCHS:-1} patience=10 lr=${PED2_LR:-2e-3}
		fitx=${PED2_FIT_FLAGS:---scale 0.25 --micro-batch 8} errmode=${PED2_ERROR:-sum} smooth=${PED2_SMOOTH:-5} ;;
	*) die "ped2: unknown preset $preset (cpu or paper)" ;;
	esac
	local train="$data/Train" test="$data/Test"
	if [ "$quick" = 1 ]; then
		epochs=1
		train="$(ls -d "$data"/Train/*/ | head -2 | tr '\n' ' ')"
		test="$(ls -d "$data"/Test/*/ | grep -v _gt/ | head -2 | tr '\n' ' ')"
	fi
	local F="frames --quiet --size $size"
	stage "$out/stats.bin" "" "frames mean --quiet --size $size --out \"\$OUT\" $train"
	stage "$out/train.volumes" "$out/stats.bin" "$F --stats $out/stats.bin $train | volumes --quiet --strides 1,2,3 >\"\$OUT\""
	stage "$out/model.stae" "$out/train.volumes" \
		"fit --quiet --batch $batch --epochs $epochs --patience $patience --lr $lr --seed 1 $fitx --out \"\$OUT\" <$out/train.volumes"
	stage "$out/test.volumes" "$out/stats.bin" "$F --stats $out/stats.bin $test | volumes --quiet >\"\$OUT\""
	local name model
	for name in model baseline; do
		model="--model $out/model.stae"
		[ $name = baseline ] && model="--baseline"
		stage "$out/$name.errors" "$out/test.volumes $( [ $name = model ] && echo "$out/model.stae")" \
			"recon --quiet $model --error $errmode <$out/test.volumes >\"\$OUT\""
		stage "$out/$name.scores" "$out/$name.errors" "regscore --smooth $smooth <$out/$name.errors >\"\$OUT\""
		stage "$out/$name.events" "$out/$name.scores" "events <$out/$name.scores >\"\$OUT\""
		stage "$out/$name.frames.json" "$out/$name.scores $truth" \
			"evalroc --json --truth $truth --roc $out/$name.roc.csv <$out/$name.scores >\"\$OUT\""
		stage "$out/$name.events.json" "$out/$name.events $truth" "evalroc --json --truth $truth <$out/$name.events >\"\$OUT\""
	done
	cp -f "$out/model.roc.csv" "$out/roc.csv"
	ped2_results "$out" "$data" "$preset" "$quick" "$size $batch $epochs $patience $lr $errmode $smooth" "$fitx" >"$out/results.json.tmp"
	mv -f "$out/results.json.tmp" "$out/results.json"
	ped2_table "$out"
}

# ped2_results OUT DATA PRESET QUICK "SETTINGS" FITX: results.json from the stages' JSON.
ped2_results() {
	local out=$1 data=$2 preset=$3 quick=$4 fitx=$6
	read -r size batch epochs patience lr errmode smooth <<<"$5"
	local times="" f
	for f in "$out"/*.seconds; do
		times+="${times:+,}\"$(basename "$f" .seconds)\":$(cat "$f")"
	done
	printf '{"dataset":"%s","preset":"%s","quick":%s,"cores":%s,\n' "$data" "$preset" "$([ "$quick" = 1 ] && echo true || echo false)" "$(nproc)"
	printf ' "settings":{"size":%s,"batch":%s,"epochs":%s,"patience":%s,"lr":%s,"error":"%s","smooth":%s,"fit_flags":"%s"},\n' \
		"$size" "$batch" "$epochs" "$patience" "$lr" "$errmode" "$smooth" "$fitx"
	printf ' "stage_seconds":{%s},\n' "$times"
	printf ' "model":{"frames":%s,"events":%s},\n' "$(cat "$out/model.frames.json")" "$(cat "$out/model.events.json")"
	printf ' "baseline":{"frames":%s,"events":%s}}\n' "$(cat "$out/baseline.frames.json")" "$(cat "$out/baseline.events.json")"
}

ped2_table() {
	local out=$1
	printf '\n%-10s %10s %10s %8s %12s %12s\n' "" "AUC micro" "AUC macro" "EER" "events" "false alarms"
	local name
	for name in model baseline; do
		printf '%-10s %9.1f%% %9.1f%% %7.1f%% %12s %12s\n' "$name" \
			"$(pct "$(json_num "$out/$name.frames.json" auc_micro)")" "$(pct "$(json_num "$out/$name.frames.json" auc_macro)")" \
			"$(pct "$(json_num "$out/$name.frames.json" eer)")" \
			"$(json_num "$out/$name.events.json" detected)/$(json_num "$out/$name.events.json" gt_events)" \
			"$(json_num "$out/$name.events.json" false_alarms)"
	done
	echo "results: $out/results.json"
}

pct() { awk -v x="$1" 'BEGIN{printf "%.1f", 100*x}'; }

# json_num FILE KEY: the first top-level number named KEY in a JSON file.
json_num() {
	grep -o "\"$2\": *[-0-9.eE+]*" "$1" | head -1 | sed 's/.*: *//'
}

# bench [--json] [--reps N] [--sizes "227 115"] [--batches "1 4"]: the
# model's speed beside the PyTorch peer (../shared/peers/torch_stae.py, or
# $STAE_TORCH_PEER), each configuration in its own process for its peak
# RSS, stae and PyTorch alternating, medians of --reps runs.
bench() {
	local json=0 reps=3 sizes="227 115" batches="1 4"
	while [ $# -gt 0 ]; do
		case "$1" in
		--json) json=1; shift ;;
		--reps) reps=${2:?}; shift 2 ;;
		--sizes) sizes=${2:?}; shift 2 ;;
		--batches) batches=${2:?}; shift 2 ;;
		*) die "bench: unknown option $1 (try: --json, --reps N, --sizes \"227 115\", --batches \"1 4\")" ;;
		esac
	done
	command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.26 or newer, then rerun"
	[ -x /usr/bin/time ] || die "bench needs /usr/bin/time for peak memory: sudo apt-get install -y time"
	local peer=${STAE_TORCH_PEER:-$here/../shared/peers/torch_stae.py} py=/usr/bin/python3 have_peer=1
	if [ ! -f "$peer" ]; then
		say "bench: PyTorch peer $peer not found (set STAE_TORCH_PEER); timing stae alone"
		have_peer=0
	elif ! OPENBLAS_NUM_THREADS=1 "$py" -c 'import torch' >/dev/null 2>&1; then
		say "bench: PyTorch is not installed for $py; install it with: sudo apt-get install -y python3-torch"
		say "bench: timing stae alone"
		have_peer=0
	fi
	local tmp
	tmp=$(mktemp -d)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	say "bench: building the benchmarks"
	go test -c -o "$tmp/model.test" ./lib/model
	local load
	load=$(uptime | sed 's/.*load average: *//')
	say "bench: load average at start $load (2 cores busy elsewhere skew every figure)"
	# median: the middle of the numbers on stdin (lower middle for even).
	median() { sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }
	local size batch mode rep bt benchtime out rows=()
	for size in $sizes; do
		for batch in $batches; do
			for mode in infer train; do
				: >"$tmp/stae.s" ; : >"$tmp/stae.g" ; : >"$tmp/stae.m"
				: >"$tmp/torch.s" ; : >"$tmp/torch.g" ; : >"$tmp/torch.m"
				for ((rep = 1; rep <= reps; rep++)); do
					say "bench: ${size}x${size} batch $batch $mode, run $rep of $reps"
					bt=BenchmarkInfer benchtime=5x
					[ "$mode" = train ] && bt=BenchmarkTrainStep benchtime=2x
					out=$(cd lib/model && /usr/bin/time -f %M -o "$tmp/rss" "$tmp/model.test" -test.run '^$' \
						-test.bench "^$bt/$size/batch=$batch\$" -test.benchtime "$benchtime") ||
						die "bench: stae benchmark $bt/$size/batch=$batch failed"
					echo "$out" | awk '{for (i = 2; i <= NF; i++) if ($i == "s/volume") print $(i-1)}' >>"$tmp/stae.s"
					echo "$out" | awk '{for (i = 2; i <= NF; i++) if ($i == "GFLOPS") print $(i-1)}' >>"$tmp/stae.g"
					echo $(($(tail -1 "$tmp/rss") / 1024)) >>"$tmp/stae.m"
					[ "$have_peer" = 1 ] || continue
					out=$(OPENBLAS_NUM_THREADS=1 /usr/bin/time -f %M -o "$tmp/rss" "$py" "$peer" \
						--size "$size" --batch "$batch" --modes "$mode" --reps 3) ||
						die "bench: PyTorch peer failed at ${size}x${size} batch $batch $mode"
					echo "$out" | grep -o '"s_per_volume": *[0-9.eE+-]*' | sed 's/.*: *//' >>"$tmp/torch.s"
					echo "$out" | grep -o '"gflops": *[0-9.eE+-]*' | sed 's/.*: *//' >>"$tmp/torch.g"
					echo $(($(tail -1 "$tmp/rss") / 1024)) >>"$tmp/torch.m"
				done
				local ss sg sm ts=- tg=- tm=- ratio=-
				ss=$(median <"$tmp/stae.s") sg=$(median <"$tmp/stae.g") sm=$(median <"$tmp/stae.m")
				if [ "$have_peer" = 1 ]; then
					ts=$(median <"$tmp/torch.s") tg=$(median <"$tmp/torch.g") tm=$(median <"$tmp/torch.m")
					ratio=$(awk -v a="$ss" -v b="$ts" 'BEGIN {printf "%.2f", a / b}')
				fi
				rows+=("$size $batch $mode $ss $ts $ratio $sg $tg $sm $tm")
				if [ "$json" = 1 ]; then
					printf '{"impl":"stae","mode":"%s","size":%s,"batch":%s,"s_per_volume":%s,"gflops":%s,"peak_rss_mb":%s,"reps":%s,"load":"%s"}\n' \
						"$mode" "$size" "$batch" "$ss" "$sg" "$sm" "$reps" "$load"
					[ "$have_peer" = 1 ] && printf '{"impl":"pytorch","mode":"%s","size":%s,"batch":%s,"s_per_volume":%s,"gflops":%s,"peak_rss_mb":%s,"reps":%s,"load":"%s","ratio_stae_pytorch":%s}\n' \
						"$mode" "$size" "$batch" "$ts" "$tg" "$tm" "$reps" "$load" "$ratio"
				fi
			done
		done
	done
	[ "$json" = 1 ] && return 0
	printf '\nseconds per volume, median of %s runs each; load average at start %s\n' "$reps" "$load"
	printf '%-5s %5s %-5s | %9s %9s %11s | %7s %7s | %9s %9s\n' size batch mode "stae s" "torch s" "stae/torch" "stae GF" "torch GF" "stae MB" "torch MB"
	local r
	for r in "${rows[@]}"; do
		# shellcheck disable=SC2086
		printf '%-5s %5s %-5s | %9s %9s %11s | %7s %7s | %9s %9s\n' $r
	done
	[ "$have_peer" = 1 ] || printf '(PyTorch peer not run: sudo apt-get install -y python3-torch)\n'
	printf 'GF: GFLOPS, forward multiply-adds x2 (x3 for training); MB: peak RSS of the process\n'
}

cmd=${1:-help}
shift || true
case "$cmd" in
demo) demo "$@" ;;
test) run_tests "$@" ;;
ped2) ped2 "$@" ;;
bench) bench "$@" ;;
build) build ;;
deps) deps ;;
help | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) die "unknown command $cmd (try: demo, test, build, deps)" ;;
esac
