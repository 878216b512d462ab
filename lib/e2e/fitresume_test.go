// fitresume_test.go: fit killed mid-epoch with SIGTERM writes a checkpoint
// from which `fit --resume` reaches exactly the weights of a run never
// interrupted (issue 7's acceptance test), using the real binaries.

package e2e

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"stae/lib/model"
	"stae/lib/model/checkpoint"
)

// pipeline runs a shell pipeline of the built tools in dir.
func pipeline(t *testing.T, dir, script string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

func TestFitResumeAfterSIGTERM(t *testing.T) {
	dir := t.TempDir()
	clip := filepath.Join(repoRoot(), "testdata", "synth", "Train", "Train001.avi")
	pipeline(t, dir, "frames mean --quiet --out stats.bin --size 27 "+clip+
		" && frames --quiet --stats stats.bin "+clip+" | volumes --quiet --length 4 > train.vol")
	// Small batches make many steps per epoch, so the signal lands inside one.
	flags := []string{"--scale", "0.25", "--epochs", "2", "--batch", "2", "--seed", "5"}
	fit := filepath.Join(binDir, "fit")
	run := func(stderr *bytes.Buffer, args ...string) *exec.Cmd {
		in, err := os.Open(filepath.Join(dir, "train.vol"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { in.Close() })
		cmd := exec.Command(fit, append(args, flags...)...)
		cmd.Dir, cmd.Stdin, cmd.Stderr = dir, in, stderr
		return cmd
	}

	var whole bytes.Buffer
	if err := run(&whole, "--quiet", "--out", "whole.stae").Run(); err != nil {
		t.Fatalf("uninterrupted fit: %v\n%s", err, whole.String())
	}

	// The interrupted run: SIGTERM once the first step's progress line is out.
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := run(nil, "--out", "cut.stae")
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	var lines []string
	sc := bufio.NewScanner(pr)
	signalled := false
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if !signalled && strings.Contains(sc.Text(), "step ") {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("fit did not exit within 60s of SIGTERM")
	}
	stderr := strings.Join(lines, "\n")
	if !signalled {
		t.Fatalf("fit showed no step progress before ending:\n%s", stderr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Fatalf("interrupted fit exited with %d (%v), want 143 (SIGTERM):\n%s", code, err, stderr)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "fit: interrupted: cut.stae resumes from epoch ") {
		t.Errorf("last stderr line %q, want \"fit: interrupted: cut.stae resumes from epoch ...\"", last)
	}
	for _, bad := range []string{"panic:", "goroutine "} {
		if strings.Contains(stderr, bad) {
			t.Fatalf("stderr shows %q:\n%s", bad, stderr)
		}
	}
	cut, err := checkpoint.Load(filepath.Join(dir, "cut.stae"))
	if err != nil {
		t.Fatalf("the interrupted run's checkpoint does not load: %v", err)
	}
	if cut.Train == nil || cut.Train.Step == 0 {
		t.Fatalf("interrupted checkpoint is not mid-epoch: %+v", cut.Train)
	}
	t.Logf("interrupted at epoch %d step %d", cut.Train.Epoch, cut.Train.Step)

	var resumed bytes.Buffer
	if err := run(&resumed, "--quiet", "--out", "cut.stae", "--resume", "cut.stae").Run(); err != nil {
		t.Fatalf("fit --resume: %v\n%s", err, resumed.String())
	}
	a, err := checkpoint.Load(filepath.Join(dir, "whole.stae"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkpoint.Load(filepath.Join(dir, "cut.stae"))
	if err != nil {
		t.Fatal(err)
	}
	sameTensors(t, "best weights", a.Model.Params, b.Model.Params)
	sameTensors(t, "current weights", a.Train.Current.Params, b.Train.Current.Params)
	if len(a.History.Epochs) != len(b.History.Epochs) {
		t.Fatalf("%d epochs in the history, uninterrupted %d", len(b.History.Epochs), len(a.History.Epochs))
	}
	for i := range a.History.Epochs {
		if a.History.Epochs[i] != b.History.Epochs[i] {
			t.Errorf("epoch %d: %+v, uninterrupted %+v", i+1, b.History.Epochs[i], a.History.Epochs[i])
		}
	}
}

// sameTensors requires bitwise equal tensors.
func sameTensors(t *testing.T, what string, want, got []model.Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d tensors, uninterrupted %d", what, len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || len(w.Data) != len(g.Data) {
			t.Fatalf("%s: tensor %s of %d values, uninterrupted %s of %d", what, g.Name, len(g.Data), w.Name, len(w.Data))
		}
		for j := range w.Data {
			if math.Float32bits(w.Data[j]) != math.Float32bits(g.Data[j]) {
				t.Fatalf("%s %s[%d] = %v, uninterrupted %v", what, g.Name, j, g.Data[j], w.Data[j])
			}
		}
	}
}
