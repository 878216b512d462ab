// This file trains a model: Adam over mini-batches of volumes, each
// mini-batch run through the graph in micro-batches whose gradients are
// accumulated, so a batch of 64 fits in little memory.

package model

import (
	"fmt"
	"math"
)

// Adam is the optimiser's settings and state; the state travels in
// checkpoints so that a resumed run continues exactly.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	Step                  int
	M, V                  [][]float32 `json:"-"` // per tensor, stored as tensors
}

// NewAdam returns Adam with Kingma & Ba's defaults for m's tensors.
func NewAdam(m *Model, lr float64) *Adam {
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, t := range m.Params {
		a.M = append(a.M, make([]float32, len(t.Data)))
		a.V = append(a.V, make([]float32, len(t.Data)))
	}
	return a
}

// Update applies one step with gradients g to m's tensors.
func (a *Adam) Update(m *Model, g [][]float32) {
	a.Step++
	b1, b2 := float32(a.Beta1), float32(a.Beta2)
	lr := a.LR * math.Sqrt(1-math.Pow(a.Beta2, float64(a.Step))) / (1 - math.Pow(a.Beta1, float64(a.Step)))
	lr32, eps := float32(lr), float32(a.Eps)
	for i, t := range m.Params {
		mi, vi, gi := a.M[i], a.V[i], g[i]
		for j, gv := range gi {
			mi[j] = b1*mi[j] + (1-b1)*gv
			vi[j] = b2*vi[j] + (1-b2)*gv*gv
			t.Data[j] -= lr32 * mi[j] / (float32(math.Sqrt(float64(vi[j]))) + eps)
		}
	}
}

// Trainer runs training steps and validation passes for one model.
type Trainer struct {
	Model      *Model
	Opt        *Adam
	MicroBatch int // volumes per graph run; the gradients of a step add up

	train, eval map[int]*Net
	acc         [][]float32
	buf         []float32 // chunks' packing buffer
}

// NewTrainer returns a trainer with a fresh Adam at learning rate lr.
func NewTrainer(m *Model, lr float64, microBatch int) *Trainer {
	t := &Trainer{Model: m, Opt: NewAdam(m, lr), MicroBatch: max(1, microBatch),
		train: map[int]*Net{}, eval: map[int]*Net{}}
	for _, p := range m.Params {
		t.acc = append(t.acc, make([]float32, len(p.Data)))
	}
	return t
}

// net returns the cached graph for a batch size.
func (t *Trainer) net(batch int, train bool) (*Net, error) {
	cache := t.eval
	if train {
		cache = t.train
	}
	if n := cache[batch]; n != nil {
		return n, nil
	}
	n, err := NewNet(t.Model, batch, train)
	if err != nil {
		return nil, err
	}
	cache[batch] = n
	return n, nil
}

// volumeSize is the number of values in one volume.
func (t *Trainer) volumeSize() int {
	c := t.Model.Config
	return c.VolumeFrames() * c.FrameValues()
}

// chunks calls f on successive micro-batches of vols packed into one
// buffer.
func (t *Trainer) chunks(vols [][]float32, f func(batch []float32, n int) error) error {
	vs := t.volumeSize()
	for lo := 0; lo < len(vols); lo += t.MicroBatch {
		hi := min(lo+t.MicroBatch, len(vols))
		for _, v := range vols[lo:hi] {
			if len(v) != vs {
				return fmt.Errorf("model: volume of %d values, want %d", len(v), vs)
			}
		}
		// One volume needs no packing; packed batches reuse one buffer,
		// as a fresh one each call would be collected and zeroed again.
		buf := vols[lo]
		if hi-lo > 1 {
			buf = t.buf[:0]
			for _, v := range vols[lo:hi] {
				buf = append(buf, v...)
			}
			t.buf = buf
		}
		if err := f(buf, hi-lo); err != nil {
			return err
		}
	}
	return nil
}

// Step trains on one mini-batch and returns its mean loss before the
// update.
func (t *Trainer) Step(vols [][]float32) (float64, error) {
	if len(vols) == 0 {
		return 0, fmt.Errorf("model: empty batch")
	}
	for _, a := range t.acc {
		clear(a)
	}
	var loss float64
	err := t.chunks(vols, func(b []float32, n int) error {
		net, err := t.net(n, true)
		if err != nil {
			return err
		}
		if err := net.Run(b); err != nil {
			return err
		}
		w := float64(n) / float64(len(vols))
		loss += w * net.Loss()
		for i, a := range t.acc {
			g, w32 := net.Grad(i), float32(w)
			for j := range a {
				a[j] += w32 * g[j]
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	t.Opt.Update(t.Model, t.acc)
	return loss, nil
}

// Loss is the mean loss over vols without training.
func (t *Trainer) Loss(vols [][]float32) (float64, error) {
	var sum float64
	err := t.Reconstruct(vols, func(i int, target, y []float32) {
		var s float64
		for j := range target {
			d := float64(y[j] - target[j])
			s += d * d
		}
		sum += s / float64(len(target))
	})
	return sum / float64(max(1, len(vols))), err
}

// Reconstruct runs vols forward and calls f with each volume's index, its
// target frames (the volume itself, or its last Length frames when the
// model predicts the next frame) and the output for them, frame for
// frame (valid only during the call).
func (t *Trainer) Reconstruct(vols [][]float32, f func(i int, target, y []float32)) error {
	c := t.Model.Config
	vs, done := t.volumeSize(), 0
	out := c.Length * c.FrameValues()
	return t.chunks(vols, func(b []float32, n int) error {
		net, err := t.net(n, false)
		if err != nil {
			return err
		}
		if err := net.Run(b); err != nil {
			return err
		}
		y := net.Output()
		for k := 0; k < n; k++ {
			f(done+k, b[(k+1)*vs-out:(k+1)*vs], y[k*out:(k+1)*out])
		}
		done += n
		return nil
	})
}

// Close releases the cached graphs.
func (t *Trainer) Close() {
	for _, n := range t.train {
		n.Close()
	}
	for _, n := range t.eval {
		n.Close()
	}
}
