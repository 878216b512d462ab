// This file splits inference into the model's three stages, each its own
// graph over the same ops and parameters as Net: the spatial encoder and
// the decoder work frame by frame, the ConvLSTM window by window. A
// caller that scores overlapping windows (recon) encodes each frame once,
// runs the ConvLSTM per window, and decodes only the outputs it scores.

package model

import (
	"fmt"
	"slices"
	"strings"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"stae/lib/model/ops"
)

// Stages runs a model's forward pass in three parts:
//
//	Encode: frames [n,C,H,W] -> features [n,4*maps1,h2,w2]
//	LSTM:   n windows of Length feature maps -> Length hidden maps each
//	Decode: hidden maps [n,maps,h2,w2] -> frames [n,C,H,W]
//
// A frame's features are the encoder's output already taken through the
// input half of the first ConvLSTM layer's gate convolution (project):
// that half depends on the frame alone, so a frame encoded once serves
// every window that covers it; it is about a quarter of the ConvLSTM's
// work.
//
// Encode, LSTM and Decode in a row give Net's output: the same ops on the
// same values, bit for bit unless a run of fewer images than cores is
// split across them differently (the last bits then differ, as between
// Net's batch sizes). Like Net, the graphs share the model's tensors.
type Stages struct {
	Model *Model
	// Batch is the most windows one LSTM run takes; the encoder and the
	// decoder take Batch*Length frames a run, as one Net run of Batch
	// volumes does.
	Batch int

	enc, lstm, dec stageCache
}

// NewStages returns the stages of m, running at most batch windows (and
// batch*Length frames) at once.
func NewStages(m *Model, batch int) (*Stages, error) {
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return &Stages{Model: m, Batch: max(1, batch)}, nil
}

// FeatureValues is the number of values of one frame's features, Encode's
// output and LSTM's input.
func (s *Stages) FeatureValues() int {
	c := s.Model.Config
	_, _, h2, w2 := c.featureSize()
	return s.featureChannels() * h2 * w2
}

// featureChannels is the channels of a frame's features: the first
// ConvLSTM layer's four gates.
func (s *Stages) featureChannels() int { return 4 * s.Model.Config.LSTM[0] }

// HiddenValues is the number of values of one hidden map of the last
// ConvLSTM layer, the decoder's input.
func (s *Stages) HiddenValues() int {
	c := s.Model.Config
	_, _, h2, w2 := c.featureSize()
	return c.LSTM[len(c.LSTM)-1] * h2 * w2
}

// Encode runs the spatial encoder on frames, FrameValues each, and calls
// f with each run's first frame index and features (valid during the call).
func (s *Stages) Encode(frames []float32, f func(i int, features []float32)) error {
	c := s.Model.Config
	return s.enc.each(frames, c.FrameValues(), s.Batch*c.Length, f, func(n int) (*stage, error) {
		return s.build(n, c.InChannels(), c.Height, c.Width, []string{"conv", "lstm1.wx"}, func(b *builder, x *G.Node) *G.Node {
			return b.project(b.encode(x))
		})
	})
}

// LSTM runs the ConvLSTM over windows of Length feature maps each, every
// window's state from zero, and calls f with each run's first window
// index and the windows' Length hidden maps each (valid during the call).
func (s *Stages) LSTM(features []float32, f func(i int, hidden []float32)) error {
	c := s.Model.Config
	_, _, h2, w2 := c.featureSize()
	// A window is Length frames of the stage's input, as the graph sees it.
	return s.lstm.each(features, c.Length*s.FeatureValues(), s.Batch, f, func(n int) (*stage, error) {
		return s.build(n*c.Length, s.featureChannels(), h2, w2, []string{"lstm"}, func(b *builder, e *G.Node) *G.Node {
			return b.do(ops.Stack{T: c.Length, Out: new(ops.Buffer)}, b.lstm(nil, n, e)...)
		})
	})
}

// Decode runs the decoder on hidden maps, HiddenValues each, and calls f
// with each run's first map index and output frames (valid during the
// call).
func (s *Stages) Decode(hidden []float32, f func(i int, frames []float32)) error {
	c := s.Model.Config
	_, _, h2, w2 := c.featureSize()
	return s.dec.each(hidden, s.HiddenValues(), s.Batch*c.Length, f, func(n int) (*stage, error) {
		return s.build(n, c.LSTM[len(c.LSTM)-1], h2, w2, []string{"deconv"}, func(b *builder, d *G.Node) *G.Node { return b.decode(d) })
	})
}

// Close releases the stages' graphs.
func (s *Stages) Close() {
	for _, sc := range []*stageCache{&s.enc, &s.lstm, &s.dec} {
		sc.close()
	}
}

// stage is one stage's compiled graph for a fixed input size.
type stage struct {
	g  *G.ExprGraph
	vm G.VM
	xt *tensor.Dense
	y  *G.Node
}

// build compiles a stage whose input is [n,ch,h,w]; wire gives its output
// from the parameters whose names start with one of prefixes.
func (s *Stages) build(n, ch, h, w int, prefixes []string, wire func(b *builder, x *G.Node) *G.Node) (*stage, error) {
	st := &stage{g: G.NewGraph()}
	st.xt = tensor.New(tensor.WithShape(n, ch, h, w), tensor.WithBacking(make([]float32, n*ch*h*w)))
	x := G.NewTensor(st.g, tensor.Float32, 4, G.WithShape(n, ch, h, w), G.WithName("x"), G.WithValue(st.xt))
	b := &builder{g: st.g, p: paramNodes(st.g, s.Model, prefixes), cfg: s.Model.Config}
	st.y = wire(b, x)
	if b.err != nil {
		return nil, fmt.Errorf("model: build graph: %w", b.err)
	}
	st.vm = G.NewTapeMachine(st.g)
	return st, nil
}

// paramNodes makes nodes in g of m's parameters whose names start with
// one of prefixes, sharing their tensors.
func paramNodes(g *G.ExprGraph, m *Model, prefixes []string) map[string]*G.Node {
	p := map[string]*G.Node{}
	for _, t := range m.Params {
		if !slices.ContainsFunc(prefixes, func(pre string) bool { return strings.HasPrefix(t.Name, pre) }) {
			continue
		}
		d := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		// Names matter: gorgonia merges unnamed inputs of equal shape.
		p[t.Name] = G.NewTensor(g, tensor.Float32, len(t.Shape), G.WithShape(t.Shape...), G.WithName(t.Name), G.WithValue(d))
	}
	return p
}

// run runs the stage on in, which fills its input.
func (st *stage) run(in []float32) ([]float32, error) {
	copy(st.xt.Data().([]float32), in)
	st.vm.Reset()
	if err := st.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("model: run: %w", err)
	}
	return st.y.Value().Data().([]float32), nil
}

// stageCache keeps a stage's graph for full runs and one for the size of
// the latest shorter run (recon's steady state is one such size, a few
// new frames a batch): two graphs at most, so memory stays that of one
// full run and one shorter.
type stageCache struct {
	full, part *stage
	fullN      int
	partN      int
}

// get returns the graph for runs of n items, building it if need be.
func (sc *stageCache) get(n, full int, build func(n int) (*stage, error)) (*stage, error) {
	slot, size := &sc.part, &sc.partN
	if n == full {
		slot, size = &sc.full, &sc.fullN
	}
	if *slot != nil && *size == n {
		return *slot, nil
	}
	if *slot != nil {
		(*slot).vm.Close()
		*slot = nil
	}
	st, err := build(n)
	if err != nil {
		return nil, err
	}
	*slot, *size = st, n
	return st, nil
}

// each runs in, items of size values, through the stage in runs of at
// most full items, calling f with each run's first item and output.
func (sc *stageCache) each(in []float32, size, full int, f func(int, []float32), build func(n int) (*stage, error)) error {
	if len(in)%size != 0 {
		return fmt.Errorf("model: %d values are not whole items of %d", len(in), size)
	}
	items := len(in) / size
	for lo := 0; lo < items; lo += full {
		n := min(full, items-lo)
		st, err := sc.get(n, full, build)
		if err != nil {
			return err
		}
		y, err := st.run(in[lo*size : (lo+n)*size])
		if err != nil {
			return err
		}
		f(lo, y)
	}
	return nil
}

func (sc *stageCache) close() {
	for _, st := range []*stage{sc.full, sc.part} {
		if st != nil {
			st.vm.Close()
		}
	}
	sc.full, sc.part = nil, nil
}
