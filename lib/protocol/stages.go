// The pipeline, written once: every job (the demo, the UCSD protocol) is
// these stages with its own settings.

package protocol

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Settings are a job's options for each stage.
type Settings struct {
	Size        int    // frames --size
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
	Reports     bool   // the human-readable reports and plots beside the JSON evaluations
}

// Protocol is a job: data, output folder and settings.
type Protocol struct {
	Train []string // training folders (a dataset's Train, or some of its clips)
	Test  []string // test folders
	Truth string   // the ground-truth file
	Out   string   // the output folder, absolute
	Settings
}

// Detectors are the two detectors every job evaluates: the model and the
// no-model baseline (recon --baseline), scored the same way.
var Detectors = []string{"model", "baseline"}

// Path is FILE in the output folder.
func (p Protocol) Path(file string) string { return filepath.Join(p.Out, file) }

// Stages are the job's stages in the order they run. For each detector D
// they make D.errors, D.scores, D.events, the JSON evaluations D.frames.json
// (and D.roc.csv) and D.events.json, and with Reports D.frames.txt (the
// model's with plots/) and model.events.txt.
func (p Protocol) Stages() []Stage {
	frames := []string{"frames", "--quiet", "--size", strconv.Itoa(p.Size), "--stats", p.Path("stats.bin")}
	fit := []string{"fit"}
	if !p.FitProgress {
		fit = append(fit, "--quiet")
	}
	fit = append(fit, "--batch", strconv.Itoa(p.Batch), "--epochs", strconv.Itoa(p.Epochs),
		"--patience", strconv.Itoa(p.Patience), "--lr", p.LR, "--seed", strconv.Itoa(p.Seed))
	fit = append(append(fit, strings.Fields(p.FitFlags)...), "--out", OutArg)
	ss := []Stage{
		{Out: p.Path("stats.bin"), Pipe: [][]string{
			append([]string{"frames", "mean", "--quiet", "--size", strconv.Itoa(p.Size), "--out", OutArg}, p.Train...)}},
		{Out: p.Path("train.volumes"), Inputs: []string{p.Path("stats.bin")}, Pipe: [][]string{
			append(frames, p.Train...), {"volumes", "--quiet", "--strides", p.Strides}}},
		{Out: p.Path("model.stae"), Inputs: []string{p.Path("train.volumes")}, Stdin: p.Path("train.volumes"), Pipe: [][]string{fit}},
		{Out: p.Path("test.volumes"), Inputs: []string{p.Path("stats.bin")}, Pipe: [][]string{
			append(frames[:len(frames):len(frames)], p.Test...), {"volumes", "--quiet"}}},
	}
	for _, d := range Detectors {
		recon := []string{"recon", "--quiet", "--model", p.Path("model.stae")}
		inputs := []string{p.Path("test.volumes"), p.Path("model.stae")}
		if d == "baseline" {
			recon, inputs = []string{"recon", "--quiet", "--baseline"}, inputs[:1]
		}
		if p.Error != "" {
			recon = append(recon, "--error", p.Error)
		}
		regscore := []string{"regscore"}
		if p.Smooth != "" {
			regscore = append(regscore, "--smooth", p.Smooth)
		}
		errs, scores, events := p.Path(d+".errors"), p.Path(d+".scores"), p.Path(d+".events")
		truth := []string{"--truth", p.Truth}
		ss = append(ss,
			Stage{Out: errs, Inputs: inputs, Stdin: p.Path("test.volumes"), Pipe: [][]string{recon}},
			Stage{Out: scores, Inputs: []string{errs}, Stdin: errs, Pipe: [][]string{regscore}},
			Stage{Out: events, Inputs: []string{scores}, Stdin: scores, Pipe: [][]string{append([]string{"events"}, strings.Fields(p.Events)...)}},
			Stage{Out: p.Path(d + ".frames.json"), Inputs: []string{scores, p.Truth}, Stdin: scores, Pipe: [][]string{
				append(append([]string{"evalroc", "--json"}, truth...), "--roc", p.Path(d+".roc.csv"))}},
			Stage{Out: p.Path(d + ".events.json"), Inputs: []string{events, p.Truth}, Stdin: events, Pipe: [][]string{
				append([]string{"evalroc", "--json"}, truth...)}},
		)
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
	return ss
}
