// The live chain's benchmark: decoded frames written into volumes | recon
// | regscore | events, the real binaries, as fast as the chain takes them
// (its frames per second) and at a camera's pace (its latency, from a
// frame written to its score read).

package protocol

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"stae/lib/stream"
)

// LiveSpec is one chain to time: the frames' side and the model's width
// (fit --scale: 1 the paper's, 0.25 the cpu preset's).
type LiveSpec struct {
	Size  int
	Scale string
}

// String is the spec as --live takes it.
func (s LiveSpec) String() string {
	if s.Scale == "1" {
		return strconv.Itoa(s.Size)
	}
	return fmt.Sprintf("%d:%s", s.Size, s.Scale)
}

// ParseLiveSpecs reads --live: SIZE or SIZE:SCALE, separated by spaces,
// e.g. "227 115 67:0.25".
func ParseLiveSpecs(s string) ([]LiveSpec, error) {
	var specs []LiveSpec
	for _, f := range strings.Fields(s) {
		size, scale, ok := strings.Cut(f, ":")
		if !ok {
			scale = "1"
		}
		n, err := strconv.Atoi(size)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: the size is not a positive whole number", f)
		}
		if x, err := strconv.ParseFloat(scale, 64); err != nil || !(x > 0) {
			return nil, fmt.Errorf("%q: the scale is not a positive number", f)
		}
		specs = append(specs, LiveSpec{Size: n, Scale: scale})
	}
	return specs, nil
}

// LiveBench are the live chain's settings.
type LiveBench struct {
	Specs   []LiveSpec
	Seconds float64 // how long each run is timed, after its warm-up
	FPS     float64 // the latency run's pace, at most (a camera's rate)
	Dir     string  // where each chain's model, calibration and frames are made
	Synth   string  // the synthetic scene (testdata/synth) they are made from
	Runner  *Runner // makes them, each only when its tools or settings changed
	Cores   int     // the CPUs the chain may use, as the table reports it
}

// liveWarmup is the scores not timed at the start of a run: the first
// window's frames and the batches that build recon's graphs.
const liveWarmup = 24

// livePaceShare is the latency run's pace as a share of the measured
// frame rate, when that is below FPS: a chain fed faster than it goes
// only queues.
const livePaceShare = 0.8

// liveAlarmRate is events --false-alarms-per-hour in the chain.
const liveAlarmRate = "6"

// LiveRow is one chain's figures, as --json prints it.
type LiveRow struct {
	Impl          string      `json:"impl"`
	Mode          string      `json:"mode"` // live
	Size          json.Number `json:"size"`
	Scale         json.Number `json:"scale"`
	FPS           json.Number `json:"fps"`      // frames/s, as fast as the chain takes them: the median of the runs
	PaceFPS       json.Number `json:"pace_fps"` // the latency runs' pace (the median)
	LatencyP50    json.Number `json:"latency_p50_ms"`
	LatencyP95    json.Number `json:"latency_p95_ms"`
	Frames        int         `json:"frames"`         // scores the frame rates were timed over, all runs
	LatencyFrames int         `json:"latency_frames"` // frames the latencies were taken of, all runs
	Cores         int         `json:"cores"`
	Command       string      `json:"command"`
	Reps          int         `json:"reps"`
	Load          string      `json:"load"`
}

// liveFiles are what one chain needs, made by liveStages.
type liveFiles struct{ dir, stats, model, calib, frames string }

// files are the spec's files under l.Dir.
func (l LiveBench) files(spec LiveSpec) liveFiles {
	name := "live-" + strconv.Itoa(spec.Size)
	if spec.Scale != "1" {
		name += "-x" + spec.Scale
	}
	dir := filepath.Join(l.Dir, name)
	p := func(f string) string { return filepath.Join(dir, f) }
	return liveFiles{dir: dir, stats: p("stats.bin"), model: p("model.stae"), calib: p("calib.json"), frames: p("test.frames")}
}

// stages make a chain's files from the synthetic scene: statistics, a
// model fitted for one epoch on one clip's windows (hop 2), enough to be
// timed, not to detect anything; a calibration of its errors on another
// normal clip; and two test clips' frames, which the runs loop over.
func (l LiveBench) stages(spec LiveSpec) []Stage {
	f := l.files(spec)
	size := strconv.Itoa(spec.Size)
	synth := func(clip string) string { return filepath.Join(l.Synth, clip) }
	frames := []string{"frames", "--quiet", "--size", size, "--stats", f.stats}
	errs := filepath.Join(f.dir, "calib.errors")
	train := filepath.Join(f.dir, "train.volumes")
	return []Stage{
		{Out: f.stats, Pipe: [][]string{{"frames", "mean", "--quiet", "--size", size, "--out", OutArg, synth("Train")}}},
		{Out: train, Inputs: []string{f.stats}, Pipe: [][]string{
			append(slices.Clip(frames), synth("Train/Train001.avi")), {"volumes", "--quiet", "--hop", "2"}}},
		{Out: f.model, Inputs: []string{train}, Stdin: train, Pipe: [][]string{
			{"fit", "--quiet", "--epochs", "1", "--batch", "8", "--lr", "2e-3", "--seed", "1", "--scale", spec.Scale, "--out", OutArg}}},
		{Out: errs, Inputs: []string{f.stats, f.model}, Pipe: [][]string{
			append(slices.Clip(frames), synth("Train/Train002.avi")), {"volumes", "--quiet"}, l.chain(f)[1]}},
		{Out: f.calib, Inputs: []string{errs}, Stdin: errs, Pipe: [][]string{{"regscore", "calibrate", "--out", OutArg, "--fps", ucsdFPS}}},
		{Out: f.frames, Inputs: []string{f.stats}, Pipe: [][]string{
			append(slices.Clip(frames), synth("Test/Test001"), synth("Test/Test002"))}},
	}
}

// chain is the live chain's commands, as the README's Live section has
// them; the bench reads the scores between the last two.
func (l LiveBench) chain(f liveFiles) [][]string {
	return [][]string{
		{"volumes", "--quiet"},
		{"recon", "--quiet", "--model", f.model, "--frame-error", "last"},
		{"regscore", "--quiet", "--calibration", f.calib},
		{"events", "--quiet", "--alarm", "--calibration", f.calib, "--false-alarms-per-hour", liveAlarmRate, "--open", "--json"},
	}
}

// chainCommand is the chain as a shell would read it, fed frames.
func chainCommand(frames string, chain [][]string) string {
	cmds := []string{"<" + frames + ", looped, written by the bench>"}
	for _, argv := range chain {
		words := make([]string, len(argv))
		for i, a := range argv {
			words[i] = shellQuote(a)
		}
		cmds = append(cmds, strings.Join(words, " "))
	}
	return strings.Join(cmds, " | ")
}

// benchLive times each chain Reps times: a run as fast as it goes, then
// one paced at FPS (or below the rate just measured), and prints the
// median frame rate and the latencies of all runs.
func benchLive(ctx context.Context, b Bench, stdout io.Writer) error {
	l := b.Live
	var rows []LiveRow
	for _, spec := range l.Specs {
		f := l.files(spec)
		fmt.Fprintf(b.Log, "bench: the live chain at %s: model, calibration and frames in %s\n", spec, f.dir)
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			return err
		}
		if err := l.Runner.Run(ctx, l.stages(spec)...); err != nil {
			return fmt.Errorf("live chain %s: %w", spec, err)
		}
		hdr, frames, err := loadFrames(f.frames)
		if err != nil {
			return fmt.Errorf("live chain %s: %w", spec, err)
		}
		chain := l.chain(f)
		var rates, paces []float64
		var lats []time.Duration
		timed := 0
		for rep := 1; rep <= b.Reps; rep++ {
			fmt.Fprintf(b.Log, "bench: live chain %s, as fast as it goes for %gs, run %d of %d\n", spec, l.Seconds, rep, b.Reps)
			run, err := runChain(ctx, l.Runner, chain, hdr, frames, chainFeed{window: seconds(l.Seconds)})
			if err != nil {
				return fmt.Errorf("live chain %s: %w", spec, err)
			}
			rate, n, err := run.throughput()
			if err != nil {
				return fmt.Errorf("live chain %s: %w", spec, err)
			}
			pace := min(l.FPS, livePaceShare*rate)
			rates, paces, timed = append(rates, rate), append(paces, pace), timed+n
			fmt.Fprintf(b.Log, "bench: live chain %s, %.3g frames/s; paced at %.3g frames/s, run %d of %d\n", spec, rate, pace, rep, b.Reps)
			feed := chainFeed{frames: liveWarmup + int(math.Ceil(l.Seconds*pace)), pace: pace}
			if run, err = runChain(ctx, l.Runner, chain, hdr, frames, feed); err != nil {
				return fmt.Errorf("live chain %s: %w", spec, err)
			}
			ls, err := run.latencies(liveWarmup)
			if err != nil {
				return fmt.Errorf("live chain %s: %w", spec, err)
			}
			lats = append(lats, ls...)
		}
		slices.Sort(lats)
		r := LiveRow{Impl: "stae", Mode: "live", Size: json.Number(strconv.Itoa(spec.Size)), Scale: json.Number(spec.Scale),
			FPS: json.Number(sig3(medianFloat(rates))), PaceFPS: json.Number(sig3(medianFloat(paces))),
			LatencyP50: json.Number(sig3(ms(percentile(lats, 50)))), LatencyP95: json.Number(sig3(ms(percentile(lats, 95)))),
			Frames: timed, LatencyFrames: len(lats), Cores: l.Cores, Command: chainCommand(f.frames, chain), Reps: b.Reps, Load: b.Load}
		rows = append(rows, r)
		if err := b.emit(stdout, r); err != nil {
			return err
		}
	}
	if b.JSON {
		return nil
	}
	return writeLiveTable(stdout, b, rows)
}

// writeLiveTable prints the live chain's rows.
func writeLiveTable(w io.Writer, b Bench, rows []LiveRow) error {
	l := b.Live
	fmt.Fprintf(w, "\nlive chain on %d cores, median of %d runs each; load average at start %s\n", l.Cores, b.Reps, b.Load)
	fmt.Fprintf(w, "fps: frames/s fed as fast as the chain takes them, timed %gs after the first %d scores; latency: from a frame\n"+
		"written to its score read, fed at %g frames/s (%g of the fps where that is lower), all runs' frames after the first %d\n",
		l.Seconds, liveWarmup, l.FPS, livePaceShare, liveWarmup)
	const format = "%5s %5s | %8s | %8s %8s %8s | %7s %7s\n"
	fmt.Fprintf(w, format, "size", "scale", "fps", "pace fps", "p50 ms", "p95 ms", "timed", "paced")
	for _, r := range rows {
		fmt.Fprintf(w, format, r.Size, r.Scale, r.FPS, r.PaceFPS, r.LatencyP50, r.LatencyP95, strconv.Itoa(r.Frames), strconv.Itoa(r.LatencyFrames))
	}
	fmt.Fprintln(w, "timed: scores the fps was timed over; paced: frames the latency was taken of (all runs)")
	fmt.Fprintf(w, "chain: %s\n", chainCommand("FRAMES", l.chain(liveFiles{model: "MODEL", calib: "CALIB"})))
	_, err := fmt.Fprintf(w, "(scores timed as they leave regscore, then passed on to events; in %s:\n"+
		"FRAMES: testdata/synth Test001-002; MODEL: fitted for one epoch on Train001, to be timed, not to detect; CALIB: on Train002)\n",
		filepath.Join(l.Dir, "live-SIZE[-xSCALE]"))
	return err
}

// loadFrames reads a frame stream whole: its header and records.
func loadFrames(path string) (stream.Header, []*stream.Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return stream.Header{}, nil, err
	}
	defer f.Close()
	rd, err := stream.NewReader(f, stream.KindFrame)
	if err != nil {
		return stream.Header{}, nil, fmt.Errorf("%s: %w", path, err)
	}
	var frames []*stream.Frame
	for {
		fr, err := rd.NextFrame()
		if err == io.EOF {
			break
		}
		if err != nil {
			return stream.Header{}, nil, fmt.Errorf("%s: %w", path, err)
		}
		frames = append(frames, fr)
	}
	if len(frames) == 0 {
		return stream.Header{}, nil, fmt.Errorf("%s: no frames", path)
	}
	return *rd.Header(), frames, nil
}

// chainFeed is how a run writes frames: frames of them at pace frames/s,
// or (frames 0) as fast as the chain takes them until window has passed
// since the warm-up's scores were read.
type chainFeed struct {
	frames int
	pace   float64
	window time.Duration
}

// chainRun is one run's timestamps: when each frame was written and its
// score read, by frame number, and for a run as fast as it goes the
// scores read at the end of the warm-up and when the feed stopped.
type chainRun struct {
	In, Out          []time.Time // Out: zero where no score came
	WarmAt, StopAt   time.Time
	Warm, StopScores int
}

// liveVideo names the endless video a run writes.
const liveVideo = "Cam"

// runChain feeds frames, looped as one video, into the chain (all its
// commands but the last), timestamps each score it reads from it and
// passes the scores on to the last command. Every command's stderr goes
// to the runner's.
func runChain(ctx context.Context, r *Runner, chain [][]string, hdr stream.Header, frames []*stream.Frame, feed chainFeed) (*chainRun, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	feedR, feedW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	scoreR, scoreW, err := os.Pipe()
	if err != nil {
		return nil, errors.Join(err, feedR.Close(), feedW.Close())
	}
	tailR, tailW, err := os.Pipe()
	if err != nil {
		return nil, errors.Join(err, feedR.Close(), feedW.Close(), scoreR.Close(), scoreW.Close())
	}
	defer scoreR.Close()
	defer tailW.Close()
	waitHead, err := startPipe(ctx, r.look, chain[:len(chain)-1], feedR, scoreW, r.Stderr)
	feedR.Close()
	scoreW.Close()
	if err != nil {
		return nil, errors.Join(err, feedW.Close(), tailR.Close())
	}
	waitTail, err := startPipe(ctx, r.look, chain[len(chain)-1:], tailR, io.Discard, r.Stderr)
	tailR.Close()
	if err != nil {
		cancel()
		return nil, errors.Join(err, feedW.Close(), waitHead())
	}

	run := &chainRun{Warm: liveWarmup}
	stop := make(chan struct{})
	fed := make(chan error, 1)
	go func() { fed <- feedFrames(feedW, hdr, frames, feed, stop, &run.In) }()

	readErr := readScores(tailW, scoreR, feed, run, stop)
	if readErr != nil {
		cancel() // the chain may be stuck: stop it
	}
	tailW.Close()
	errTail, errHead := waitTail(), waitHead()
	errFeed := <-fed
	if readErr != nil || errHead != nil || errTail != nil {
		return nil, errors.Join(readErr, errHead, errTail)
	}
	if errFeed != nil {
		return nil, fmt.Errorf("writing frames: %w", errFeed)
	}
	return run, nil
}

// feedFrames writes the frame stream to w, timestamping each frame just
// before it is written into *in, then closes w.
func feedFrames(w *os.File, hdr stream.Header, frames []*stream.Frame, feed chainFeed, stop <-chan struct{}, in *[]time.Time) error {
	defer w.Close()
	sw, err := stream.NewWriter(w, hdr, false)
	if err != nil {
		return err
	}
	start := time.Now()
	for i := 0; feed.frames == 0 || i < feed.frames; i++ {
		select {
		case <-stop:
			return sw.Close()
		default:
		}
		if feed.pace > 0 {
			time.Sleep(time.Until(start.Add(seconds(float64(i) / feed.pace))))
		}
		rec := *frames[i%len(frames)]
		rec.Video, rec.Frame = liveVideo, i
		*in = append(*in, time.Now())
		if err := sw.WriteFlush(&rec); err != nil {
			return err
		}
	}
	return sw.Close()
}

// readScores reads the score stream from r, passing its bytes on to tail
// as it reads them, timestamps each score in run.Out and, for a run as
// fast as it goes, closes stop once the window has passed since the
// warm-up.
func readScores(tail io.Writer, r io.Reader, feed chainFeed, run *chainRun, stop chan struct{}) error {
	rd, err := stream.NewReader(io.TeeReader(r, tail), stream.KindScore)
	if err != nil {
		return fmt.Errorf("reading scores: %w", err)
	}
	n := 0
	for {
		s, err := rd.NextScore()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("reading scores: %w", err)
		}
		now := time.Now()
		for len(run.Out) <= s.Frame {
			run.Out = append(run.Out, time.Time{})
		}
		run.Out[s.Frame] = now
		n++
		if n == run.Warm {
			run.WarmAt = now
		}
		if feed.frames == 0 && run.StopAt.IsZero() && n > run.Warm && now.Sub(run.WarmAt) >= feed.window {
			run.StopAt, run.StopScores = now, n
			close(stop)
		}
	}
	if feed.frames == 0 && run.StopAt.IsZero() {
		return fmt.Errorf("the chain ended after %d scores, before the run's time was up", n)
	}
	return nil
}

// throughput is the frame rate between the warm-up and the stop, and the
// scores it was timed over.
func (r *chainRun) throughput() (float64, int, error) {
	n, d := r.StopScores-r.Warm, r.StopAt.Sub(r.WarmAt)
	if r.WarmAt.IsZero() || r.StopAt.IsZero() || n < 1 || d <= 0 {
		return 0, 0, errors.New("no scores timed")
	}
	return float64(n) / d.Seconds(), n, nil
}

// latencies are the times from each frame written to its score read,
// from frame skip on.
func (r *chainRun) latencies(skip int) ([]time.Duration, error) {
	var ls []time.Duration
	for i := skip; i < len(r.In); i++ {
		if i >= len(r.Out) || r.Out[i].IsZero() {
			return nil, fmt.Errorf("frame %d: no score came out", i)
		}
		ls = append(ls, r.Out[i].Sub(r.In[i]))
	}
	if len(ls) == 0 {
		return nil, fmt.Errorf("no frames after the first %d", skip)
	}
	return ls, nil
}

// percentile is the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	k := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(k, 1), len(sorted))-1]
}

func medianFloat(xs []float64) float64 {
	v := median(xs, func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) })
	f, _ := strconv.ParseFloat(v, 64)
	return f
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func ms(d time.Duration) float64 { return d.Seconds() * 1000 }

// sig3 is x to three significant figures, without an exponent.
func sig3(x float64) string {
	if x == 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return "0"
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(x)))))
	return strconv.FormatFloat(x, 'f', decimals, 64)
}
