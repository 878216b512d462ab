// The command line of stae-protocol: parsing and dispatch to the jobs.

package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"stae/lib/tool"
)

// Usage is stae-protocol's help.
func Usage() string {
	var env strings.Builder
	for _, e := range PresetEnv {
		fmt.Fprintf(&env, "             %-15s %s\n", e[0], e[1])
	}
	return `usage: stae-protocol demo [OUT_DIR]
       stae-protocol dataset [--preset cpu|paper] [--quick] DATA_DIR OUT_DIR   (alias: ped2)
       stae-protocol check OUT_DIR
       stae-protocol bench [--json] [--only model,recon,live] [--reps N] [--sizes "227 115"] [--batches "1 4"]
                           [--recon-frames N] [--live "227 115 67:0.25"] [--live-seconds S] [--live-fps F]

Run from the repository root with the seven tools on PATH (pipeline.sh
does both).

demo: the stages on testdata/synth into OUT_DIR (out/demo); DEMO_SIZE
(51) and DEMO_FIT_FLAGS change the model.

dataset: the UCSD protocol, on any dataset in its layout.
  DATA_DIR   a folder with Train/ (normal clips: image folders or video
             files) and Test/ (test clips, and the ground truth: a UCSD .m
             file, or a CSV of video,first,last rows, 1-based inclusive, in
             Test/ or DATA_DIR; pixel masks in Test/<video>_gt, if any); the
             last two training clips are held out to calibrate the alarms
  OUT_DIR    where the model, streams, results.json and roc.csv go; a rerun
             skips the stages whose inputs and settings did not change
  --preset   cpu (default: finishes within 100 minutes on 2 cores) or paper
             (227x227, batch 64, up to 50 epochs, patience 10: a GPU or a long run)
  --quick    two training clips, one epoch, two test clips: a smoke test
  The cpu preset's settings can be overridden from the environment:
` + env.String() + `
check: whether OUT_DIR holds every output of dataset, well formed.

bench: the model's speed beside the PyTorch peer (../shared/peers/torch_stae.py,
or $STAE_TORCH_PEER), each configuration in its own process for its peak
RSS, stae and PyTorch alternating, medians of --reps runs (3). Three parts,
all by default (--only picks some):
  model  inference and a training step per volume at each of --sizes and
         --batches (lib/model's BenchmarkInfer, BenchmarkTrainStep)
  recon  recon's time per frame in the steady state of a stride-1 stream,
         --frame-error mean and last, at each of --sizes, --recon-frames
         frames a run (40), beside the peer's time per volume
         (BenchmarkReconPerFrame in recon)
  live   the live chain, volumes | recon --frame-error last | regscore
         --calibration | events --alarm, run as the tools on PATH, at each
         --live SIZE[:SCALE] (fit --scale; "227 115 67:0.25", the last the
         cpu preset's): its frames/s fed as fast as it takes them, and the
         latency from a frame written to its score read, fed at
         --live-fps (10) or 0.8 of the rate measured if that is lower; each
         run timed --live-seconds (10) after a warm-up. Its models (one
         epoch on a synthetic clip: timed, not meant to detect),
         calibrations and frames are made once in out/bench.
Every row says its command, the reps and the load average at the start;
run it on a quiet machine (taskset -c 0,1 for two cores of a larger one).

` + tool.ExitCodesHelp + "\n"
}

// Run is stae-protocol: args[0] is the program, args[1] the job.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := run(ctx, args[1:], stdout, stderr)
	var usage tool.UsageError
	switch {
	case err == nil:
		return tool.ExitOK
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, Usage())
		return tool.ExitOK
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "stae-protocol: %v\n%s", err, Usage())
		return tool.ExitUsage
	}
	fmt.Fprintf(stderr, "stae-protocol: %v\n", err)
	return tool.ExitFail
}

var errHelp = errors.New("help")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return tool.Usagef("no job given")
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	log := prefixed{stderr}
	runner := &Runner{Log: log, Stderr: stderr}
	job, args := args[0], args[1:]
	for _, a := range args {
		if a == "-h" || a == "--help" {
			return errHelp
		}
	}
	switch job {
	case "help", "-h", "--help":
		return errHelp
	case "demo":
		if len(args) > 1 {
			return tool.Usagef("demo: at most one argument, OUT_DIR")
		}
		out := filepath.Join(repo, "out", "demo")
		if len(args) == 1 {
			out = args[0]
		}
		if out, err = makeDir(out); err != nil {
			return err
		}
		p, err := Demo(repo, out, os.Getenv)
		if err != nil {
			return err
		}
		if err := RunDemo(ctx, runner, p, stdout); err != nil {
			return err
		}
		fmt.Fprintf(log, "outputs in %s (plots: %s)\n", out, p.Path("plots"))
		return nil
	case "dataset", "ped2":
		return dataset(ctx, runner, args, stdout)
	case "check":
		if len(args) != 1 {
			return tool.Usagef("check: one argument, OUT_DIR")
		}
		if err := CheckDataset(args[0]); err != nil {
			return fmt.Errorf("dataset outputs: %w", err)
		}
		return nil
	case "bench":
		return bench(ctx, runner, repo, args, stdout, log)
	}
	return tool.Usagef("unknown job %s", job)
}

func dataset(ctx context.Context, runner *Runner, args []string, stdout io.Writer) error {
	preset, quick, pos := "cpu", false, []string(nil)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--preset" && i+1 < len(args):
			preset = args[i+1]
			i++
		case strings.HasPrefix(a, "--preset="):
			preset = strings.TrimPrefix(a, "--preset=")
		case a == "--quick":
			quick = true
		case strings.HasPrefix(a, "-"):
			return tool.Usagef("dataset: unknown option %s", a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return tool.Usagef("dataset: want DATA_DIR and OUT_DIR")
	}
	data, err := filepath.Abs(pos[0])
	if err != nil || !isDir(data) {
		return fmt.Errorf("dataset: no such folder %s", pos[0])
	}
	s, err := Preset(preset, os.Getenv)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	out, err := makeDir(pos[1])
	if err != nil {
		return err
	}
	p, err := Dataset(data, out, s, quick)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	return RunDataset(ctx, runner, p, data, preset, quick, stdout)
}

func bench(ctx context.Context, runner *Runner, repo string, args []string, stdout, log io.Writer) error {
	b := Bench{Reps: 3, Sizes: []string{"227", "115"}, Batches: []string{"1", "4"}, Log: log,
		TestDir: filepath.Join(repo, "lib", "model"), Python: "/usr/bin/python3",
		ReconFrames: 40, ReconTestDir: filepath.Join(repo, "recon"),
		Live: LiveBench{Seconds: 10, FPS: 10, Dir: filepath.Join(repo, "out", "bench"),
			Synth: filepath.Join(repo, "testdata", "synth"), Runner: runner, Cores: runtime.NumCPU()}}
	parts := map[string]bool{"model": true, "recon": true, "live": true}
	live := "227 115 67:0.25"
	const usage = `bench: unknown option %s (try: --json, --only model,recon,live, --reps N, --sizes "227 115", --batches "1 4", ` +
		`--recon-frames N, --live "227 115 67:0.25", --live-seconds S, --live-fps F)`
	for i := 0; i < len(args); i++ {
		a, val := args[i], ""
		switch a {
		case "--only", "--reps", "--sizes", "--batches", "--recon-frames", "--live", "--live-seconds", "--live-fps":
			if i+1 == len(args) {
				return tool.Usagef("bench: %s needs a value", a)
			}
			val = args[i+1]
			i++
		}
		var err error
		switch a {
		case "--json":
			b.JSON = true
		case "--only":
			if parts, err = benchParts(val); err != nil {
				return tool.Usagef("bench: --only %s: %v", val, err)
			}
		case "--reps":
			if b.Reps, err = atLeastOne(val); err != nil {
				return tool.Usagef("bench: --reps %s: %v", val, err)
			}
		case "--recon-frames":
			if b.ReconFrames, err = atLeastOne(val); err != nil {
				return tool.Usagef("bench: --recon-frames %s: %v", val, err)
			}
		case "--sizes":
			b.Sizes = strings.Fields(val)
		case "--batches":
			b.Batches = strings.Fields(val)
		case "--live":
			live = val
		case "--live-seconds", "--live-fps":
			x, err := strconv.ParseFloat(val, 64)
			if err != nil || !(x > 0) || math.IsInf(x, 0) {
				return tool.Usagef("bench: %s %s: want a positive number", a, val)
			}
			if a == "--live-seconds" {
				b.Live.Seconds = x
			} else {
				b.Live.FPS = x
			}
		default:
			return tool.Usagef(usage, a)
		}
	}
	for _, n := range append(append([]string{}, b.Sizes...), b.Batches...) {
		if _, err := strconv.Atoi(n); err != nil {
			return tool.Usagef("bench: %q is not a whole number", n)
		}
	}
	var err error
	if b.Live.Specs, err = ParseLiveSpecs(live); err != nil {
		return tool.Usagef("bench: --live: %v", err)
	}
	if !parts["model"] {
		b.Batches = nil
	}
	if !parts["recon"] {
		b.ReconFrames = 0
	}
	if !parts["live"] {
		b.Live.Specs = nil
	}
	if parts["model"] || parts["recon"] {
		b.Peer = findPeer(ctx, repo, b.Python, log)
	}
	tmp, err := os.MkdirTemp("", "stae-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if parts["model"] || parts["recon"] {
		fmt.Fprintln(log, "bench: building the benchmarks")
	}
	if parts["model"] {
		if b.Test, err = BuildBench(ctx, repo, tmp, "./lib/model", log); err != nil {
			return fmt.Errorf("bench: building lib/model's benchmarks: %w", err)
		}
	}
	if parts["recon"] {
		if b.ReconTest, err = BuildBench(ctx, repo, tmp, "./recon", log); err != nil {
			return fmt.Errorf("bench: building recon's benchmarks: %w", err)
		}
	}
	b.Load = LoadAverage()
	fmt.Fprintf(log, "bench: load average at start %s (2 cores busy elsewhere skew every figure)\n", b.Load)
	if err := RunBench(ctx, b, stdout); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}

// benchParts reads --only: some of model, recon and live, separated by
// commas or spaces.
func benchParts(s string) (map[string]bool, error) {
	parts := map[string]bool{}
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p != "model" && p != "recon" && p != "live" {
			return nil, fmt.Errorf("unknown part %s (model, recon, live)", p)
		}
		parts[p] = true
	}
	if len(parts) == 0 {
		return nil, errors.New("no part given (model, recon, live)")
	}
	return parts, nil
}

func atLeastOne(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errors.New("want a whole number, at least 1")
	}
	return n, nil
}

// findPeer is the PyTorch peer's script when it and PyTorch are at hand,
// else "" (and says why in log).
func findPeer(ctx context.Context, repo, python string, log io.Writer) string {
	peer := os.Getenv("STAE_TORCH_PEER")
	if peer == "" {
		peer = filepath.Join(repo, "..", "shared", "peers", "torch_stae.py")
	}
	if _, err := os.Stat(peer); err != nil {
		fmt.Fprintf(log, "bench: PyTorch peer %s not found (set STAE_TORCH_PEER); timing stae alone\n", peer)
		return ""
	}
	c := exec.CommandContext(ctx, python, "-c", "import torch")
	c.Env = append(os.Environ(), "OPENBLAS_NUM_THREADS=1")
	if c.Run() != nil {
		fmt.Fprintf(log, "bench: PyTorch is not installed for %s; install it with: sudo apt-get install -y python3-torch\n", python)
		fmt.Fprintln(log, "bench: timing stae alone")
		return ""
	}
	return peer
}

func makeDir(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return filepath.Abs(dir)
}

// prefixed writes each line it is given after "stae-protocol: ".
type prefixed struct{ w io.Writer }

func (p prefixed) Write(b []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if line != "" {
			if _, err := io.WriteString(p.w, "stae-protocol: "+line); err != nil {
				return 0, err
			}
		}
	}
	return len(b), nil
}
