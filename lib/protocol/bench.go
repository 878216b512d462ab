// The speed benchmark: the model's Go benchmarks beside the PyTorch peer.

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

// Bench are the benchmark's options.
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
	Reps      int          `json:"reps"`
	Load      string       `json:"load"`
	Ratio     *json.Number `json:"ratio_stae_pytorch,omitempty"`
}

// Sample is one run's figures, the numbers as the program printed them.
type Sample struct{ S, GFLOPS string }

// RunBench times each size, batch and mode Reps times, stae and the peer
// alternating, each run in its own process for its peak RSS, and prints
// the medians.
func RunBench(ctx context.Context, b Bench, stdout io.Writer) error {
	type row struct{ stae, torch BenchRow }
	var rows []row
	for _, size := range b.Sizes {
		for _, batch := range b.Batches {
			for _, mode := range []string{"infer", "train"} {
				var ss, ts []Sample
				var sm, tm []int64
				for rep := 1; rep <= b.Reps; rep++ {
					fmt.Fprintf(b.Log, "bench: %sx%s batch %s %s, run %d of %d\n", size, size, batch, mode, rep, b.Reps)
					bt, benchtime := "BenchmarkInfer", "5x"
					if mode == "train" {
						bt, benchtime = "BenchmarkTrainStep", "2x"
					}
					name := fmt.Sprintf("%s/%s/batch=%s", bt, size, batch)
					out, rss, err := measure(ctx, b.TestDir, nil, b.Test, "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.benchtime", benchtime)
					if err != nil {
						return fmt.Errorf("stae benchmark %s failed: %w", name, err)
					}
					s, err := ParseBenchmark(out)
					if err != nil {
						return fmt.Errorf("stae benchmark %s: %w", name, err)
					}
					ss, sm = append(ss, s), append(sm, rss)
					if b.Peer == "" {
						continue
					}
					out, rss, err = measure(ctx, "", []string{"OPENBLAS_NUM_THREADS=1"}, b.Python, b.Peer,
						"--size", size, "--batch", batch, "--modes", mode, "--reps", "3")
					if err != nil {
						return fmt.Errorf("PyTorch peer failed at %sx%s batch %s %s: %w", size, size, batch, mode, err)
					}
					if s, err = ParsePeer(out, mode); err != nil {
						return fmt.Errorf("PyTorch peer: %w", err)
					}
					ts, tm = append(ts, s), append(tm, rss)
				}
				r := row{stae: BenchRow{Impl: "stae", Mode: mode, Size: json.Number(size), Batch: json.Number(batch),
					SPerVol:   json.Number(median(ss, func(s Sample) string { return s.S })),
					GFLOPS:    json.Number(median(ss, func(s Sample) string { return s.GFLOPS })),
					PeakRSSMB: medianInt(sm), Reps: b.Reps, Load: b.Load}}
				if b.Peer != "" {
					r.torch = r.stae
					r.torch.Impl = "pytorch"
					r.torch.SPerVol = json.Number(median(ts, func(s Sample) string { return s.S }))
					r.torch.GFLOPS = json.Number(median(ts, func(s Sample) string { return s.GFLOPS }))
					r.torch.PeakRSSMB = medianInt(tm)
					a, _ := r.stae.SPerVol.Float64()
					t, _ := r.torch.SPerVol.Float64()
					ratio := json.Number(fmt.Sprintf("%.2f", a/t))
					r.torch.Ratio = &ratio
				}
				rows = append(rows, r)
				if b.JSON {
					enc := json.NewEncoder(stdout)
					if err := enc.Encode(r.stae); err != nil {
						return err
					}
					if b.Peer != "" {
						if err := enc.Encode(r.torch); err != nil {
							return err
						}
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
	_, err := fmt.Fprintln(stdout, "GF: GFLOPS, forward multiply-adds x2 (x3 for training); MB: peak RSS of the process")
	return err
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
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		var s Sample
		for i := 1; i+1 < len(f); i++ {
			switch f[i+1] {
			case "s/volume":
				s.S = f[i]
			case "GFLOPS":
				s.GFLOPS = f[i]
			}
		}
		if s.S != "" && s.GFLOPS != "" {
			return s, nil
		}
	}
	return Sample{}, errors.New("no s/volume and GFLOPS in its output")
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

// BuildBench compiles lib/model's benchmarks under repo into dir.
func BuildBench(ctx context.Context, repo, dir string, stderr io.Writer) (string, error) {
	bin := filepath.Join(dir, "model.test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./lib/model")
	cmd.Dir, cmd.Stdout, cmd.Stderr = repo, stderr, stderr
	return bin, cmd.Run()
}
