// Tests of evalroc run in process on streams built with lib/stream and
// truth files written to a temporary folder.

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// encode writes a stream of kind with the given records; params go into the
// last provenance stage.
func encode(t *testing.T, kind stream.Kind, params map[string]any, recs ...stream.Record) []byte {
	t.Helper()
	h := stream.NewHeader(kind, nil, stream.Stage{Tool: "mine", Version: "1", Args: []string{"--x"}, Params: params})
	return streamtest.Encode(t, h, true, recs...)
}

// scores makes one score record per abnormality value, frames from 0.
func scores(video string, abn ...float64) []stream.Record {
	var out []stream.Record
	for f, a := range abn {
		out = append(out, &stream.Score{Video: video, Frame: f, Error: a, Abnormality: a, Regularity: 1 - a})
	}
	return out
}

func runEval(in []byte, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"evalroc"}, args...), bytes.NewReader(in), &out, &errb)
	return out.String(), errb.String(), code
}

// twoVideos: A scores 1,2,3,4 with frames 3-4 anomalous (AUC 1); B scores
// 10,20,30,40 with frames 2-3 anomalous (AUC 0.5). Pooled: 10 of 16 pairs.
func twoVideos(t *testing.T) []byte {
	return encode(t, stream.KindScore, nil, append(scores("Test001", 1, 2, 3, 4), scores("Test002", 10, 20, 30, 40)...)...)
}

// perVideo is a line of per_video as decoded from a frame or an event
// report; the pointers tell which keys were there.
type perVideo struct {
	Video       string   `json:"video"`
	Frames      int      `json:"frames"`
	Anomalous   int      `json:"anomalous"`
	AUC         *float64 `json:"auc"`
	SingleClass bool     `json:"single_class"`
	GTEvents    *int     `json:"gt_events"`
	Detected    *int     `json:"detected"`
	FalseAlarms *int     `json:"false_alarms"`
	Events      *int     `json:"events"`
}

type result struct {
	AUCMicro   float64        `json:"auc_micro"`
	AUCMacro   *float64       `json:"auc_macro"`
	EER        float64        `json:"eer"`
	EERAt      float64        `json:"eer_threshold"`
	Frames     int            `json:"frames"`
	Videos     int            `json:"videos"`
	Anomalous  int            `json:"anomalous"`
	PerVideo   []perVideo     `json:"per_video"`
	GTEvents   int            `json:"gt_events"`
	Detected   int            `json:"detected"`
	FalseAlarm int            `json:"false_alarms"`
	Provenance []stream.Stage `json:"provenance"`
}

func decode(t *testing.T, out string) result {
	t.Helper()
	var r result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	return r
}

func TestFrameLevel(t *testing.T) {
	for _, tc := range []struct{ name, file, truth string }{
		{"csv", "t.csv", "video,first,last\nTest002,2,3\nTest001,3,4\n"},
		{"ucsd m", "t.m", "TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [3:4];\nTestVideoFile{end+1}.gt_frame = [2:3];\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runEval(twoVideos(t), "--truth", write(t, tc.file, tc.truth), "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			r := decode(t, out)
			// Pooled descending: 40F 30T 20T 10F 4T 3T 2F 1F; FPR = 1 - TPR first
			// at threshold 10, (0.5, 0.5).
			if r.AUCMicro != 0.625 || r.AUCMacro == nil || *r.AUCMacro != 0.75 || r.EER != 0.5 || r.EERAt != 10 {
				t.Errorf("micro %v macro %v eer %v at %v; want 0.625 0.75 0.5 at 10", r.AUCMicro, r.AUCMacro, r.EER, r.EERAt)
			}
			if r.Frames != 8 || r.Videos != 2 || r.Anomalous != 4 {
				t.Errorf("frames %d videos %d anomalous %d; want 8 2 4", r.Frames, r.Videos, r.Anomalous)
			}
			one, half := 1.0, 0.5
			want := []perVideo{{Video: "Test001", Frames: 4, Anomalous: 2, AUC: &one}, {Video: "Test002", Frames: 4, Anomalous: 2, AUC: &half}}
			if !reflect.DeepEqual(r.PerVideo, want) {
				t.Errorf("per video %+v, want %+v", r.PerVideo, want)
			}
			if len(r.Provenance) != 1 || r.Provenance[0].Tool != "mine" {
				t.Errorf("provenance %+v, want the stream's one stage", r.Provenance)
			}
			if stderr != "" {
				t.Errorf("stderr %q, want nothing", stderr)
			}
		})
	}
}

func TestScoreField(t *testing.T) {
	// Regularity is 1 - abnormality here, so ranking by low regularity gives
	// the same AUC; the EER threshold is reported as a regularity.
	truth := write(t, "t.csv", "Test002,2,3\nTest001,3,4\n")
	out, stderr, code := runEval(twoVideos(t), "--truth", truth, "--json", "--score", "regularity")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if r := decode(t, out); r.AUCMicro != 0.625 || r.EERAt != -9 {
		t.Errorf("micro %v eer threshold %v, want 0.625 and -9", r.AUCMicro, r.EERAt)
	}
	if _, stderr, code := runEval(nil, "--truth", truth, "--score", "z"); code != 2 || !strings.HasPrefix(stderr, `evalroc: --score: unknown field "z"`) {
		t.Errorf("bad --score: exit %d, %q", code, stderr)
	}
}

func TestSingleClassVideo(t *testing.T) {
	in := encode(t, stream.KindScore, nil, append(scores("Test001", 1, 2, 3, 4), scores("Test002", 5, 6)...)...)
	out, stderr, code := runEval(in, "--truth", write(t, "t.csv", "Test001,3,4\nTest002,,\n"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if want := "evalroc: note: Test002: all 2 frames are normal; left out of the macro AUC\n"; stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	for _, want := range []string{
		"Test002  2       0          -  (one class: not in macro)\n",
		"AUC macro  1.0000  (100.0 %, mean over 1 of 2 videos)\n",
		"stream:  score stream from mine --x\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestROCFile(t *testing.T) {
	in := encode(t, stream.KindScore, nil, scores("A", 0.2, 0.5, 0.5, 0.8)...)
	roc := filepath.Join(t.TempDir(), "roc.csv")
	_, stderr, code := runEval(in, "--truth", write(t, "t.csv", "A,2,2\nA,4,4\n"), "--roc", roc)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(roc)
	if err != nil {
		t.Fatal(err)
	}
	want := "threshold,fpr,tpr\n+Inf,0,0\n0.8,0,0.5\n0.5,0.5,1\n0.2,1,1\n"
	if string(got) != want {
		t.Errorf("roc file %q, want %q", got, want)
	}
}

func TestMismatches(t *testing.T) {
	m2 := "TestVideoFile{end+1}.gt_frame = [3:4];\nTestVideoFile{end+1}.gt_frame = [2:3];\n"
	tests := []struct {
		name, file, truth string
		args              []string
		in                []byte
		code              int
		want              string
	}{
		{"stream video without truth", "t.csv", "Test001,3,4\n", nil, nil, 1,
			"evalroc: video Test002: video has no ground truth; the truth has 1 video: Test001; did you mean Test001?\n"},
		{"stream video past the .m entries", "t.m", "TestVideoFile{end+1}.gt_frame = [3:4];\n", nil, nil, 1,
			"evalroc: video Test002 would be entry 2 but the truth has 1 entry: video has no ground truth\n"},
		{"truth the stream lacks is a warning", "t.m", m2 + "TestVideoFile{end+1}.gt_frame = [1:2];\n", nil, nil, 0,
			"evalroc: warning: the truth has 1 video the stream lacks: entry 3\n"},
		{"truth the stream lacks, strict", "t.csv", "Test001,3,4\nTest002,2,3\nTest009,,\n", []string{"--strict"}, nil, 1,
			"evalroc: the truth has 1 video the stream lacks: Test009\n"},
		{"truth past the last frame", "t.csv", "Test001,3,5\nTest002,2,3\n", nil, nil, 1,
			"evalroc: video Test001: ground truth past the end of the video: truth marks frames 3-5 (1-based) but the video has 4 frames\n"},
		{"malformed .m line", "t.m", "TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [3:4;\n", nil, nil, 1,
			"evalroc: ground truth TRUTH: line 2: not a gt_frame entry: \"TestVideoFile{end+1}.gt_frame = [3:4;\"\n"},
		{"malformed csv line", "t.csv", "Test001,3,4\nTest002,2\n", nil, nil, 1,
			"evalroc: ground truth TRUTH: line 2: 2 fields, want video,first,last\n"},
		{"one class everywhere", "t.csv", "Test001,,\nTest002,,\n", nil, nil, 1,
			"evalroc: micro auc: 0 anomalous and 8 normal frames: labels hold a single class\n"},
		{"frame stream", "t.csv", "Test001,3,4\n", nil, encode(t, stream.KindFrame, nil), 1,
			"evalroc: wrong record kind: want a score or event stream, got frame\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in == nil {
				in = twoVideos(t)
			}
			path := write(t, tc.file, tc.truth)
			_, stderr, code := runEval(in, append([]string{"--truth", path}, tc.args...)...)
			want := strings.ReplaceAll(tc.want, "TRUTH", path)
			if code != tc.code || stderr != want {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr, tc.code, want)
			}
		})
	}
	t.Run("missing --truth", func(t *testing.T) {
		if _, stderr, code := runEval(twoVideos(t)); code != 2 || !strings.Contains(stderr, "evalroc: missing --truth (or --masks DIR, for an error stream with maps) (see evalroc --help)") {
			t.Errorf("exit %d, stderr %q; want 2 and a missing-flag line", code, stderr)
		}
	})
	t.Run("missing truth file", func(t *testing.T) {
		_, stderr, code := runEval(twoVideos(t), "--truth", "/nonexistent/t.m")
		if code != 1 || stderr != "evalroc: ground truth: open /nonexistent/t.m: no such file or directory\n" {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestEventLevel(t *testing.T) {
	// A (100 frames): truth 11-20 and 51-60 (1-based), i.e. 10-19, 50-59;
	// events 15-15 (detects the first), 30-35 (false alarm), 59-70 (detects
	// the second). B (50 frames): truth 1-5; no events.
	params := map[string]any{"videos": []string{"A", "B"}, "video_frames": []int{100, 50}}
	in := encode(t, stream.KindEvent, params,
		&stream.Event{Video: "A", Start: 15, End: 15, Deepest: 15},
		&stream.Event{Video: "A", Start: 30, End: 35, Deepest: 31},
		&stream.Event{Video: "A", Start: 59, End: 70, Deepest: 60})
	truth := write(t, "t.csv", "A,11,20\nA,51,60\nB,1,5\n")
	out, stderr, code := runEval(in, "--truth", truth, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := decode(t, out)
	if r.GTEvents != 3 || r.Detected != 2 || r.FalseAlarm != 1 || r.Videos != 2 || r.Frames != 150 || r.Anomalous != 25 {
		t.Errorf("got %+v; want 3 gt events, 2 detected, 1 false alarm, 2 videos, 150 frames, 25 anomalous", r)
	}
	if b := r.PerVideo[1]; b.Video != "B" || *b.GTEvents != 1 || *b.Detected != 0 || *b.Events != 0 {
		t.Errorf("video B %+v, want 1 gt event, none detected", b)
	}
	table, _, _ := runEval(in, "--truth", truth)
	if !strings.Contains(table, "detected 2 of 3 ground-truth events, 1 false alarms\nmatching: an event that overlaps") {
		t.Errorf("table:\n%s", table)
	}
	t.Run("videos closed by records, as events writes them", func(t *testing.T) {
		in := encode(t, stream.KindEvent, nil,
			&stream.Event{Video: "A", Start: 15, End: 15, Deepest: 15},
			&stream.Event{Video: "A", Start: 30, End: 35, Deepest: 31},
			&stream.Event{Video: "A", Start: 59, End: 70, Deepest: 60},
			&stream.VideoEnd{Video: "A", Frames: 100},
			&stream.VideoEnd{Video: "B", Frames: 50})
		got, stderr, code := runEval(in, "--truth", truth, "--json")
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if g, w := decode(t, got), decode(t, out); !reflect.DeepEqual(g.PerVideo, w.PerVideo) || g.GTEvents != w.GTEvents ||
			g.Detected != w.Detected || g.FalseAlarm != w.FalseAlarm || g.Frames != w.Frames || g.Anomalous != w.Anomalous {
			t.Errorf("got %+v, want %+v as from the header-listed stream", g, w)
		}
	})
	t.Run("event past the video's closing record", func(t *testing.T) {
		in := encode(t, stream.KindEvent, nil, &stream.Event{Video: "B", Start: 49, End: 50, Deepest: 50}, &stream.VideoEnd{Video: "B", Frames: 50})
		_, stderr, code := runEval(in, "--truth", truth)
		if want := "evalroc: record 2: B event 49-50 is past the video's 50 frames\n"; code != 1 || stderr != want {
			t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
		}
	})
	t.Run("event past the video", func(t *testing.T) {
		in := encode(t, stream.KindEvent, params, &stream.Event{Video: "B", Start: 49, End: 50, Deepest: 50})
		_, stderr, code := runEval(in, "--truth", truth)
		if want := "evalroc: record 1: B event 49-50 is past the video's 50 frames\n"; code != 1 || stderr != want {
			t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr, want)
		}
	})
	t.Run("stream without video list", func(t *testing.T) {
		in := encode(t, stream.KindEvent, nil, &stream.Event{Video: "A", Start: 15, End: 15, Deepest: 15})
		out, stderr, code := runEval(in, "--truth", truth, "--json")
		if code != 0 || !strings.Contains(stderr, "does not list its videos") || !strings.Contains(stderr, "lacks: B") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if r := decode(t, out); r.GTEvents != 2 || r.Detected != 1 || r.FalseAlarm != 0 {
			t.Errorf("got %+v, want 2 gt events in A, 1 detected", r)
		}
	})
}

func TestHelp(t *testing.T) {
	out, _, code := runEval(nil, "--help")
	for _, want := range []string{"--truth", "--roc", "--strict", "--json", "--score", "MATCHING", "EXAMPLES", "EXIT STATUS"} {
		if !strings.Contains(out, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
}
