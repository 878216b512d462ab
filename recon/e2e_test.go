// End-to-end test on the synthetic data: frames from lib/synth (resized
// and normalised as the frames tool does), cut into volumes, trained on by
// the fit binary with a small configuration, then reconstructed here; the
// frame-level AUC of the errors against the clips' ground truth must reach
// 0.9.
package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"stae/lib/metrics"
	"stae/lib/norm"
	"stae/lib/stream"
	"stae/lib/synth"
	"stae/lib/window"
)

// Frame size and volume length of the test: small enough to train in
// about a minute on two cores.
const (
	e2eW, e2eH, e2eT = 51, 35, 8
)

// resize box-filters a gray image to w x h, scaled to [0,1].
func resize(g *image.Gray, w, h int) []float32 {
	b := g.Bounds()
	sw, sh := b.Dx(), b.Dy()
	out := make([]float32, w*h)
	for y := 0; y < h; y++ {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := 0; x < w; x++ {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			var s float64
			for yy := y0; yy < y1; yy++ {
				for xx := x0; xx < x1; xx++ {
					s += float64(g.Pix[(yy)*g.Stride+xx])
				}
			}
			out[y*w+x] = float32(s / float64((y1-y0)*(x1-x0)) / 255)
		}
	}
	return out
}

type clip struct {
	name        string
	frames      [][]float32
	first, last int
}

func generate(t *testing.T, cs []synth.Clip) []clip {
	var out []clip
	for _, c := range cs {
		r, err := synth.DefaultScene.Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		cl := clip{name: r.Name, first: r.First, last: r.Last}
		for _, g := range r.Frames {
			cl.frames = append(cl.frames, resize(g, e2eW, e2eH))
		}
		out = append(out, cl)
	}
	return out
}

// volumeStream writes the clips' volumes as a msgpack stream.
func volumeStream(t *testing.T, clips []clip, strides []int) []byte {
	hdr := stream.NewHeader(stream.KindVolume, nil, stream.Stage{Tool: "e2e", Version: "test",
		Params: map[string]any{"width": e2eW, "height": e2eH, "normalised": true, "stats_digest": "e2e"}})
	var b bytes.Buffer
	w, err := stream.NewWriter(&b, hdr, false)
	if err != nil {
		t.Fatal(err)
	}
	spec := window.Spec{Length: e2eT, Strides: strides, Hop: 1}
	for _, c := range clips {
		for _, win := range spec.All(len(c.frames)) {
			v := &stream.Volume{Video: c.name, Frames: win, Shape: []int{e2eT, e2eH, e2eW}}
			for _, f := range win {
				v.Data = append(v.Data, c.frames[f]...)
			}
			if err := w.Write(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSyntheticAUC(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model for about a minute")
	}
	train, test := generate(t, synth.TrainClips()), generate(t, synth.TestClips())
	acc := norm.NewAccumulator(e2eW, e2eH)
	for _, c := range train {
		for _, f := range c.frames {
			if err := acc.Add(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	stats, err := acc.Stats()
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range [][]clip{train, test} {
		for _, c := range cs {
			for _, f := range c.frames {
				if err := stats.Apply(f); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	dir := t.TempDir()
	fit := filepath.Join(dir, "fit")
	if out, err := exec.Command("go", "build", "-o", fit, "stae/fit").CombinedOutput(); err != nil {
		t.Fatalf("building fit: %v\n%s", err, out)
	}
	modelPath := filepath.Join(dir, "model.stae")
	cmd := exec.Command(fit, "--out", modelPath, "--scale", "0.25", "--batch", "8", "--micro-batch", "8",
		"--epochs", "25", "--lr", "2e-3", "--patience", "5", "--seed", "1")
	cmd.Stdin = bytes.NewReader(volumeStream(t, train, []int{1, 2}))
	var fitErr bytes.Buffer
	cmd.Stderr = &fitErr
	if err := cmd.Run(); err != nil {
		t.Fatalf("fit: %v\n%s", err, fitErr.String())
	}
	t.Logf("fit:\n%s", fitErr.String())

	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"recon", "--model", modelPath, "-q"},
		bytes.NewReader(volumeStream(t, test, []int{1})), &out, &errOut); code != 0 {
		t.Fatalf("recon exit %d: %s", code, errOut.String())
	}
	r, err := stream.NewReader(&out, stream.KindError)
	if err != nil {
		t.Fatal(err)
	}
	byVideo := map[string][]float64{}
	for {
		e, err := r.NextError()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		byVideo[e.Video] = append(byVideo[e.Video], e.Error)
	}
	// Per-video min-max normalised errors pooled over all frames (the
	// paper's protocol, regscore then evalroc).
	var scores []float64
	var labels []bool
	for _, c := range test {
		es := byVideo[c.name]
		if len(es) != len(c.frames) {
			t.Fatalf("%s: %d errors for %d frames", c.name, len(es), len(c.frames))
		}
		lo, hi := es[0], es[0]
		for _, e := range es {
			lo, hi = min(lo, e), max(hi, e)
		}
		for f, e := range es {
			scores = append(scores, (e-lo)/(hi-lo))
			labels = append(labels, f >= c.first && f <= c.last)
		}
	}
	auc, err := metrics.AUC(scores, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("frame-level AUC %.4f over %d frames", auc, len(scores))
	if auc < 0.9 {
		t.Errorf("frame-level AUC %.4f, want at least 0.9", auc)
	}
	_ = os.Remove(modelPath)
}
