// Tests of the live chain's benchmark without timing anything: its
// options, the figures from timestamps, the table, and the plumbing of a
// run through a stand-in chain (this test binary, run as the commands).

package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// TestMain runs the test binary as a stand-in for the chain's commands
// when $STAE_FAKE_CHAIN is set: "head" turns each frame into a score as
// it comes, "tail FILE" counts the scores into FILE, "fail" exits 1.
func TestMain(m *testing.M) {
	if os.Getenv("STAE_FAKE_CHAIN") != "" && len(os.Args) > 1 {
		if err := fakeCommand(os.Args[1:]); err != nil {
			fmt.Fprintln(os.Stderr, "fake:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func fakeCommand(args []string) error {
	switch args[0] {
	case "head":
		rd, err := stream.NewReader(os.Stdin, stream.KindFrame)
		if err != nil {
			return err
		}
		w, err := stream.NewWriter(os.Stdout, stream.NewHeader(stream.KindScore, rd.Header(), stream.Stage{Tool: "fake"}), false)
		if err != nil {
			return err
		}
		for {
			f, err := rd.NextFrame()
			if err == io.EOF {
				return w.Close()
			}
			if err != nil {
				return err
			}
			if err := w.WriteFlush(&stream.Score{Video: f.Video, Frame: f.Frame, Error: 1, Regularity: 1}); err != nil {
				return err
			}
		}
	case "tail":
		rd, err := stream.NewReader(os.Stdin, stream.KindScore)
		if err != nil {
			return err
		}
		n := 0
		for _, err = rd.NextScore(); err == nil; _, err = rd.NextScore() {
			n++
		}
		if err != io.EOF {
			return err
		}
		return os.WriteFile(args[1], []byte(strconv.Itoa(n)), 0o644)
	}
	return errors.New("failing, as asked")
}

// fakeChain is a runner whose every command is this test binary, the
// chain "fake head | fake tail FILE", and the FILE tail counts into.
func fakeChain(t *testing.T, head string) (*Runner, [][]string, string) {
	t.Setenv("STAE_FAKE_CHAIN", "1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Log: io.Discard, Stderr: io.Discard, LookPath: func(string) (string, error) { return self, nil }}
	count := filepath.Join(t.TempDir(), "count")
	return r, [][]string{{"fake", head}, {"fake", "tail", count}}, count
}

func fakeFrames() (stream.Header, []*stream.Frame) {
	hdr := streamtest.Header(stream.KindFrame, "frames", map[string]any{"width": 2, "height": 2})
	var frames []*stream.Frame
	for i := range 5 {
		frames = append(frames, &stream.Frame{Video: "Test001", Frame: i, Shape: []int{2, 2}, Data: []float32{0, 1, 2, float32(i)}})
	}
	return hdr, frames
}

func readCount(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A paced run writes the frames asked for, looping over the five given,
// and every frame's score comes out, after it went in, and on to the tail.
func TestRunChainPaced(t *testing.T) {
	r, chain, count := fakeChain(t, "head")
	hdr, frames := fakeFrames()
	run, err := runChain(t.Context(), r, chain, hdr, frames, chainFeed{frames: liveWarmup + 6, pace: 2000})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.In) != liveWarmup+6 || len(run.Out) != liveWarmup+6 {
		t.Fatalf("%d frames in, %d scores out, want %d each", len(run.In), len(run.Out), liveWarmup+6)
	}
	ls, err := run.latencies(liveWarmup)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 6 {
		t.Errorf("%d latencies, want 6", len(ls))
	}
	for i, l := range ls {
		if l < 0 {
			t.Errorf("latency %d is %v: the score came before its frame", i, l)
		}
	}
	if n := readCount(t, count); n != liveWarmup+6 {
		t.Errorf("the tail read %d scores, want %d", n, liveWarmup+6)
	}
}

// A run as fast as it goes stops feeding once its window has passed after
// the warm-up, and the rate is taken over the scores in between.
func TestRunChainThroughput(t *testing.T) {
	r, chain, count := fakeChain(t, "head")
	hdr, frames := fakeFrames()
	run, err := runChain(t.Context(), r, chain, hdr, frames, chainFeed{window: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if run.StopScores <= liveWarmup || run.StopAt.Sub(run.WarmAt) < 20*time.Millisecond {
		t.Errorf("stopped after %d scores, %v after the warm-up: want more than %d scores, at least 20ms", run.StopScores, run.StopAt.Sub(run.WarmAt), liveWarmup)
	}
	rate, n, err := run.throughput()
	if err != nil || n != run.StopScores-liveWarmup || !(rate > 0) {
		t.Errorf("throughput: %g frames/s over %d scores, %v", rate, n, err)
	}
	if got := readCount(t, count); got != len(run.In) || len(run.Out) != len(run.In) {
		t.Errorf("%d frames in, %d scores out, %d passed on: want all the same", len(run.In), len(run.Out), got)
	}
}

// A chain that fails says so, and says which command.
func TestRunChainFails(t *testing.T) {
	r, chain, _ := fakeChain(t, "fail")
	hdr, frames := fakeFrames()
	_, err := runChain(t.Context(), r, chain, hdr, frames, chainFeed{window: time.Second})
	if err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("got %v, want the failing command's exit status", err)
	}
}

// The figures from timestamps: the rate between the warm-up and the stop,
// each frame's latency, and the nearest-rank percentiles.
func TestChainFigures(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	run := &chainRun{Warm: 2, StopScores: 12, WarmAt: at(500), StopAt: at(2500),
		In:  []time.Time{at(0), at(100), at(200), at(300), at(400)},
		Out: []time.Time{at(150), at(160), at(260), at(700), at(430)}}
	rate, n, err := run.throughput()
	if err != nil || rate != 5 || n != 10 {
		t.Errorf("throughput: %g frames/s over %d scores, %v; want 5 over 10", rate, n, err)
	}
	ls, err := run.latencies(2)
	want := []time.Duration{60 * time.Millisecond, 400 * time.Millisecond, 30 * time.Millisecond}
	if err != nil || fmt.Sprint(ls) != fmt.Sprint(want) {
		t.Errorf("latencies: %v, %v; want %v", ls, err, want)
	}
	run.Out = run.Out[:4]
	if _, err := run.latencies(2); err == nil || err.Error() != "frame 4: no score came out" {
		t.Errorf("a frame without its score: %v", err)
	}
	if _, _, err := (&chainRun{Warm: 2}).throughput(); err == nil {
		t.Error("a run that never stopped: no error")
	}
	var sorted []time.Duration
	for i := 1; i <= 20; i++ {
		sorted = append(sorted, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 10 * time.Millisecond}, {95, 19 * time.Millisecond}, {100, 20 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(sorted, tc.p); got != tc.want {
			t.Errorf("percentile %g: %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("percentile of none: %v", got)
	}
}

func TestParseLiveSpecs(t *testing.T) {
	specs, err := ParseLiveSpecs(" 227 115  67:0.25 ")
	if err != nil || fmt.Sprint(specs) != "[227 115 67:0.25]" || specs[2].Size != 67 || specs[2].Scale != "0.25" {
		t.Errorf("got %v, %v", specs, err)
	}
	for _, bad := range []string{"x", "0", "67:", "67:0", "67:-1", "67:a"} {
		if _, err := ParseLiveSpecs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestBenchParts(t *testing.T) {
	parts, err := benchParts("recon,live")
	if err != nil || len(parts) != 2 || !parts["recon"] || !parts["live"] {
		t.Errorf("got %v, %v", parts, err)
	}
	if parts, err = benchParts("model live"); err != nil || len(parts) != 2 || !parts["model"] {
		t.Errorf("spaces: got %v, %v", parts, err)
	}
	for _, bad := range []string{"", ",", "train"} {
		if _, err := benchParts(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSig3(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{464.2, "464"}, {5.234, "5.23"}, {0.01234, "0.0123"}, {1234.5, "1234"}, {10, "10.0"}, {0, "0"}} {
		if got := sig3(tc.x); got != tc.want {
			t.Errorf("sig3(%g) = %s, want %s", tc.x, got, tc.want)
		}
	}
}

// The live table: a row of figures, the chain's command and where its
// files are.
func TestWriteLiveTable(t *testing.T) {
	b := Bench{Reps: 2, Load: "0.1, 0.2, 0.3", Live: LiveBench{Seconds: 10, FPS: 10, Cores: 2, Dir: "out/bench"}}
	rows := []LiveRow{{Size: "67", Scale: "0.25", FPS: "464", PaceFPS: "10.0", LatencyP50: "112", LatencyP95: "310", Frames: 934, LatencyFrames: 20}}
	var out bytes.Buffer
	if err := writeLiveTable(&out, b, rows); err != nil {
		t.Fatal(err)
	}
	containsAll(t, out.String(),
		"live chain on 2 cores, median of 2 runs each; load average at start 0.1, 0.2, 0.3\n",
		"   67  0.25 |      464 |     10.0      112      310 |     934      20\n",
		"chain: <FRAMES, looped, written by the bench> | volumes --quiet | recon --quiet --model MODEL --frame-error last | regscore --quiet --calibration CALIB | events --quiet --alarm --calibration CALIB --false-alarms-per-hour 6 --open --json\n",
		"in out/bench/live-SIZE[-xSCALE]:")
}

// The recon rows' table and JSON lines, with a fake benchmark binary and
// peer.
func TestRunBenchRecon(t *testing.T) {
	dir := t.TempDir()
	test, peer := filepath.Join(dir, "recon.test"), filepath.Join(dir, "peer")
	writeScript(t, test, "#!/bin/sh\necho 'BenchmarkReconPerFrame/67/last-2  8  1 ns/op  0.03 s/frame'\n")
	writeScript(t, peer, "#!/bin/sh\necho '{\"mode\": \"infer\", \"s_per_volume\": 0.05, \"gflops\": 25.0}'\n")
	b := Bench{Reps: 1, Sizes: []string{"67"}, ReconFrames: 8, ReconTest: test, ReconTestDir: dir, Peer: peer, Python: "/bin/sh",
		Load: "0.1, 0.2, 0.3", Log: io.Discard}
	out := runBench(t, b)
	containsAll(t, out,
		"(--batch 4, 8 frames a run),\nbeside PyTorch's seconds per volume at batch 4; median of 1 runs each; load average at start 0.1, 0.2, 0.3\n",
		"67    mean |         0.03        0.05        0.60 |",
		"67    last |         0.03        0.05        0.60 |",
		"stae: go test -run '^$' -bench '^BenchmarkReconPerFrame/SIZE/MODE$' -benchtime 8x ./recon\n",
		"torch: OPENBLAS_NUM_THREADS=1 /bin/sh "+peer+" --size SIZE --batch 4 --modes infer --reps 3\n")
	if strings.Contains(out, "seconds per volume, median") {
		t.Errorf("model rows without batches:\n%s", out)
	}
	b.JSON = true
	out = runBench(t, b)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := `{"impl":"stae","mode":"recon-last","size":67,"batch":4,"s_per_frame":0.03,"frames":8,"peak_rss_mb":`
	if len(lines) != 2 || !strings.HasPrefix(lines[1], want) ||
		!strings.Contains(lines[1], `"command":"go test -run '^$' -bench '^BenchmarkReconPerFrame/67/last$' -benchtime 8x ./recon","torch_s_per_volume":0.05,`) ||
		!strings.HasSuffix(lines[1], `"reps":1,"load":"0.1, 0.2, 0.3","ratio_stae_pytorch":0.60}`) {
		t.Errorf("JSON lines:\n%s", out)
	}
}
