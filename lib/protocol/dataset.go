// The dataset protocol (UCSD's, on any dataset in its layout): presets,
// the data's layout, results.json and the table.

package protocol

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"stae/lib/atomicfile"
	"stae/lib/video"
)

// PresetEnv are the environment variables that override the cpu preset, with
// what each sets.
var PresetEnv = [][2]string{
	{"PED2_SIZE", "frame side (67)"},
	{"PED2_BATCH", "fit --batch (8)"},
	{"PED2_EPOCHS", "fit --epochs (1)"},
	{"PED2_LR", "fit --lr (2e-3)"},
	{"PED2_FIT_FLAGS", `more fit flags ("--scale 0.25 --micro-batch 8")`},
	{"PED2_ERROR", "recon --error (sum)"},
	{"PED2_SMOOTH", "regscore --smooth (5)"},
	{"PED2_CHANNELS", "the model's input planes, frames --channels (gray)"},
	{"PED2_TARGET", "fit --target: reconstruct or next (reconstruct)"},
	{"PED2_ALARMS_PER_HOUR", "events --false-alarms-per-hour of the calibrated alarms (6)"},
}

// ucsdFPS is the UCSD datasets' frame rate as commonly given (10 frames/s;
// the dataset's files do not say), for the alarms' times and rates.
const ucsdFPS = "10"

// flowSize is where the optical-flow baseline is measured: Farneback at
// 180x120, as the reference figures were.
const flowSize = "180x120"

// Preset is the settings of a named preset: paper (the paper's protocol:
// 227x227, whole-frame squared error, per-video min-max, no smoothing) or
// cpu (see README, "Results"), which getenv's PED2_* values override.
func Preset(name string, getenv func(string) string) (Settings, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	switch name {
	case "paper":
		return Settings{Size: 227, Strides: "1,2,3", Batch: 64, Epochs: 50, Patience: 10, LR: "1e-4", Seed: 1, Error: "sum", Smooth: "0", FlowSize: flowSize,
			FPS: ucsdFPS, AlarmRate: env("PED2_ALARMS_PER_HOUR", "6")}, nil
	case "cpu":
	default:
		return Settings{}, fmt.Errorf("unknown preset %s (cpu or paper)", name)
	}
	s := Settings{Strides: "1,2,3", Patience: 10, Seed: 1,
		LR: env("PED2_LR", "2e-3"), FitFlags: env("PED2_FIT_FLAGS", "--scale 0.25 --micro-batch 8"),
		Error: env("PED2_ERROR", "sum"), Smooth: env("PED2_SMOOTH", "5"), FlowSize: flowSize,
		FPS: ucsdFPS, AlarmRate: env("PED2_ALARMS_PER_HOUR", "6"),
		Channels: env("PED2_CHANNELS", ""), Target: env("PED2_TARGET", "")}
	if s.Channels == "gray" {
		s.Channels = ""
	}
	switch s.Target {
	case "", "reconstruct":
		s.Target = ""
	case "next":
	default:
		return Settings{}, fmt.Errorf("PED2_TARGET: reconstruct or next, not %s", s.Target)
	}
	var err error
	for _, n := range []struct {
		key, def string
		v        *int
	}{{"PED2_SIZE", "67", &s.Size}, {"PED2_BATCH", "8", &s.Batch}, {"PED2_EPOCHS", "1", &s.Epochs}} {
		if *n.v, err = strconv.Atoi(env(n.key, n.def)); err != nil {
			return Settings{}, fmt.Errorf("%s: not a whole number: %s", n.key, getenv(n.key))
		}
	}
	for key, v := range map[string]string{"PED2_LR": s.LR, "PED2_SMOOTH": s.Smooth} {
		if _, err := strconv.ParseFloat(v, 64); err != nil || !json.Valid([]byte(v)) {
			return Settings{}, fmt.Errorf("%s: not a number: %s", key, v)
		}
	}
	return s, nil
}

// Dataset is the protocol on a dataset folder DATA in the UCSD layout:
// DATA/Train holds normal clips (image folders or video files), DATA/Test
// the test clips, and the ground truth is the first UCSD .m file in Test,
// else the first video,first,last CSV file in Test or DATA; pixel masks,
// where there are any, are Test's <video>_gt folders. quick takes two
// training clips, one calibration clip, one epoch and two test clips.
func Dataset(data, out string, s Settings, quick bool) (Protocol, error) {
	if !isDir(filepath.Join(data, "Train")) || !isDir(filepath.Join(data, "Test")) {
		return Protocol{}, fmt.Errorf("%s has no Train/ and Test/ folders (the UCSD layout: Train/ normal clips, Test/ test clips and the ground truth)", data)
	}
	var truths []string
	for _, pattern := range []string{filepath.Join(data, "Test", "*.m"), filepath.Join(data, "Test", "*.csv"), filepath.Join(data, "*.csv")} {
		if truths, _ = filepath.Glob(pattern); len(truths) > 0 {
			break
		}
	}
	if len(truths) == 0 {
		return Protocol{}, fmt.Errorf("no ground truth in %s: a UCSD .m file, or a CSV file of video,first,last rows (1-based, inclusive)", filepath.Join(data, "Test"))
	}
	p := Protocol{Train: []string{filepath.Join(data, "Train")}, Test: []string{filepath.Join(data, "Test")},
		Truth: truths[0], Out: out, Settings: s}
	// The last two normal clips are held out of training for the
	// calibration (Ped2: train on Train001-014, calibrate on 015-016).
	train := clips(p.Train[0], -1)
	if len(train) >= 4 {
		p.Train, p.Calib = train[:len(train)-2], train[len(train)-2:]
	}
	if masks, _ := filepath.Glob(filepath.Join(data, "Test", "*_gt")); len(masks) > 0 {
		p.Masks = p.Test[0]
	}
	if quick {
		p.Epochs = 1
		p.Train, p.Test = train[:min(2, len(train))], clips(p.Test[0], 2)
		p.Calib = train[min(2, len(train)):min(3, len(train))]
	}
	return p, nil
}

// clips are the first n clips of a dataset folder (all of them for n < 0),
// in name order: subfolders and video files, ground-truth masks (_gt),
// hidden entries and other files aside.
func clips(dir string, n int) []string {
	es, _ := os.ReadDir(dir)
	var cs []string
	for _, e := range es {
		name := e.Name()
		path := filepath.Join(dir, name)
		clip := isDir(path) && !strings.HasSuffix(name, "_gt") || !e.IsDir() && slices.Contains(video.VideoExts, strings.ToLower(filepath.Ext(name)))
		if clip && !strings.HasPrefix(name, ".") && (n < 0 || len(cs) < n) {
			cs = append(cs, path)
		}
	}
	return cs
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// Results is results.json.
type Results struct {
	Dataset      string             `json:"dataset"`
	Preset       string             `json:"preset"`
	Quick        bool               `json:"quick"`
	Cores        int                `json:"cores"`
	Settings     ResultSettings     `json:"settings"`
	StageSeconds map[string]float64 `json:"stage_seconds"`
	Model        Evaluation         `json:"model"`
	Baseline     Evaluation         `json:"baseline"`
	// Baselines holds every no-model baseline by name ("baseline", the
	// normalised frame's energy, is also above as it always was), and
	// BestBaseline names the one with the highest frame-level micro AUC.
	Baselines    map[string]Evaluation `json:"baselines"`
	BestBaseline string                `json:"best_baseline"`
	// Pixel holds each detector's pixel-level evaluation (evalroc --masks)
	// where the dataset has masks.
	Pixel map[string]json.RawMessage `json:"pixel,omitempty"`
	// Calibrated is the model's detector that uses no test labels at all,
	// where the protocol held out normal clips for a calibration.
	Calibrated *Calibrated `json:"calibrated,omitempty"`
}

// Calibrated is the model scored against a calibration of held-out normal
// clips: frame by frame (no per-video min-max) and as alarms at a rate of
// false alarms an hour of normal footage.
type Calibrated struct {
	Clips         []string        `json:"calibration_clips"`
	AlarmsPerHour json.Number     `json:"false_alarms_per_hour"`
	Frames        json.RawMessage `json:"frames"`
	Alarms        json.RawMessage `json:"alarms"`
	OnCalibration json.RawMessage `json:"alarms_on_calibration_clips"`
}

// ResultSettings are the settings as results.json records them.
type ResultSettings struct {
	Size     int         `json:"size"`
	Batch    int         `json:"batch"`
	Epochs   int         `json:"epochs"`
	Patience int         `json:"patience"`
	LR       json.Number `json:"lr"`
	Error    string      `json:"error"`
	Smooth   json.Number `json:"smooth"`
	FitFlags string      `json:"fit_flags"`
	Channels string      `json:"channels"`
	Target   string      `json:"target"`
	FlowSize string      `json:"flow_size"`
}

// Evaluation is a detector's two evalroc --json reports, as evalroc wrote them.
type Evaluation struct {
	Frames json.RawMessage `json:"frames"`
	Events json.RawMessage `json:"events"`
}

// RunDataset runs the protocol's stages, then writes roc.csv (the model's),
// results.json and, on stdout, the table.
func RunDataset(ctx context.Context, r *Runner, p Protocol, dataset, preset string, quick bool, stdout io.Writer) error {
	if err := r.Run(ctx, p.Stages()...); err != nil {
		return err
	}
	return writeDataset(p, dataset, preset, quick, stdout)
}

// writeDataset writes roc.csv, results.json and the table from the stages' files.
func writeDataset(p Protocol, dataset, preset string, quick bool, stdout io.Writer) error {
	if err := copyFile(p.Path("model.roc.csv"), p.Path("roc.csv")); err != nil {
		return err
	}
	res := Results{Dataset: dataset, Preset: preset, Quick: quick, Cores: runtime.NumCPU(),
		Settings: ResultSettings{Size: p.Size, Batch: p.Batch, Epochs: p.Epochs, Patience: p.Patience,
			LR: json.Number(p.LR), Error: p.Error, Smooth: json.Number(p.Smooth), FitFlags: p.FitFlags,
			Channels: cmp.Or(p.Channels, "gray"), Target: cmp.Or(p.Target, "reconstruct"), FlowSize: cmp.Or(p.FlowSize, strconv.Itoa(p.Size))},
		StageSeconds: map[string]float64{}, Baselines: map[string]Evaluation{}}
	secs, _ := filepath.Glob(p.Path("*.seconds"))
	for _, f := range secs {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		res.StageSeconds[strings.TrimSuffix(filepath.Base(f), ".seconds")] = v
	}
	best := -1.0
	var err error
	for _, d := range Detectors {
		var ev Evaluation
		if ev.Frames, err = readJSON(p.Path(d + ".frames.json")); err != nil {
			return err
		}
		if ev.Events, err = readJSON(p.Path(d + ".events.json")); err != nil {
			return err
		}
		if d == "model" {
			res.Model = ev
			continue
		}
		res.Baselines[d] = ev
		var f figures
		if err := json.Unmarshal(ev.Frames, &f); err != nil {
			return fmt.Errorf("%s frames: %w", d, err)
		}
		if f.AUCMicro > best {
			best, res.BestBaseline = f.AUCMicro, d
		}
	}
	res.Baseline = res.Baselines["baseline"]
	if p.Masks != "" {
		res.Pixel = map[string]json.RawMessage{}
		for _, d := range Detectors {
			if res.Pixel[d], err = readJSON(p.Path(d + ".pixel.json")); err != nil {
				return err
			}
		}
	}
	if len(p.Calib) > 0 {
		c := &Calibrated{AlarmsPerHour: json.Number(p.AlarmRate)}
		for _, clip := range p.Calib {
			c.Clips = append(c.Clips, filepath.Base(clip))
		}
		for f, dst := range map[string]*json.RawMessage{"model.cframes.json": &c.Frames, "model.alarms.json": &c.Alarms, "calib.alarms.json": &c.OnCalibration} {
			if *dst, err = readJSON(p.Path(f)); err != nil {
				return err
			}
		}
		res.Calibrated = c
	}
	err = atomicfile.Write(p.Path("results.json"), 0o644, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	})
	if err != nil {
		return err
	}
	return Table(stdout, res, p.Path("results.json"))
}

func readJSON(path string) (json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: not valid JSON", path)
	}
	return json.RawMessage(b), nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return atomicfile.Write(to, 0o644, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// figures are the numbers of an evaluation the table shows.
type figures struct {
	AUCMicro    float64 `json:"auc_micro"`
	AUCMacro    float64 `json:"auc_macro"`
	EER         float64 `json:"eer"`
	GTEvents    int     `json:"gt_events"`
	Detected    int     `json:"detected"`
	FalseAlarms int     `json:"false_alarms"`
}

// Table prints every detector's figures, names the best baseline, then
// says where results.json is.
func Table(w io.Writer, res Results, path string) error {
	fmt.Fprintf(w, "\n%-10s %10s %10s %8s %12s %12s\n", "", "AUC micro", "AUC macro", "EER", "events", "false alarms")
	rows := []struct {
		name string
		ev   Evaluation
	}{{"model", res.Model}}
	for _, d := range Baselines {
		if ev, ok := res.Baselines[d]; ok {
			rows = append(rows, struct {
				name string
				ev   Evaluation
			}{d, ev})
		}
	}
	for _, e := range rows {
		var f, g figures
		if err := json.Unmarshal(e.ev.Frames, &f); err != nil {
			return fmt.Errorf("%s frames: %w", e.name, err)
		}
		if err := json.Unmarshal(e.ev.Events, &g); err != nil {
			return fmt.Errorf("%s events: %w", e.name, err)
		}
		fmt.Fprintf(w, "%-10s %9.1f%% %9.1f%% %7.1f%% %12s %12d\n", e.name, 100*f.AUCMicro, 100*f.AUCMacro, 100*f.EER,
			fmt.Sprintf("%d/%d", g.Detected, g.GTEvents), g.FalseAlarms)
	}
	fmt.Fprintln(w, "no model: baseline = energy of the model's normalised input (appearance for gray); diff = frame-difference energy; flow = optical-flow energy")
	if len(res.Pixel) > 0 {
		fmt.Fprintf(w, "\npixel level (40%% of an anomaly's pixels flagged):")
		for _, d := range Detectors {
			var px struct {
				Pixel struct {
					AUC float64 `json:"auc"`
					EER float64 `json:"eer"`
				} `json:"pixel"`
			}
			if json.Unmarshal(res.Pixel[d], &px) == nil {
				fmt.Fprintf(w, "  %s AUC %.1f%% EER %.1f%%;", d, 100*px.Pixel.AUC, 100*px.Pixel.EER)
			}
		}
		fmt.Fprintln(w)
	}
	if c := res.Calibrated; c != nil {
		var f figures
		var a, n figures
		if json.Unmarshal(c.Frames, &f) == nil && json.Unmarshal(c.Alarms, &a) == nil && json.Unmarshal(c.OnCalibration, &n) == nil {
			fmt.Fprintf(w, "\ncalibrated on %s (no test labels): frame AUC micro %.1f%% macro %.1f%% EER %.1f%%\n",
				strings.Join(c.Clips, ", "), 100*f.AUCMicro, 100*f.AUCMacro, 100*f.EER)
			fmt.Fprintf(w, "alarms at %s false alarms/hour: test %d/%d events detected, %d false alarms; calibration clips %d alarms\n",
				c.AlarmsPerHour, a.Detected, a.GTEvents, a.FalseAlarms, n.FalseAlarms)
		}
	}
	if res.BestBaseline != "" {
		fmt.Fprintf(w, "best no-model baseline: %s\n", res.BestBaseline)
	}
	_, err := fmt.Fprintf(w, "results: %s\n", path)
	return err
}

// DatasetOutputs are the files the protocol promises in its output folder.
var DatasetOutputs = []string{"stats.bin", "train.volumes", "model.stae", "test.volumes",
	"model.errors", "model.scores", "model.events", "baseline.errors", "baseline.scores", "baseline.events",
	"diff.errors", "diff.scores", "diff.events", "flow.errors", "flow.scores", "flow.events",
	"calib.errors", "calib.json", "model.cscores", "model.alarms", "model.pixel.json",
	"results.json", "roc.csv"}

// CheckDataset says what is missing or malformed among the protocol's outputs
// in out: every file there and not empty, results.json valid JSON with both
// evaluations and every key, roc.csv with a CSV header.
func CheckDataset(out string) error {
	for _, f := range DatasetOutputs {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			return fmt.Errorf("%s is missing or empty", filepath.Join(out, f))
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		return err
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("results.json is not valid JSON: %w", err)
	}
	var missing []string
	need := func(m map[string]json.RawMessage, where string, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				missing = append(missing, where+k)
			}
		}
	}
	need(res, "", "dataset", "preset", "quick", "cores", "settings", "stage_seconds", "model", "baseline", "baselines", "best_baseline")
	var baselines map[string]json.RawMessage
	if json.Unmarshal(res["baselines"], &baselines) == nil {
		need(baselines, "baselines.", Baselines...)
	}
	for _, d := range Detectors {
		var ev map[string]json.RawMessage
		raw := res[d]
		if d != "model" {
			raw = baselines[d]
		}
		if json.Unmarshal(raw, &ev) != nil {
			continue
		}
		need(ev, d+".", "frames", "events")
		var f, e map[string]json.RawMessage
		if json.Unmarshal(ev["frames"], &f) == nil {
			need(f, d+".frames.", "auc_micro", "auc_macro", "eer", "per_video")
		}
		if json.Unmarshal(ev["events"], &e) == nil {
			need(e, d+".events.", "gt_events", "detected", "false_alarms")
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("results.json lacks %s", strings.Join(missing, ", "))
	}
	roc, err := os.ReadFile(filepath.Join(out, "roc.csv"))
	if err != nil {
		return err
	}
	if first, _, _ := strings.Cut(string(roc), "\n"); !strings.Contains(first, ",") {
		return errors.New("roc.csv has no CSV header")
	}
	return nil
}
