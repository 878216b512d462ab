// The pipeline, written once: every job (the demo, the UCSD protocol) is
// these stages with its own settings.

package protocol

import (
	"cmp"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Settings are a job's options for each stage.
type Settings struct {
	Size        int    // frames --size
	Channels    string // frames mean --channels of the model's input; "" for gray
	Length      int    // volumes --length, training and test; 0 for volumes' default (one more with Target next)
	Target      string // fit --target; "" for reconstruct
	FlowSize    string // frames --size of the optical-flow baseline; "" for Size
	Strides     string // volumes --strides of the training volumes
	Batch       int    // fit --batch
	Epochs      int    // fit --epochs
	Patience    int    // fit --patience
	LR          string // fit --lr, as given (a JSON number)
	Seed        int    // fit --seed
	FitFlags    string // more fit flags, split at spaces
	FitProgress bool   // show fit's progress (no --quiet)
	Error       string // recon --error; "" for recon's default
	Smooth      string // regscore --smooth, as given; "" for none
	Events      string // events flags, split at spaces
	FPS         string // frame rate of the footage, for the calibration and alarms' times
	AlarmRate   string // events --false-alarms-per-hour of the calibrated alarms
	Reports     bool   // the human-readable reports and plots beside the JSON evaluations
}

// Protocol is a job: data, output folder and settings.
type Protocol struct {
	Train []string // training folders (a dataset's Train, or some of its clips)
	Calib []string // normal clips the model does not train on, for the calibration; none: no alarms
	Test  []string // test folders
	Truth string   // the ground-truth file
	Masks string   // the folder of pixel masks (<video>_gt); "": no pixel-level evaluation
	Out   string   // the output folder, absolute
	Settings
}

// Detectors are what every job evaluates, all scored the same way: the
// model and the no-model baselines (recon --baseline): "baseline", the
// energy of the model's normalised input (for gray input the appearance,
// the reference since the first release), "diff", the energy of the frame difference x_t - x_{t-1}, and "flow", the
// energy of Farneback's optical flow (sum of dx^2 + dy^2), both of raw
// [0,1] frames.
var Detectors = []string{"model", "baseline", "diff", "flow"}

// Baselines are the detectors that use no model.
var Baselines = Detectors[1:]

// BaselineNames say what each baseline scores.
var BaselineNames = map[string]string{
	"baseline": "energy of the model's normalised input, the frame itself for gray (recon --baseline)",
	"diff":     "frame-difference energy, sum of (x_t - x_{t-1})^2",
	"flow":     "optical-flow energy, Farneback, sum of dx^2 + dy^2",
}

// Path is FILE in the output folder.
func (p Protocol) Path(file string) string { return filepath.Join(p.Out, file) }

// Stages are the job's stages in the order they run. For each detector D
// they make D.errors, D.scores, D.events, the JSON evaluations D.frames.json
// (and D.roc.csv) and D.events.json, and with Reports D.frames.txt (the
// model's with plots/) and model.events.txt.
func (p Protocol) Stages() []Stage {
	size := strconv.Itoa(p.Size)
	frames := []string{"frames", "--quiet", "--size", size, "--stats", p.Path("stats.bin")}
	volumes := []string{"volumes", "--quiet"}
	length := p.Length
	if length == 0 && p.Target == "next" {
		length = 11 // ten frames in, each one's successor out
	}
	if length > 0 {
		volumes = append(volumes, "--length", strconv.Itoa(length))
	}
	mean := []string{"frames", "mean", "--quiet", "--size", size}
	if p.Channels != "" {
		mean = append(mean, "--channels", p.Channels)
	}
	fit := []string{"fit"}
	if !p.FitProgress {
		fit = append(fit, "--quiet")
	}
	fit = append(fit, "--batch", strconv.Itoa(p.Batch), "--epochs", strconv.Itoa(p.Epochs),
		"--patience", strconv.Itoa(p.Patience), "--lr", p.LR, "--seed", strconv.Itoa(p.Seed))
	if p.Target != "" {
		fit = append(fit, "--target", p.Target)
	}
	fit = append(append(fit, strings.Fields(p.FitFlags)...), "--out", OutArg)
	ss := []Stage{
		{Out: p.Path("stats.bin"), Pipe: [][]string{
			append(append(mean, "--out", OutArg), p.Train...)}},
		{Out: p.Path("train.volumes"), Inputs: []string{p.Path("stats.bin")}, Pipe: [][]string{
			append(frames, p.Train...), append(slices.Clip(volumes), "--strides", p.Strides)}},
		{Out: p.Path("model.stae"), Inputs: []string{p.Path("train.volumes")}, Stdin: p.Path("train.volumes"), Pipe: [][]string{fit}},
		{Out: p.Path("test.volumes"), Inputs: []string{p.Path("stats.bin")}, Pipe: [][]string{
			append(frames[:len(frames):len(frames)], p.Test...), volumes}},
	}
	for _, d := range Detectors {
		errs := p.Path(d + ".errors")
		recon := []string{"recon", "--quiet", "--model", p.Path("model.stae")}
		if d != "model" {
			recon = []string{"recon", "--quiet", "--baseline"}
		}
		if p.Error != "" {
			recon = append(recon, "--error", p.Error)
		}
		if p.Masks != "" {
			recon = append(recon, "--maps") // for the pixel-level evaluation
		}
		switch d {
		case "model":
			ss = append(ss, Stage{Out: errs, Inputs: []string{p.Path("test.volumes"), p.Path("model.stae")}, Stdin: p.Path("test.volumes"), Pipe: [][]string{recon}})
		case "baseline":
			ss = append(ss, Stage{Out: errs, Inputs: []string{p.Path("test.volumes")}, Stdin: p.Path("test.volumes"), Pipe: [][]string{recon}})
		default:
			// Motion energies need no statistics and no windows: each raw
			// frame once (volumes of one frame), its plane's energy.
			side := size
			if d == "flow" && p.FlowSize != "" {
				side = p.FlowSize
			}
			ss = append(ss, Stage{Out: errs, Pipe: [][]string{
				append([]string{"frames", "--quiet", "--size", side, "--channels", d}, p.Test...),
				{"volumes", "--quiet", "--length", "1"}, recon}})
		}
		regscore := []string{"regscore"}
		if p.Smooth != "" {
			regscore = append(regscore, "--smooth", p.Smooth)
		}
		scores, events := p.Path(d+".scores"), p.Path(d+".events")
		truth := []string{"--truth", p.Truth}
		ss = append(ss,
			Stage{Out: scores, Inputs: []string{errs}, Stdin: errs, Pipe: [][]string{regscore}},
			Stage{Out: events, Inputs: []string{scores}, Stdin: scores, Pipe: [][]string{append([]string{"events"}, strings.Fields(p.Events)...)}},
			Stage{Out: p.Path(d + ".frames.json"), Inputs: []string{scores, p.Truth}, Stdin: scores, Pipe: [][]string{
				append(append([]string{"evalroc", "--json"}, truth...), "--roc", p.Path(d+".roc.csv"))}},
			Stage{Out: p.Path(d + ".events.json"), Inputs: []string{events, p.Truth}, Stdin: events, Pipe: [][]string{
				append([]string{"evalroc", "--json"}, truth...)}},
		)
		if p.Masks != "" {
			ss = append(ss, Stage{Out: p.Path(d + ".pixel.json"), Inputs: []string{errs}, Stdin: errs, Pipe: [][]string{
				{"evalroc", "--json", "--masks", p.Masks}}})
		}
		if !p.Reports {
			continue
		}
		eval := slices.Clip(append([]string{"evalroc"}, truth...))
		if d == "model" {
			ss = append(ss,
				Stage{Out: p.Path(d + ".frames.txt"), Inputs: []string{scores, events, p.Truth}, Stdin: scores, Pipe: [][]string{
					append(eval, "--plot", p.Path("plots"), "--events", events)}},
				Stage{Out: p.Path(d + ".events.txt"), Inputs: []string{events, p.Truth}, Stdin: events, Pipe: [][]string{eval}})
		} else {
			ss = append(ss, Stage{Out: p.Path(d + ".frames.txt"), Inputs: []string{scores, p.Truth}, Stdin: scores, Pipe: [][]string{eval}})
		}
	}
	return append(ss, p.alarmStages(frames, volumes)...)
}

// alarmStages are the calibrated detector, which uses no test labels: the
// model's errors on the held-out normal clips (calib.errors) give the
// calibration (calib.json); each test frame's error is scored against it
// as it comes (model.cscores, evaluated frame by frame in model.cframes.json)
// and alarms raised at AlarmRate false alarms an hour of normal footage
// (model.alarms, counted in model.alarms.json); calib.alarms.json counts
// the alarms on the calibration clips themselves.
func (p Protocol) alarmStages(frames, volumes []string) []Stage {
	if len(p.Calib) == 0 {
		return nil
	}
	recon := []string{"recon", "--quiet", "--model", p.Path("model.stae")}
	if p.Error != "" {
		recon = append(recon, "--error", p.Error)
	}
	calib, cal := p.Path("calib.errors"), p.Path("calib.json")
	smooth := cmp.Or(p.Smooth, "0")
	score := []string{"regscore", "--calibration", cal}
	alarm := []string{"events", "--alarm", "--calibration", cal, "--false-alarms-per-hour", p.AlarmRate, "--fps", p.FPS}
	cscores, alarms := p.Path("model.cscores"), p.Path("model.alarms")
	truth := []string{"evalroc", "--json", "--truth", p.Truth}
	calibTruth := p.Path("calib.truth.csv")
	return []Stage{
		{Out: calib, Inputs: []string{p.Path("stats.bin"), p.Path("model.stae")}, Pipe: [][]string{
			append(slices.Clip(frames), p.Calib...), volumes, recon}},
		{Out: cal, Inputs: []string{calib}, Stdin: calib, Pipe: [][]string{
			{"regscore", "calibrate", "--out", OutArg, "--fps", p.FPS, "--smooth", smooth}}},
		{Out: cscores, Inputs: []string{p.Path("model.errors"), cal}, Stdin: p.Path("model.errors"), Pipe: [][]string{score}},
		{Out: p.Path("model.cframes.json"), Inputs: []string{cscores, p.Truth}, Stdin: cscores, Pipe: [][]string{truth}},
		{Out: alarms, Inputs: []string{cscores, cal}, Stdin: cscores, Pipe: [][]string{alarm}},
		{Out: p.Path("model.alarms.json"), Inputs: []string{alarms, p.Truth}, Stdin: alarms, Pipe: [][]string{truth}},
		// The calibration clips' truth: normal throughout (video,, in CSV).
		{Out: calibTruth, Pipe: [][]string{append([]string{"sh", "-c", `for c in "$@"; do echo "$(basename "$c"),,"; done`, "sh"}, p.Calib...)}},
		{Out: p.Path("calib.alarms.json"), Inputs: []string{calib, cal, calibTruth}, Stdin: calib, Pipe: [][]string{
			score, alarm, {"evalroc", "--json", "--truth", calibTruth}}},
	}
}
