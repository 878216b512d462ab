package protocol

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseBenchmark(t *testing.T) {
	out := []byte("goos: linux\nBenchmarkInfer/227/batch=1-2  \t 5\t 162200000 ns/op\t 97.90 GFLOPS\t 120.5 heapMB\t 0.1622 s/volume\nPASS\n")
	s, err := ParseBenchmark(out)
	if err != nil || s != (Sample{"0.1622", "97.90"}) {
		t.Errorf("got %+v, %v", s, err)
	}
	if _, err := ParseBenchmark([]byte("PASS\n")); err == nil {
		t.Error("no benchmark line: no error")
	}
}

func TestParsePeer(t *testing.T) {
	out := []byte(`{"peer": "pytorch-1.13", "mode": "infer", "size": 227, "s_per_volume": 0.1494, "gflops": 106.3}` + "\n" +
		`{"mode": "train", "s_per_volume": 0.4646, "gflops": 102.6}` + "\n")
	s, err := ParsePeer(out, "train")
	if err != nil || s != (Sample{"0.4646", "102.6"}) {
		t.Errorf("got %+v, %v", s, err)
	}
	if _, err := ParsePeer(out, "other"); err == nil {
		t.Error("no line for the mode: no error")
	}
}

func TestMedian(t *testing.T) {
	id := func(s string) string { return s }
	for _, tc := range []struct {
		in   []string
		want string
	}{{[]string{"0.3", "0.1", "0.2"}, "0.2"}, {[]string{"4", "1", "3", "2"}, "2"}, {[]string{"1e-3"}, "1e-3"}} {
		if got := median(tc.in, id); got != tc.want {
			t.Errorf("median(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := medianInt([]int64{686, 198, 607}); got != 607 {
		t.Errorf("medianInt = %d", got)
	}
}

// RunBench's table and JSON lines, with a fake benchmark binary and peer.
func TestRunBench(t *testing.T) {
	dir := t.TempDir()
	test, peer := filepath.Join(dir, "model.test"), filepath.Join(dir, "peer")
	write := func(path, text string) { writeScript(t, path, text) }
	write(test, "#!/bin/sh\necho 'BenchmarkInfer/67/batch=1-2  5  1 ns/op  50.5 GFLOPS  0.25 s/volume'\n")
	write(peer, "#!/bin/sh\necho '{\"mode\": \"infer\", \"s_per_volume\": 0.5, \"gflops\": 25.0}'\necho '{\"mode\": \"train\", \"s_per_volume\": 0.5, \"gflops\": 25.0}'\n")
	b := Bench{Reps: 1, Sizes: []string{"67"}, Batches: []string{"1"}, Test: test, TestDir: dir, Peer: peer, Python: "/bin/sh", Load: "0.1, 0.2, 0.3", Log: io.Discard}
	out := runBench(t, b)
	if !strings.Contains(out, "67        1 infer |      0.25       0.5        0.50 |    50.5    25.0 |") {
		t.Errorf("table:\n%s", out)
	}
	b.JSON = true
	out = runBench(t, b)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := `{"impl":"pytorch","mode":"infer","size":67,"batch":1,"s_per_volume":0.5,"gflops":25.0,"peak_rss_mb":`
	if len(lines) != 4 || !strings.HasPrefix(lines[1], want) || !strings.HasSuffix(lines[1], `"reps":1,"load":"0.1, 0.2, 0.3","ratio_stae_pytorch":0.50}`) {
		t.Errorf("JSON lines:\n%s", out)
	}
}

// runBench runs b and returns what it wrote; an error fails t.
func runBench(t *testing.T, b Bench) string {
	t.Helper()
	var out bytes.Buffer
	if err := RunBench(t.Context(), b, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// containsAll fails t for each of wants that out lacks.
func containsAll(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

// writeScript writes an executable file: a stand-in for a benchmark
// binary or the peer.
func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}
