package protocol

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestPreset(t *testing.T) {
	env := map[string]string{"PED2_SIZE": "35", "PED2_LR": "1e-3", "PED2_FIT_FLAGS": "--scale 0.5", "PED2_SMOOTH": "0"}
	s, err := Preset("cpu", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s.Size != 35 || s.Batch != 8 || s.LR != "1e-3" || s.FitFlags != "--scale 0.5" || s.Smooth != "0" || s.Error != "sum" {
		t.Errorf("got %+v", s)
	}
	for _, tc := range []struct{ key, val, want string }{
		{"PED2_BATCH", "eight", "PED2_BATCH: not a whole number: eight"},
		{"PED2_LR", "2e-3\"", `PED2_LR: not a number: 2e-3"`},
	} {
		_, err := Preset("cpu", func(k string) string { return map[string]string{tc.key: tc.val}[k] })
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s=%s: got %v, want %s", tc.key, tc.val, err, tc.want)
		}
	}
	if _, err := Preset("gpu", os.Getenv); err == nil || err.Error() != "unknown preset gpu (cpu or paper)" {
		t.Errorf("preset gpu: got %v", err)
	}
}

// results.json escapes what it is given, and CheckDataset accepts what
// RunDataset writes.
func TestResultsAndCheck(t *testing.T) {
	out := t.TempDir()
	frames := `{"auc_micro": 0.839, "auc_macro": 0.85, "eer": 0.209, "per_video": []}`
	events := `{"gt_events": 12, "detected": 12, "false_alarms": 2}`
	files := map[string]string{"roc.csv": "threshold,fpr,tpr\n", "model.roc.csv": "threshold,fpr,tpr\n",
		"model.frames.json": frames, "model.events.json": events, "baseline.frames.json": frames, "baseline.events.json": events,
		"diff.frames.json": strings.Replace(frames, "0.839", "0.892", 1), "diff.events.json": events,
		"flow.frames.json": strings.Replace(frames, "0.839", "0.922", 1), "flow.events.json": events,
		"model.stae.seconds": "27.0\n"}
	for _, f := range DatasetOutputs {
		if _, ok := files[f]; !ok {
			files[f] = "x"
		}
	}
	for f, b := range files {
		if err := os.WriteFile(filepath.Join(out, f), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckDataset(out); err == nil || !strings.Contains(err.Error(), "results.json is not valid JSON") {
		t.Fatalf("placeholder results.json: got %v", err)
	}
	p := Protocol{Out: out, Settings: Settings{Size: 67, LR: "2e-3", Smooth: "5", FitFlags: `--note "a\b"`}}
	var table bytes.Buffer
	res := writeResults(t, p, `/data/"odd"\name`, &table)
	if res["dataset"] != `/data/"odd"\name` || res["settings"].(map[string]any)["fit_flags"] != `--note "a\b"` {
		t.Errorf("strings not kept: %v", res)
	}
	if got := res["stage_seconds"].(map[string]any)["model.stae"]; got != 27.0 {
		t.Errorf("stage_seconds model.stae = %v", got)
	}
	if err := CheckDataset(out); err != nil {
		t.Errorf("check: %v", err)
	}
	if res["best_baseline"] != "flow" {
		t.Errorf("best_baseline = %v, want flow (the highest micro AUC)", res["best_baseline"])
	}
	want := "\n            AUC micro  AUC macro      EER       events false alarms\n" +
		"model           83.9%      85.0%    20.9%        12/12            2\n" +
		"baseline        83.9%      85.0%    20.9%        12/12            2\n" +
		"diff            89.2%      85.0%    20.9%        12/12            2\n" +
		"flow            92.2%      85.0%    20.9%        12/12            2\n" +
		"no model: baseline = energy of the model's normalised input (appearance for gray); diff = frame-difference energy; flow = optical-flow energy\n" +
		"best no-model baseline: flow\n" +
		"results: " + filepath.Join(out, "results.json") + "\n"
	if table.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", table.String(), want)
	}
}

func writeResults(t *testing.T, p Protocol, dataset string, table *bytes.Buffer) map[string]any {
	t.Helper()
	if err := writeDataset(p, dataset, "cpu", true, table); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p.Path("results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("results.json: %v\n%s", err, b)
	}
	return m
}

// TestDatasetLayout: any dataset in the UCSD layout, with a CSV truth and
// video files for clips, gets the same protocol: the last two training
// clips held out for the calibration, masks where Test has _gt folders.
func TestDatasetLayout(t *testing.T) {
	data := t.TempDir()
	for _, f := range []string{"Train/cam1.mp4", "Train/cam2.mp4", "Train/cam3.avi", "Train/cam4", "Train/notes.txt", "Test/t1.mp4", "Test/t1_gt/001.png", "truth.csv"} {
		path := filepath.Join(data, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(f) == "" {
			if err := os.MkdirAll(path, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := Dataset(data, t.TempDir(), Settings{}, false)
	if err != nil {
		t.Fatal(err)
	}
	base := func(paths []string) (names []string) {
		for _, x := range paths {
			names = append(names, filepath.Base(x))
		}
		return names
	}
	if got := base(p.Train); !slices.Equal(got, []string{"cam1.mp4", "cam2.mp4"}) {
		t.Errorf("train %v", got)
	}
	if got := base(p.Calib); !slices.Equal(got, []string{"cam3.avi", "cam4"}) {
		t.Errorf("calibration %v", got)
	}
	if filepath.Base(p.Truth) != "truth.csv" || p.Masks != filepath.Join(data, "Test") {
		t.Errorf("truth %s masks %s", p.Truth, p.Masks)
	}
	if _, err := Dataset(filepath.Join(data, "Test"), t.TempDir(), Settings{}, false); err == nil || !strings.Contains(err.Error(), "has no Train/ and Test/ folders") {
		t.Errorf("no layout: %v", err)
	}
}
