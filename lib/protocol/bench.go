// The speed benchmark: the model's and recon's Go benchmarks beside the
// PyTorch peer, and the live chain's frame rate and latency (benchlive.go).

package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Bench are the benchmark's options. Each part runs when it has its
// settings: the model's rows with Sizes and Batches, recon's with Sizes
// and ReconFrames, the live chain's with Live.
type Bench struct {
	Reps    int
	Sizes   []string // frame sides, e.g. 227 115
	Batches []string // batch sizes, e.g. 1 4
	JSON    bool     // one JSON object per line instead of the table
	Test    string   // the compiled lib/model test binary
	TestDir string   // the folder it runs in (lib/model)
	Peer    string   // the PyTorch peer script, or "" to time stae alone
	Python  string   // the interpreter for the peer
	Load    string   // the load average at the start
	Log     io.Writer

	ReconFrames  int    // frames timed per recon run (BenchmarkReconPerFrame); 0: no recon rows
	ReconTest    string // the compiled recon test binary
	ReconTestDir string // the folder it runs in (recon)

	Live LiveBench // the live chain's settings; no Specs: no live rows
}

// BenchRow is one implementation's figures at one configuration, as
// --json prints it.
type BenchRow struct {
	Impl      string       `json:"impl"`
	Mode      string       `json:"mode"`
	Size      json.Number  `json:"size"`
	Batch     json.Number  `json:"batch"`
	SPerVol   json.Number  `json:"s_per_volume"`
	GFLOPS    json.Number  `json:"gflops"`
	PeakRSSMB int64        `json:"peak_rss_mb"`
	Command   string       `json:"command"`
	Reps      int          `json:"reps"`
	Load      string       `json:"load"`
	Ratio     *json.Number `json:"ratio_stae_pytorch,omitempty"`
}

// Sample is one run's figures, the numbers as the program printed them.
type Sample struct{ S, GFLOPS string }

// RunBench runs each part of the benchmark that b has settings for: the
// model's rows, recon's and the live chain's, and prints each part's
// table (or its JSON lines) once the part is done.
func RunBench(ctx context.Context, b Bench, stdout io.Writer) error {
	if len(b.Sizes) > 0 && len(b.Batches) > 0 {
		if err := benchModel(ctx, b, stdout); err != nil {
			return err
		}
	}
	if len(b.Sizes) > 0 && b.ReconFrames > 0 {
		if err := benchRecon(ctx, b, stdout); err != nil {
			return err
		}
	}
	if len(b.Live.Specs) > 0 {
		return benchLive(ctx, b, stdout)
	}
	return nil
}

// benchModel times each size, batch and mode Reps times, stae and the peer
// alternating, each run in its own process for its peak RSS, and prints
// the medians.
func benchModel(ctx context.Context, b Bench, stdout io.Writer) error {
	type row struct{ stae, torch BenchRow }
	var rows []row
	for _, size := range b.Sizes {
		for _, batch := range b.Batches {
			for _, mode := range []string{"infer", "train"} {
				var ss, ts []Sample
				var sm, tm []int64
				for rep := 1; rep <= b.Reps; rep++ {
					fmt.Fprintf(b.Log, "bench: %sx%s batch %s %s, run %d of %d\n", size, size, batch, mode, rep, b.Reps)
					bt, benchtime := modelBench(mode)
					name := fmt.Sprintf("%s/%s/batch=%s", bt, size, batch)
					out, rss, err := runGoBench(ctx, b.TestDir, b.Test, name, benchtime)
					if err != nil {
						return err
					}
					s, err := ParseBenchmark(out)
					if err != nil {
						return fmt.Errorf("stae benchmark %s: %w", name, err)
					}
					ss, sm = append(ss, s), append(sm, rss)
					if b.Peer == "" {
						continue
					}
					if s, rss, err = b.runPeer(ctx, size, batch, mode); err != nil {
						return err
					}
					ts, tm = append(ts, s), append(tm, rss)
				}
				r := row{stae: BenchRow{Impl: "stae", Mode: mode, Size: json.Number(size), Batch: json.Number(batch),
					SPerVol:   json.Number(median(ss, func(s Sample) string { return s.S })),
					GFLOPS:    json.Number(median(ss, func(s Sample) string { return s.GFLOPS })),
					PeakRSSMB: medianInt(sm), Reps: b.Reps, Load: b.Load,
					Command: goBenchCommand(mode, size, batch)}}
				if b.Peer != "" {
					r.torch = r.stae
					r.torch.Impl = "pytorch"
					r.torch.Command = b.peerCommand(size, batch, mode)
					r.torch.SPerVol = json.Number(median(ts, func(s Sample) string { return s.S }))
					r.torch.GFLOPS = json.Number(median(ts, func(s Sample) string { return s.GFLOPS }))
					r.torch.PeakRSSMB = medianInt(tm)
					ratio := json.Number(ratioOf(string(r.stae.SPerVol), string(r.torch.SPerVol)))
					r.torch.Ratio = &ratio
				}
				rows = append(rows, r)
				if err := b.emit(stdout, r.stae); err != nil {
					return err
				}
				if b.Peer != "" {
					if err := b.emit(stdout, r.torch); err != nil {
						return err
					}
				}
			}
		}
	}
	if b.JSON {
		return nil
	}
	fmt.Fprintf(stdout, "\nseconds per volume, median of %d runs each; load average at start %s\n", b.Reps, b.Load)
	const format = "%-5s %5s %-5s | %9s %9s %11s | %7s %7s | %9s %9s\n"
	fmt.Fprintf(stdout, format, "size", "batch", "mode", "stae s", "torch s", "stae/torch", "stae GF", "torch GF", "stae MB", "torch MB")
	for _, r := range rows {
		ts, ratio, tg, tm := "-", "-", "-", "-"
		if r.torch.Ratio != nil {
			ts, ratio, tg, tm = string(r.torch.SPerVol), string(*r.torch.Ratio), string(r.torch.GFLOPS), strconv.FormatInt(r.torch.PeakRSSMB, 10)
		}
		fmt.Fprintf(stdout, format, r.stae.Size, r.stae.Batch, r.stae.Mode, r.stae.SPerVol, ts, ratio,
			r.stae.GFLOPS, tg, strconv.FormatInt(r.stae.PeakRSSMB, 10), tm)
	}
	if b.Peer == "" {
		fmt.Fprintln(stdout, "(PyTorch peer not run: sudo apt-get install -y python3-torch)")
	}
	fmt.Fprintln(stdout, "GF: GFLOPS, forward multiply-adds x2 (x3 for training); MB: peak RSS of the process")
	fmt.Fprintf(stdout, "stae: %s (train: %s)\n", goBenchCommand("infer", "SIZE", "BATCH"), goBenchCommand("train", "SIZE", "BATCH"))
	return b.peerLine("MODE", "BATCH", stdout)
}

// modelBench is lib/model's benchmark for mode (infer or train) and the
// runs it is timed over.
func modelBench(mode string) (name, benchtime string) {
	if mode == "train" {
		return "BenchmarkTrainStep", "2x"
	}
	return "BenchmarkInfer", "5x"
}

// goBenchCommand is the go test command that times what a model row
// reports (the bench runs the same test binary, compiled once).
func goBenchCommand(mode, size, batch string) string {
	bt, benchtime := modelBench(mode)
	return goTestCommand(fmt.Sprintf("%s/%s/batch=%s", bt, size, batch), benchtime, "./lib/model")
}

func goTestCommand(name, benchtime, pkg string) string {
	return fmt.Sprintf("go test -run '^$' -bench '^%s$' -benchtime %s %s", name, benchtime, pkg)
}

// runGoBench runs benchmark name of a compiled test binary in dir for
// benchtime and returns its output and peak RSS.
func runGoBench(ctx context.Context, dir, test, name, benchtime string) ([]byte, int64, error) {
	out, rss, err := measure(ctx, dir, nil, test, "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.benchtime", benchtime)
	if err != nil {
		return nil, 0, fmt.Errorf("stae benchmark %s failed: %w", name, err)
	}
	return out, rss, nil
}

// peerReps are the timed runs of one peer process (after its warm-up).
const peerReps = "3"

// runPeer times the PyTorch peer at size and batch in mode (infer or
// train) in its own process.
func (b Bench) runPeer(ctx context.Context, size, batch, mode string) (Sample, int64, error) {
	out, rss, err := measure(ctx, "", []string{"OPENBLAS_NUM_THREADS=1"}, b.Python, b.Peer,
		"--size", size, "--batch", batch, "--modes", mode, "--reps", peerReps)
	if err != nil {
		return Sample{}, 0, fmt.Errorf("PyTorch peer failed at %sx%s batch %s %s: %w", size, size, batch, mode, err)
	}
	s, err := ParsePeer(out, mode)
	if err != nil {
		return Sample{}, 0, fmt.Errorf("PyTorch peer: %w", err)
	}
	return s, rss, nil
}

// peerCommand is the command runPeer runs.
func (b Bench) peerCommand(size, batch, mode string) string {
	return fmt.Sprintf("OPENBLAS_NUM_THREADS=1 %s %s --size %s --batch %s --modes %s --reps %s", b.Python, b.Peer, size, batch, mode, peerReps)
}

// peerLine prints the peer's command under a table, if it ran.
func (b Bench) peerLine(mode, batch string, w io.Writer) error {
	if b.Peer == "" {
		return nil
	}
	_, err := fmt.Fprintf(w, "torch: %s\n", b.peerCommand("SIZE", batch, mode))
	return err
}

// ReconRow is recon's time per frame at one size and --frame-error mode,
// beside the peer's time per volume, as --json prints it.
type ReconRow struct {
	Impl         string       `json:"impl"`
	Mode         string       `json:"mode"` // recon-mean or recon-last
	Size         json.Number  `json:"size"`
	Batch        json.Number  `json:"batch"` // recon's --batch, and the peer's
	SPerFrame    json.Number  `json:"s_per_frame"`
	Frames       int          `json:"frames"` // timed per run
	PeakRSSMB    int64        `json:"peak_rss_mb"`
	Command      string       `json:"command"`
	TorchSPerVol json.Number  `json:"torch_s_per_volume,omitempty"`
	TorchRSSMB   int64        `json:"torch_peak_rss_mb,omitempty"`
	TorchCommand string       `json:"torch_command,omitempty"`
	Reps         int          `json:"reps"`
	Load         string       `json:"load"`
	Ratio        *json.Number `json:"ratio_stae_pytorch,omitempty"`
}

// reconBatch is recon's default --batch, at which BenchmarkReconPerFrame
// runs; the peer runs at the same batch.
const reconBatch = "4"

// benchRecon times recon's steady state per frame for each size, mean and
// last, Reps times, alternating with the peer's inference at recon's
// batch, and prints the medians. A stride-1 stream has a window a frame,
// so the peer's time per volume is its time per frame.
func benchRecon(ctx context.Context, b Bench, stdout io.Writer) error {
	modes := []string{"mean", "last"}
	var rows []ReconRow
	for _, size := range b.Sizes {
		ss := make([][]string, len(modes))
		sm := make([][]int64, len(modes))
		var ts []Sample
		var tm []int64
		for rep := 1; rep <= b.Reps; rep++ {
			for i, mode := range modes {
				fmt.Fprintf(b.Log, "bench: recon %sx%s --frame-error %s, run %d of %d\n", size, size, mode, rep, b.Reps)
				name := fmt.Sprintf("BenchmarkReconPerFrame/%s/%s", size, mode)
				out, rss, err := runGoBench(ctx, b.ReconTestDir, b.ReconTest, name, strconv.Itoa(b.ReconFrames)+"x")
				if err != nil {
					return err
				}
				s, err := benchMetric(out, "s/frame")
				if err != nil {
					return fmt.Errorf("stae benchmark %s: %w", name, err)
				}
				ss[i], sm[i] = append(ss[i], s), append(sm[i], rss)
			}
			if b.Peer == "" {
				continue
			}
			s, rss, err := b.runPeer(ctx, size, reconBatch, "infer")
			if err != nil {
				return err
			}
			ts, tm = append(ts, s), append(tm, rss)
		}
		for i, mode := range modes {
			id := func(s string) string { return s }
			r := ReconRow{Impl: "stae", Mode: "recon-" + mode, Size: json.Number(size), Batch: reconBatch,
				SPerFrame: json.Number(median(ss[i], id)), Frames: b.ReconFrames, PeakRSSMB: medianInt(sm[i]),
				Command: reconBenchCommand(size, mode, b.ReconFrames), Reps: b.Reps, Load: b.Load}
			if b.Peer != "" {
				r.TorchSPerVol = json.Number(median(ts, func(s Sample) string { return s.S }))
				r.TorchRSSMB = medianInt(tm)
				r.TorchCommand = b.peerCommand(size, reconBatch, "infer")
				ratio := json.Number(ratioOf(string(r.SPerFrame), string(r.TorchSPerVol)))
				r.Ratio = &ratio
			}
			rows = append(rows, r)
			if err := b.emit(stdout, r); err != nil {
				return err
			}
		}
	}
	if b.JSON {
		return nil
	}
	return writeReconTable(stdout, b, rows)
}

// writeReconTable prints recon's rows.
func writeReconTable(w io.Writer, b Bench, rows []ReconRow) error {
	fmt.Fprintf(w, "\nrecon, seconds per frame in the steady state of a stride-1 stream (--batch %s, %d frames a run),\n"+
		"beside PyTorch's seconds per volume at batch %s; median of %d runs each; load average at start %s\n",
		reconBatch, b.ReconFrames, reconBatch, b.Reps, b.Load)
	const format = "%-5s %-4s | %12s %11s %11s | %9s %9s\n"
	fmt.Fprintf(w, format, "size", "mode", "stae s/frame", "torch s/vol", "stae/torch", "stae MB", "torch MB")
	for _, r := range rows {
		ts, ratio, tm := "-", "-", "-"
		if r.Ratio != nil {
			ts, ratio, tm = string(r.TorchSPerVol), string(*r.Ratio), strconv.FormatInt(r.TorchRSSMB, 10)
		}
		fmt.Fprintf(w, format, r.Size, strings.TrimPrefix(r.Mode, "recon-"), r.SPerFrame, ts, ratio, strconv.FormatInt(r.PeakRSSMB, 10), tm)
	}
	fmt.Fprintln(w, "mean: each frame's error over the windows covering it (every window decodes all its frames); last: --frame-error last (a window's last frame decoded)")
	fmt.Fprintf(w, "stae: %s\n", reconBenchCommand("SIZE", "MODE", b.ReconFrames))
	return b.peerLine("infer", reconBatch, w)
}

// reconBenchCommand is the go test command that times a recon row.
func reconBenchCommand(size, mode string, frames int) string {
	return goTestCommand(fmt.Sprintf("BenchmarkReconPerFrame/%s/%s", size, mode), strconv.Itoa(frames)+"x", "./recon")
}

// ratioOf is a/b to two decimals, as the tables print it.
func ratioOf(a, b string) string {
	x, _ := strconv.ParseFloat(a, 64)
	y, _ := strconv.ParseFloat(b, 64)
	return fmt.Sprintf("%.2f", x/y)
}

// emit writes a row as one line of JSON, with --json, as soon as it is
// measured; the tables wait for their part's end.
func (b Bench) emit(w io.Writer, row any) error {
	if !b.JSON {
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // commands as they read: < and > unescaped
	return enc.Encode(row)
}

// measure runs a command and returns its stdout and its peak RSS in MiB.
func measure(ctx context.Context, dir string, env []string, name string, args ...string) ([]byte, int64, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return out, 0, err
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss / 1024 // KiB on Linux
	}
	return out, rss, nil
}

// ParseBenchmark finds the s/volume and GFLOPS metrics in go test's
// benchmark output.
func ParseBenchmark(out []byte) (Sample, error) {
	sv, err1 := benchMetric(out, "s/volume")
	gf, err2 := benchMetric(out, "GFLOPS")
	if err1 != nil || err2 != nil {
		return Sample{}, errors.New("no s/volume and GFLOPS in its output")
	}
	return Sample{sv, gf}, nil
}

// benchMetric finds the value of the metric unit (e.g. s/frame) on the
// first benchmark line of go test's output that has it.
func benchMetric(out []byte, unit string) (string, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		for i := 1; i+1 < len(f); i++ {
			if f[i+1] == unit {
				return f[i], nil
			}
		}
	}
	return "", fmt.Errorf("no %s in its output", unit)
}

// ParsePeer reads the peer's JSON line for mode.
func ParsePeer(out []byte, mode string) (Sample, error) {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	for {
		var v struct {
			Mode    string      `json:"mode"`
			SPerVol json.Number `json:"s_per_volume"`
			GFLOPS  json.Number `json:"gflops"`
		}
		if err := dec.Decode(&v); err != nil {
			return Sample{}, fmt.Errorf("no %s line with s_per_volume and gflops: %w", mode, err)
		}
		if v.Mode == mode && v.SPerVol != "" && v.GFLOPS != "" {
			return Sample{string(v.SPerVol), string(v.GFLOPS)}, nil
		}
	}
}

// median is the middle (the lower middle of an even count) of the numbers
// key gives, as they were printed.
func median[T any](xs []T, key func(T) string) string {
	vs := make([]string, len(xs))
	for i, x := range xs {
		vs[i] = key(x)
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, _ := strconv.ParseFloat(vs[i], 64)
		b, _ := strconv.ParseFloat(vs[j], 64)
		return a < b
	})
	if len(vs) == 0 {
		return "0"
	}
	return vs[(len(vs)-1)/2]
}

func medianInt(xs []int64) int64 {
	v := median(xs, func(x int64) string { return strconv.FormatInt(x, 10) })
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// LoadAverage is the 1, 5 and 15-minute load averages, as uptime prints them.
func LoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], ", ")
}

// BuildBench compiles the benchmarks of pkg (e.g. ./lib/model) under repo
// into dir.
func BuildBench(ctx context.Context, repo, dir, pkg string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, filepath.Base(pkg)+".test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
	cmd.Dir, cmd.Stdout, cmd.Stderr = repo, stderr, stderr
	return bin, cmd.Run()
}
