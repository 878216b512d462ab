// Tests for the model: size validation, output shapes, the whole graph's
// gradient against finite differences, and a tiny model overfitting.

package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		h, w int
		want string
	}{
		{"paper size", 227, 227, ""},
		{"115", 115, 115, ""},
		{"67", 67, 67, ""},
		{"non-square", 115, 67, ""},
		{"height between valid sizes", 100, 227, "height 100 does not close the layer shapes; the nearest that do are 99 and 107"},
		{"width one off", 227, 228, "width 228 does not close the layer shapes; the nearest that do are 227 and 235"},
		{"too small", 20, 20, "height 20 does not close the layer shapes; the smallest that does is 27"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Paper(c.h, c.w).Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestSides(t *testing.T) {
	cases := []struct{ side, h1, h2 int }{{227, 55, 26}, {115, 27, 12}, {67, 15, 6}, {35, 7, 2}, {43, 9, 3}}
	for _, c := range cases {
		h1, h2, ok := Sides(c.side)
		if !ok || h1 != c.h1 || h2 != c.h2 {
			t.Errorf("Sides(%d) = %d, %d, %v; want %d, %d, true", c.side, h1, h2, ok, c.h1, c.h2)
		}
	}
}

// tiny is a configuration small enough for finite differences.
func tiny(peep bool) Config {
	return Config{Height: 35, Width: 43, Length: 3, Conv1: 3, Conv2: 2, LSTM: []int{2, 3, 2}, Deconv1: 3, Peephole: peep}
}

func randVolumes(r *rand.Rand, c Config, n int) [][]float32 {
	v := make([][]float32, n)
	for i := range v {
		v[i] = make([]float32, c.VolumeFrames()*c.FrameValues())
		for j := range v[i] {
			v[i][j] = float32(r.NormFloat64())
		}
	}
	return v
}

func TestOutputShape(t *testing.T) {
	for _, c := range []Config{Paper(227, 227), Paper(115, 115).Scaled(0.25), tiny(true), twoPlanesNext()} {
		m, err := New(c, 1)
		if err != nil {
			t.Fatal(err)
		}
		n, err := NewNet(m, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.Run(make([]float32, c.VolumeFrames()*c.FrameValues())); err != nil {
			t.Fatal(err)
		}
		if got, want := n.y.Shape(), []int{c.Length, c.InChannels(), c.Height, c.Width}; !slices.Equal(got, want) {
			t.Errorf("%dx%d: output shape %v, want %v", c.Height, c.Width, got, want)
		}
		n.Close()
	}
}

// twoPlanesNext is tiny with two planes a frame (say gray and a frame
// difference) and the next-frame target.
func twoPlanesNext() Config {
	c := tiny(true)
	c.Channels, c.Target = 2, TargetNext
	return c
}

// namedConfig is a configuration a test runs on, with its subtest's name.
type namedConfig struct {
	name string
	c    Config
}

// tinyCases are the configurations the whole-network tests run on: tiny
// with and without peepholes, and twoPlanesNext.
func tinyCases() []namedConfig {
	return []namedConfig{{"with peepholes", tiny(true)}, {"without peepholes", tiny(false)}, {"two planes, next-frame target", twoPlanesNext()}}
}

// TestGradient checks the whole network's gradient, ConvLSTM cells
// included, against central differences of its loss.
func TestGradient(t *testing.T) {
	for _, tc := range tinyCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(11, 12))
			c := tc.c
			m, err := New(c, 3)
			if err != nil {
				t.Fatal(err)
			}
			// Random peepholes and biases and larger kernels, so that every
			// gradient stands well above float32 rounding.
			for _, p := range m.Params {
				if len(p.Shape) == 4 {
					for j := range p.Data {
						p.Data[j] *= 3
					}
				} else {
					for j := range p.Data {
						p.Data[j] = float32(0.5 * r.NormFloat64())
					}
				}
			}
			x := randVolumes(r, c, 2)[0:2]
			batch := append(append([]float32{}, x[0]...), x[1]...)
			n, err := NewNet(m, 2, true)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			if err := n.Run(batch); err != nil {
				t.Fatal(err)
			}
			eval, err := NewNet(m, 2, false)
			if err != nil {
				t.Fatal(err)
			}
			defer eval.Close()
			grads := make([][]float32, len(m.Params))
			for i := range m.Params {
				grads[i] = append([]float32(nil), n.Grad(i)...)
			}
			const eps = 5e-2
			for i, p := range m.Params {
				var maxDiff, maxGrad float64
				// The largest few entries and a spread of others.
				for k := 0; k < 6; k++ {
					j := (k*7919 + 13) % len(p.Data)
					old := p.Data[j]
					p.Data[j] = old + eps
					up := lossOf(t, eval, batch)
					p.Data[j] = old - eps
					down := lossOf(t, eval, batch)
					p.Data[j] = old
					num := (up - down) / (2 * eps)
					maxDiff = math.Max(maxDiff, math.Abs(num-float64(grads[i][j])))
					maxGrad = math.Max(maxGrad, math.Abs(num))
				}
				if maxDiff > 0.03*maxGrad+2e-8 {
					t.Errorf("%s: symbolic and numeric gradients differ by %.3g (largest %.3g)", p.Name, maxDiff, maxGrad)
				}
			}
		})
	}
}

// lossOf runs the net and recomputes its loss in float64: gorgonia's
// float32 mean is too coarse for finite differences. Each volume's
// target is its last Length frames: all of it, or its successors.
func lossOf(t *testing.T, n *Net, x []float32) float64 {
	if err := n.Run(x); err != nil {
		t.Fatal(err)
	}
	c := n.cfg
	vol, out := c.VolumeFrames()*c.FrameValues(), c.Length*c.FrameValues()
	y := n.Output()
	var s float64
	for b := 0; b < n.Batch; b++ {
		target := x[(b+1)*vol-out : (b+1)*vol]
		for i, v := range y[b*out : (b+1)*out] {
			d := float64(v) - float64(target[i])
			s += d * d
		}
	}
	return s / float64(len(y))
}

// TestNextFrameTarget checks the packing of a next-frame batch: a model
// that predicts must see frames 0..T-1 and be scored on frames 1..T, so
// that the loss of a net whose output is pinned to zero (all weights
// zero) is the mean square of the volumes' last T frames alone.
func TestNextFrameTarget(t *testing.T) {
	c := twoPlanesNext()
	m, err := New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Params {
		clear(p.Data)
	}
	fv := c.FrameValues()
	vols := [][]float32{make([]float32, c.VolumeFrames()*fv)}
	for i := range vols[0] {
		if i < fv {
			vols[0][i] = 100 // the first frame is input only, never a target
		} else {
			vols[0][i] = 2
		}
	}
	tr := NewTrainer(m, 0, 1)
	defer tr.Close()
	got, err := tr.Loss(vols)
	if err != nil {
		t.Fatal(err)
	}
	if got != 4 {
		t.Errorf("loss %g with zero output, want 4 (the square of the target frames' value)", got)
	}
	n, err := NewNet(m, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Run(vols[0]); err != nil {
		t.Fatal(err)
	}
	if got := n.Loss(); math.Abs(got-4) > 1e-5 {
		t.Errorf("training loss %g with zero output, want 4", got)
	}
}

func TestRunLeavesWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	c := tiny(true)
	m, _ := New(c, 5)
	before := m.Clone()
	tr := NewTrainer(m, 0, 2)
	defer tr.Close()
	tr.Opt.LR = 0
	if _, err := tr.Step(randVolumes(r, c, 3)); err != nil {
		t.Fatal(err)
	}
	for i, p := range m.Params {
		for j := range p.Data {
			if p.Data[j] != before.Params[i].Data[j] {
				t.Fatalf("%s[%d] changed from %g to %g by a step at learning rate 0", p.Name, j, before.Params[i].Data[j], p.Data[j])
			}
		}
	}
}

// movingBars is a handful of volumes with a bright bar sliding across a
// dark field: structure a model can learn quickly.
func movingBars(c Config, n int) [][]float32 {
	v := make([][]float32, n)
	for i := range v {
		v[i] = make([]float32, c.VolumeFrames()*c.Height*c.Width)
		for t := 0; t < c.VolumeFrames(); t++ {
			col := (3*i + 2*t) % c.Width
			for y := 0; y < c.Height; y++ {
				for x := 0; x < c.Width; x++ {
					val := float32(-0.5)
					if x >= col && x < col+6 {
						val = 2
					}
					v[i][(t*c.Height+y)*c.Width+x] = val
				}
			}
		}
	}
	return v
}

func TestOverfit(t *testing.T) {
	for _, target := range []Target{TargetReconstruct, TargetNext} {
		t.Run(target.String(), func(t *testing.T) {
			c := Config{Height: 35, Width: 35, Length: 4, Conv1: 8, Conv2: 8, LSTM: []int{8, 4, 8}, Deconv1: 8, Peephole: true, Target: target}
			m, err := New(c, 1)
			if err != nil {
				t.Fatal(err)
			}
			tr := NewTrainer(m, 1e-2, 4)
			defer tr.Close()
			vols := movingBars(c, 4)
			first, err := tr.Loss(vols)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 300; i++ {
				if _, err := tr.Step(vols); err != nil {
					t.Fatal(err)
				}
			}
			last, err := tr.Loss(vols)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("loss %.4g -> %.4g", first, last)
			if last > first/10 {
				t.Errorf("loss fell from %.4g to %.4g, less than tenfold", first, last)
			}
		})
	}
}
