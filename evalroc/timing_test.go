// timing_test.go: the event report of an alarm stream with a frame rate
// (false alarms per minute, detection delays, computed by hand), and the
// pictures of a score stream without truth.

package main

import (
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"stae/lib/plot"
	"stae/lib/stream"
)

// alarmStream: A is 600 frames (1 minute at 10 frames/s), truth 100-199
// (0-based); alarms 105-150 (detects it 5 frames = 0.5 s late), 300-310 and
// 400-410 (false alarms). B is 300 frames (0.5 minutes), truth 50-59 and
// 200-219; alarms 45-52 and 55-58 (the first detects 50-59 0.5 s early),
// 215-225 (detects 200-219 1.5 s late) and 230-240 (a false alarm). The
// open record of the first alarm is not an event.
func alarmStream(t *testing.T, params map[string]any) []byte {
	ev := func(video string, start, end int) *stream.Event {
		return &stream.Event{Video: video, Start: start, End: end, Deepest: start, Timed: true, StartS: float64(start) / 10, EndS: float64(end) / 10}
	}
	open := ev("A", 105, 107)
	open.State = stream.EventOpen
	return encode(t, stream.KindEvent, params,
		open, ev("A", 105, 150), ev("A", 300, 310), ev("A", 400, 410), &stream.VideoEnd{Video: "A", Frames: 600},
		ev("B", 45, 52), ev("B", 55, 58), ev("B", 215, 225), ev("B", 230, 240), &stream.VideoEnd{Video: "B", Frames: 300})
}

const alarmTruth = "A,101,200\nB,51,60\nB,201,220\n"

// timed is the timing part of an event report as decoded.
type timed struct {
	timing
	FalseAlarms int `json:"false_alarms"`
}

type timedReport struct {
	timed
	PerVideo []timed `json:"per_video"`
}

func f(x float64) *float64 { return &x }

func TestAlarmTiming(t *testing.T) {
	truth := write(t, "truth.csv", alarmTruth)
	alarmParams := map[string]any{"mode": "alarm", "threshold": 0.8, "fps": 10}
	for _, tc := range []struct {
		name   string
		params map[string]any
		args   []string
		want   timedReport
	}{
		{"stream fps", alarmParams, nil, timedReport{
			timed: timed{timing{FPS: f(10), Minutes: f(1.5), FalseAlarmsPerMinute: f(2), DelayMean: f(0.5), DelayMax: f(1.5)}, 3},
			PerVideo: []timed{
				{timing{FPS: f(10), Minutes: f(1), FalseAlarmsPerMinute: f(2), DelayMean: f(0.5), DelayMax: f(0.5)}, 2},
				{timing{FPS: f(10), Minutes: f(0.5), FalseAlarmsPerMinute: f(2), DelayMean: f(0.5), DelayMax: f(1.5)}, 1},
			}}},
		// --fps beats the stream's: 20 frames/s halves minutes and delays.
		{"flag fps", alarmParams, []string{"--fps", "20"}, timedReport{
			timed: timed{timing{FPS: f(20), Minutes: f(0.75), FalseAlarmsPerMinute: f(4), DelayMean: f(0.25), DelayMax: f(0.75)}, 3},
			PerVideo: []timed{
				{timing{FPS: f(20), Minutes: f(0.5), FalseAlarmsPerMinute: f(4), DelayMean: f(0.25), DelayMax: f(0.25)}, 2},
				{timing{FPS: f(20), Minutes: f(0.25), FalseAlarmsPerMinute: f(4), DelayMean: f(0.25), DelayMax: f(0.75)}, 1},
			}}},
		// Without a frame rate nothing is timed: the report of old.
		{"no fps", map[string]any{"mode": "alarm", "threshold": 0.8}, nil, timedReport{
			timed:    timed{FalseAlarms: 3},
			PerVideo: []timed{{FalseAlarms: 2}, {FalseAlarms: 1}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runEval(alarmStream(t, tc.params), append([]string{"--truth", truth, "--json"}, tc.args...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got timedReport
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.want)
				t.Errorf("got  %s\nwant %s", g, w)
			}
			for _, key := range []string{`"fps"`, `"minutes"`, `"false_alarms_per_minute"`, `"delay_s_mean"`, `"delay_s_max"`} {
				if has := strings.Contains(out, key); has != (tc.want.FPS != nil) {
					t.Errorf("key %s in the JSON: %v", key, has)
				}
			}
		})
	}
}

func TestAlarmTimingTable(t *testing.T) {
	truth := write(t, "truth.csv", alarmTruth)
	out, stderr, code := runEval(alarmStream(t, map[string]any{"mode": "alarm", "threshold": 0.8, "fps": 10}), "--truth", truth)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `video  frames  gt events  detected  false alarms  events  minutes  false alarms/min  delay s mean  delay s max
A      600     1          1         2             3       1        2                 0.5           0.5
B      300     2          2         1             4       0.5      2                 0.5           1.5
all    900     3          3         3             7       1.5      2                 0.5           1.5

detected 3 of 3 ground-truth events, 3 false alarms
at 10 frames/s: 2 false alarms per minute of footage (1.5 minutes); detection delay 0.5 s mean, 1.5 s max (ground-truth start to its first event's start)
matching: an event that overlaps a ground-truth event detects it; one that overlaps none is a false alarm
`
	if _, body, _ := strings.Cut(out, "truth:   "+truth+"\n"); body != want {
		t.Errorf("table\n%s\nwant\n%s", out, want)
	}

	// A video of unknown length: its rate and the overall one are unknown.
	in := encode(t, stream.KindEvent, map[string]any{"mode": "alarm", "fps": 10, "videos": []string{"A"}},
		&stream.Event{Video: "A", Start: 300, End: 310, Deepest: 300})
	out, stderr, code = runEval(in, "--truth", write(t, "a.csv", "A,101,200\n"))
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, line := range []string{"A      ?       1          0         1             1       -        -                 -             -\n",
		"at 10 frames/s: false alarms per minute unknown (a video's length is not known)\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("table\n%s\nlacks %q", out, line)
		}
	}
}

// camScores: 50 frames at 10 frames/s of a calibrated stream, abnormality
// 0.2 but 0.95 over frames 20-29.
func camScores(t *testing.T, params map[string]any) ([]byte, []float64) {
	var abn []float64
	for fr := range 50 {
		a := 0.2
		if fr >= 20 && fr <= 29 {
			a = 0.95
		}
		abn = append(abn, a)
	}
	return encode(t, stream.KindScore, params, scores("Cam", abn...)...), abn
}

const camAlarms = `{"magic":"stae","version":1,"kind":"event","provenance":[{"tool":"events","version":"1","args":["--alarm"],"params":{"mode":"alarm","threshold":0.8,"fps":10}}]}
{"video":"Cam","start":22,"end":29,"deepest":22,"regularity":0.05,"persistence":0.15,"start_s":2.2,"end_s":2.9}
{"video":"Cam","video_frames":50}
`

func TestPlotWithoutTruth(t *testing.T) {
	in, abn := camScores(t, map[string]any{"norm": "calibrated", "fps": 10})
	events := write(t, "alarms.ndjson", camAlarms)
	dir := filepath.Join(t.TempDir(), "look")
	out, stderr, code := runEval(in, "--plot", dir, "--events", events)
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "stream:  score stream from mine --x\nplots:   " + dir + ": abnormality over time (10 frames/s) of 1 video (50 frames); no truth, no ROC\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "Cam.png" {
		t.Fatalf("files %v, want Cam.png alone (no ROC without truth)", entries)
	}
	img := decodePNG(t, filepath.Join(dir, "Cam.png"))
	vw, vh := int(plot.VideoWidth.Points()*plot.DPI/72), int(plot.VideoHeight.Points()*plot.DPI/72)
	if b := img.Bounds(); b.Dx() != vw || b.Dy() != vh {
		t.Fatalf("Cam.png is %dx%d, want %dx%d", b.Dx(), b.Dy(), vw, vh)
	}
	// The same picture drawn again says where frames and scores fall.
	thr := 0.8
	c := plot.Curve{ID: "Cam", Frames: make([]int, 50), Values: abn, FPS: 10, Threshold: &thr, Alarms: []plot.Event{{Start: 22, End: 29, Deepest: 22}}, AlarmLabel: "alarms"}
	for fr := range c.Frames {
		c.Frames[fr] = fr
	}
	p, err := plot.Timeline(c)
	if err != nil {
		t.Fatal(err)
	}
	col := func(fr int) int { return plot.Column(p, plot.VideoWidth, plot.VideoHeight, c.X(float64(fr))) }
	row := plot.Row(p, plot.VideoWidth, plot.VideoHeight, thr)
	for _, fr := range []int{5, 15, 25, 40} {
		if got := img.At(col(fr), row); !isColor(got, plot.ThresholdColor) {
			t.Errorf("threshold line at frame %d is %v, want %v", fr, got, plot.ThresholdColor)
		}
	}
	low := plot.Row(p, plot.VideoWidth, plot.VideoHeight, 0.1)
	var shaded []int
	for fr := range 50 {
		switch got := img.At(col(fr), low); {
		case isColor(got, plot.AlarmColor):
			shaded = append(shaded, fr)
		case !isColor(got, color.White):
			t.Errorf("frame %d's column is %v: neither an alarm nor background", fr, got)
		}
	}
	if want := []int{22, 23, 24, 25, 26, 27, 28, 29}; !slices.Equal(shaded, want) {
		t.Errorf("alarm frames %v, want %v", shaded, want)
	}
}

func TestPlotWithoutTruthMinMax(t *testing.T) {
	// A min-max stream without a frame rate: regularity over frame number,
	// and no threshold (the events are not alarms); the JSON says so.
	in, _ := camScores(t, map[string]any{"norm": "minmax"})
	events := write(t, "events.ndjson", `{"magic":"stae","version":1,"kind":"event","provenance":[{"tool":"events","version":"1","args":[],"params":{"min_persistence":0.1,"window":5}}]}
{"video":"Cam","start":20,"end":29,"deepest":22,"regularity":0.05,"persistence":0.15}
{"video":"Cam","video_frames":50}
`)
	dir := filepath.Join(t.TempDir(), "look")
	out, stderr, code := runEval(in, "--plot", dir, "--events", events, "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Plot, Score    string
		FPS            *float64
		Videos, Frames int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Plot != dir || got.Score != "regularity" || got.FPS != nil || got.Videos != 1 || got.Frames != 50 {
		t.Errorf("report %+v", got)
	}
	img := decodePNG(t, filepath.Join(dir, "Cam.png"))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if isColor(img.At(x, y), plot.ThresholdColor) {
				t.Fatalf("pixel %d,%d has the threshold colour without an alarm stream", x, y)
			}
		}
	}
	if n := colours(img, 10); n < 5 {
		t.Errorf("Cam.png has %d colours: blank", n)
	}
}
