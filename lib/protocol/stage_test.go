package protocol

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeTool stands in for every stae tool: with --out it writes its command
// line there, otherwise its stdin then its command line to stdout.
const fakeTool = `#!/bin/sh
out=""; prev=""
for a; do [ "$prev" = --out ] && out=$a; prev=$a; done
if [ -n "$out" ]; then echo "$(basename "$0") $*" >"$out"; else cat; echo "$(basename "$0") $*"; fi
`

// fakeTools puts the seven fake tools in a folder and returns a LookPath
// that finds them there.
func fakeTools(t *testing.T) (string, func(string) (string, error)) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"frames", "volumes", "fit", "recon", "regscore", "events", "evalroc"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fakeTool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, func(name string) (string, error) { return filepath.Join(dir, name), nil }
}

func testProtocol(t *testing.T) Protocol {
	t.Helper()
	data := t.TempDir()
	truth := filepath.Join(data, "truth.m")
	if err := os.WriteFile(truth, []byte("TestVideoFile{1}.gt_frame = [1:2];\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Preset("cpu", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return Protocol{Train: []string{filepath.Join(data, "Train")}, Test: []string{filepath.Join(data, "Test")},
		Truth: truth, Out: t.TempDir(), Settings: s}
}

func runAll(t *testing.T, look func(string) (string, error), p Protocol) []string {
	t.Helper()
	r := &Runner{Log: io.Discard, Stderr: io.Discard, LookPath: look}
	if err := r.Run(context.Background(), p.Stages()...); err != nil {
		t.Fatal(err)
	}
	return r.Ran
}

func names(p Protocol) []string {
	var ns []string
	for _, s := range p.Stages() {
		ns = append(ns, s.Name())
	}
	return ns
}

// The caching the protocol promises: nothing reruns when nothing changed;
// a scoring option reruns scoring and evaluation, never training; a
// training option reruns the model's stages, never the baseline's; a
// changed tool reruns the stages that run it and those after them.
func TestRunnerReruns(t *testing.T) {
	dir, look := fakeTools(t)
	p := testProtocol(t)
	if got, want := runAll(t, look, p), names(p); !slices.Equal(got, want) {
		t.Fatalf("first run: ran %v, want %v", got, want)
	}
	if got := runAll(t, look, p); len(got) != 0 {
		t.Fatalf("second run: ran %v, want nothing", got)
	}
	scoring := []string{"model.scores", "model.events", "model.frames.json", "model.events.json",
		"baseline.scores", "baseline.events", "baseline.frames.json", "baseline.events.json",
		"diff.scores", "diff.events", "diff.frames.json", "diff.events.json",
		"flow.scores", "flow.events", "flow.frames.json", "flow.events.json"}
	p.Smooth = "2"
	if got := runAll(t, look, p); !slices.Equal(got, scoring) {
		t.Errorf("smoothing changed: ran %v, want %v", got, scoring)
	}
	p.LR = "1e-3"
	want := []string{"model.stae", "model.errors", "model.scores", "model.events", "model.frames.json", "model.events.json"}
	if got := runAll(t, look, p); !slices.Equal(got, want) {
		t.Errorf("lr changed: ran %v, want %v", got, want)
	}
	if err := os.WriteFile(filepath.Join(dir, "events"), []byte(fakeTool+"# a new build\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	want = []string{"model.events", "model.events.json", "baseline.events", "baseline.events.json",
		"diff.events", "diff.events.json", "flow.events", "flow.events.json"}
	if got := runAll(t, look, p); !slices.Equal(got, want) {
		t.Errorf("events rebuilt: ran %v, want %v", got, want)
	}
	for _, f := range []string{"model.scores.key", "model.scores.seconds"} {
		if _, err := os.Stat(p.Path(f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
}

func TestRunnerFailure(t *testing.T) {
	p := testProtocol(t)
	r := &Runner{Log: io.Discard, Stderr: io.Discard}
	s := Stage{Out: p.Path("x"), Pipe: [][]string{{"sh", "-c", "echo partial"}, {"sh", "-c", "cat; exit 3"}}}
	err := r.Run(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "x: stage failed") {
		t.Fatalf("got %v, want x: stage failed", err)
	}
	for _, f := range []string{"x", "x.tmp", "x.key"} {
		if _, err := os.Stat(p.Path(f)); err == nil {
			t.Errorf("%s left behind by a failed stage", f)
		}
	}
}

func TestStageString(t *testing.T) {
	s := Stage{Out: "/o/m", Stdin: "/o/it's", Pipe: [][]string{{"frames", "--size", "67", "/a b"}, {"fit", "--out", OutArg}}}
	want := `frames --size 67 '/a b' | fit --out "$OUT" <'/o/it'\''s'`
	if got := s.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
