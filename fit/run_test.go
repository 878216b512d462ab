// Tests for fit: frames held once, the exact round trip of interrupting
// and resuming, determinism, and refusals.

package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"stae/lib/model/checkpoint"
	"stae/lib/stream"
	"stae/lib/window"
)

const tw, th, tt = 35, 35, 3

// volumes is a stream of two short videos with a moving bar, cut with
// strides 1 and 2.
func volumes(t *testing.T) []byte {
	hdr := stream.NewHeader(stream.KindVolume, nil, stream.Stage{Tool: "test", Version: "test",
		Params: map[string]any{"width": tw, "height": th, "normalised": true, "stats_digest": "s1"}})
	var b bytes.Buffer
	w, err := stream.NewWriter(&b, hdr, false)
	if err != nil {
		t.Fatal(err)
	}
	for v, name := range []string{"A", "B"} {
		frames := make([][]float32, 12)
		for f := range frames {
			frames[f] = make([]float32, tw*th)
			for y := 0; y < th; y++ {
				for x := 0; x < tw; x++ {
					if (x+2*f+5*v)%tw < 5 {
						frames[f][y*tw+x] = 1
					}
				}
			}
		}
		for _, win := range (window.Spec{Length: tt, Strides: []int{1, 2}, Hop: 1}).All(len(frames)) {
			vol := &stream.Volume{Video: name, Frames: win, Shape: []int{tt, th, tw}}
			for _, f := range win {
				vol.Data = append(vol.Data, frames[f]...)
			}
			if err := w.Write(vol); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cancelOnWrite cancels a context on the first write to it.
type cancelOnWrite struct {
	w      io.Writer
	cancel context.CancelFunc
}

func (c cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return c.w.Write(p)
}

func fitRun(t *testing.T, ctx context.Context, in []byte, args ...string) (int, string) {
	var errOut bytes.Buffer
	code := run(ctx, append([]string{"fit", "-q", "--scale", "0.05", "--batch", "8", "--micro-batch", "3", "--lr", "1e-3"}, args...),
		bytes.NewReader(in), &bytes.Buffer{}, &errOut)
	return code, errOut.String()
}

// fitOK is fitRun that must exit 0.
func fitOK(t *testing.T, in []byte, args ...string) {
	t.Helper()
	if code, msg := fitRun(t, context.Background(), in, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
}

func load(t *testing.T, path string) *checkpoint.Checkpoint {
	c, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c.Digest = ""
	return c
}

func TestFramesHeldOnce(t *testing.T) {
	d, err := read(bytes.NewReader(volumes(t)))
	if err != nil {
		t.Fatal(err)
	}
	// 2 videos of 12 frames; strides 1 and 2 give 10 + 8 windows each.
	if len(d.frames) != 24 || len(d.volumes) != 36 {
		t.Errorf("%d frames and %d volumes, want 24 and 36", len(d.frames), len(d.volumes))
	}
}

func TestResumeRoundTrip(t *testing.T) {
	in := volumes(t)
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole.stae")
	fitOK(t, in, "--out", whole, "--epochs", "3")
	again := filepath.Join(dir, "again.stae")
	fitOK(t, in, "--out", again, "--epochs", "3")
	if !reflect.DeepEqual(load(t, whole), load(t, again)) {
		t.Errorf("two runs with the same seed differ")
	}

	// One epoch, then an interrupted start, then resumed to three.
	part := filepath.Join(dir, "part.stae")
	fitOK(t, in, "--out", part, "--epochs", "1")
	if got := load(t, part); got.Train.Epoch != 2 || len(got.History.Epochs) != 1 {
		t.Fatalf("after one epoch the checkpoint resumes at epoch %d with %d epochs of history", got.Train.Epoch, len(got.History.Epochs))
	}
	// Interrupted once the volumes are read (the first progress line), so
	// before the first step: a signal while reading stops the read itself.
	ctx, cancel := context.WithCancel(context.Background())
	var errOut bytes.Buffer
	code := run(ctx, []string{"fit", "--scale", "0.05", "--batch", "8", "--micro-batch", "3", "--lr", "1e-3",
		"--out", part, "--resume", part, "--epochs", "3"}, bytes.NewReader(in), &bytes.Buffer{}, cancelOnWrite{&errOut, cancel})
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if want := "fit: interrupted: " + part + " resumes from epoch 2 step 0"; code != 1 || lines[len(lines)-1] != want {
		t.Fatalf("interrupted run: exit %d, %q; want 1, last line %q", code, errOut.String(), want)
	}
	fitOK(t, in, "--out", part, "--resume", part, "--epochs", "3")
	if a, b := load(t, whole), load(t, part); !reflect.DeepEqual(a, b) {
		t.Errorf("resumed run differs from the uninterrupted one: history %+v vs %+v", b.History, a.History)
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		in   []byte
		args []string
		code int
		want string
	}{
		{"no out", volumes(t), nil, 2, "fit: missing --out (see fit --help)"},
		{"bad val share", volumes(t), []string{"--out", filepath.Join(dir, "x"), "--val-share", "1"}, 2, `fit: --val-share "1": want a number from 0 to 0.99`},
		{"empty stream", nil, []string{"--out", filepath.Join(dir, "x")}, 1, "fit: reading volumes: "},
		{"resume from nothing", volumes(t), []string{"--out", filepath.Join(dir, "x"), "--resume", filepath.Join(dir, "none")}, 1, "fit: resume: open "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, msg := fitRun(t, context.Background(), c.in, c.args...)
			if code != c.code || !strings.HasPrefix(msg, c.want) {
				t.Errorf("exit %d, %q; want %d, %q...", code, msg, c.code, c.want)
			}
		})
	}
}

// TestResumeRefusesConflictingFlags: a flag given with --resume that says
// otherwise than the checkpoint is a usage error naming the checkpoint's
// value; the same value, or --epochs, is accepted.
func TestResumeRefusesConflictingFlags(t *testing.T) {
	in := volumes(t)
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.stae")
	fitOK(t, in, "--out", ck, "--epochs", "1")
	out := filepath.Join(dir, "next.stae")
	for _, tc := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--batch", "16"}, "fit: --batch 16: " + ck + " was trained with --batch 8, which --resume continues (leave --batch out) (see fit --help)\n"},
		{[]string{"--micro-batch", "2"}, "fit: --micro-batch 2: " + ck + " was trained with --micro-batch 3"},
		{[]string{"--lr", "0.01"}, "fit: --lr 0.01: " + ck + " was trained with --lr 0.001"},
		{[]string{"--seed", "7"}, "fit: --seed 7: " + ck + " was trained with --seed 1"},
		{[]string{"--val-share", "0.5"}, "fit: --val-share 0.5: " + ck + " was trained with --val-share 0.15"},
		{[]string{"--patience", "3"}, "fit: --patience 3: " + ck + " was trained with --patience 10"},
		{[]string{"--target", "next"}, "fit: --target next: " + ck + " was trained with --target reconstruct"},
		{[]string{"--no-peephole"}, "fit: --no-peephole: " + ck + " was trained with peepholes"},
		{[]string{"--scale", "0.5"}, "fit: --scale 0.5: " + ck + " was trained with --scale 0.0"},
	} {
		t.Run(tc.flags[0], func(t *testing.T) {
			code, msg := fitRun(t, context.Background(), in, append([]string{"--out", out, "--resume", ck, "--epochs", "2"}, tc.flags...)...)
			if code != 2 || !strings.HasPrefix(msg, tc.want) || strings.Count(msg, "\n") != 1 {
				t.Errorf("exit %d, %q; want 2, %q...", code, msg, tc.want)
			}
		})
	}
	if code, msg := fitRun(t, context.Background(), in, "--out", out, "--resume", ck, "--epochs", "2", "--seed", "1"); code != 0 {
		t.Errorf("resume with the checkpoint's own values: exit %d, %s", code, msg)
	}
}

func TestOutMustBeWritable(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing", "m.stae")
	code, msg := fitRun(t, context.Background(), volumes(t), "--out", out)
	if want := "fit: --out: cannot write " + out + ": "; code != 1 || !strings.HasPrefix(msg, want) {
		t.Errorf("exit %d, %q; want 1, %q...", code, msg, want)
	}
}
