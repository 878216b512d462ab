// The demo: the stages on the synthetic scene the repo carries.

package protocol

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Demo is the demo's job on testdata/synth under repo, written to out: a
// small model (size 51, or $DEMO_SIZE; $DEMO_FIT_FLAGS adds fit flags)
// trained for about a minute on two cores, with the human-readable reports.
func Demo(repo, out string, getenv func(string) string) (Protocol, error) {
	data := filepath.Join(repo, "testdata", "synth")
	size := 51
	if v := getenv("DEMO_SIZE"); v != "" {
		if _, err := fmt.Sscan(v, &size); err != nil {
			return Protocol{}, fmt.Errorf("DEMO_SIZE: not a whole number: %s", v)
		}
	}
	return Protocol{
		Train: []string{filepath.Join(data, "Train")}, Test: []string{filepath.Join(data, "Test")},
		Truth: filepath.Join(data, "Test", "synth.m"), Out: out,
		Settings: Settings{Size: size, Strides: "1,2", Batch: 8, Epochs: 10, Patience: 5, LR: "2e-3", Seed: 1,
			FitFlags: strings.TrimSpace("--scale 0.25 --micro-batch 8 " + getenv("DEMO_FIT_FLAGS")), FitProgress: true,
			Events: "--min-persistence 0.5", Reports: true},
	}, nil
}

// RunDemo runs the demo's stages, then prints the model's frame-level and
// event evaluations and the no-model baseline's AUC and EER.
func RunDemo(ctx context.Context, r *Runner, p Protocol, stdout io.Writer) error {
	if err := r.Run(ctx, p.Stages()...); err != nil {
		return err
	}
	if err := copyFile(p.Path("model.roc.csv"), p.Path("roc.csv")); err != nil {
		return err
	}
	read := func(f string) (string, error) {
		b, err := os.ReadFile(p.Path(f))
		return string(b), err
	}
	frames, err := read("model.frames.txt")
	if err != nil {
		return err
	}
	events, err := read("model.events.txt")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n== the model: frame-level evaluation against %s\n%s", p.Truth, frames)
	fmt.Fprintf(stdout, "\n== the model: abnormal events\n%s", events)
	for _, d := range Baselines {
		base, err := read(d + ".frames.txt")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n== no model: %s, for comparison\n", BaselineNames[d])
		for _, line := range strings.SplitAfter(base, "\n") {
			if strings.HasPrefix(line, "AUC") || strings.HasPrefix(line, "EER") {
				fmt.Fprint(stdout, line)
			}
		}
	}
	_, err = fmt.Fprintln(stdout)
	return err
}
