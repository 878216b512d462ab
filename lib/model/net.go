// This file builds the model's gorgonia graph for a fixed batch of
// volumes, with or without the backward pass, and runs it.

package model

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"stae/lib/model/ops"
)

// Net is the compiled graph of a model for batches of Batch volumes. Its
// parameter nodes share the model's tensors, so updates to the model are
// seen by the next run without rebuilding.
type Net struct {
	Batch  int
	cfg    Config
	g      *G.ExprGraph
	vm     G.VM
	x      *G.Node
	xt     *tensor.Dense
	tt     *tensor.Dense // the targets when they are not x itself (TargetNext)
	y      *G.Node
	loss   *G.Node
	params G.Nodes
	grads  G.Nodes
}

// NewNet builds the graph for batches of batch volumes; with train set it
// also builds the gradients of the mean squared error between the output
// and the target (the input itself, or each frame's successor).
func NewNet(m *Model, batch int, train bool) (*Net, error) {
	c := m.Config
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	n := &Net{Batch: batch, cfg: c, g: G.NewGraph()}
	nt, ch := batch*c.Length, c.InChannels()
	n.xt = tensor.New(tensor.WithShape(nt, ch, c.Height, c.Width), tensor.WithBacking(make([]float32, nt*c.FrameValues())))
	n.x = G.NewTensor(n.g, tensor.Float32, 4, G.WithShape(nt, ch, c.Height, c.Width), G.WithName("x"), G.WithValue(n.xt))
	p := map[string]*G.Node{}
	for _, t := range m.Params {
		d := tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(t.Data))
		// Names matter: gorgonia merges unnamed inputs of equal shape.
		nd := G.NewTensor(n.g, tensor.Float32, len(t.Shape), G.WithShape(t.Shape...), G.WithName(t.Name), G.WithValue(d))
		p[t.Name] = nd
		n.params = append(n.params, nd)
	}
	y, err := n.forward(p)
	if err != nil {
		return nil, fmt.Errorf("model: build graph: %w", err)
	}
	n.y = y
	if train {
		target := n.x
		if c.Target == TargetNext {
			n.tt = tensor.New(tensor.WithShape(nt, ch, c.Height, c.Width), tensor.WithBacking(make([]float32, nt*c.FrameValues())))
			target = G.NewTensor(n.g, tensor.Float32, 4, G.WithShape(nt, ch, c.Height, c.Width), G.WithName("target"), G.WithValue(n.tt))
		}
		var err error
		if n.loss, err = G.ApplyOp(ops.MeanSquaredError{}, y, target); err != nil {
			return nil, fmt.Errorf("model: build loss: %w", err)
		}
		if n.grads, err = G.Grad(n.loss, n.params...); err != nil {
			return nil, fmt.Errorf("model: build gradients: %w", err)
		}
	}
	n.vm = G.NewTapeMachine(n.g)
	return n, nil
}

// forward wires the layers; p holds the parameter nodes by name.
func (n *Net) forward(p map[string]*G.Node) (*G.Node, error) {
	b := &builder{g: n.g, p: p, cfg: n.cfg}
	// The encoder runs step by step, so each step's features go straight
	// to the ConvLSTM: encoding all frames at once and slicing the steps
	// out would make the backward pass place every step's gradient in a
	// full-size zero tensor and add the Length of them up.
	steps := b.frameSteps(n.x)
	for t, x := range steps {
		steps[t] = b.encode(x)
	}
	outs := b.lstm(steps, n.Batch, nil)
	d := b.do(ops.Stack{T: n.cfg.Length, Out: new(ops.Buffer)}, outs...)
	return b.decode(d), b.err
}

// builder wires layers into a graph, keeping the first error; Net and
// the inference stages (stages.go) are made of the same three parts.
type builder struct {
	g   *G.ExprGraph
	p   map[string]*G.Node // the parameter nodes by name
	cfg Config
	err error
}

// do applies op, or does nothing after an error.
func (b *builder) do(op G.Op, in ...*G.Node) *G.Node {
	if b.err != nil {
		return nil
	}
	r, err := G.ApplyOp(op, in...)
	if err != nil {
		b.err = fmt.Errorf("%v: %w", op, err)
	}
	return r
}

// frameSteps cuts frames laid out volume by volume, [batch*Length,...],
// into the Length steps [batch,...] that lstm takes.
func (b *builder) frameSteps(e *G.Node) G.Nodes {
	steps := make(G.Nodes, b.cfg.Length)
	for t := range steps {
		steps[t] = b.do(ops.FrameSlice{T: b.cfg.Length, Step: t, Out: new(ops.Buffer)}, e)
	}
	return steps
}

// encode is the spatial encoder, frame by frame: x [N,C,H,W] gives the
// conv2 features [N,Conv2,h2,w2].
func (b *builder) encode(x *G.Node) *G.Node {
	p := b.p
	// Each forward op keeps its output from run to run (ops.Buffer), so
	// a run allocates next to nothing; results last until the next run.
	// conv1's output goes to conv2 alone, so conv2's backward pass takes
	// the gradient through conv1's tanh (GradPreAct, InTanh).
	e := b.do(ops.ConvAct{Stride: s1, Inputs: 1, Tanh: true, Data: true, GradPreAct: true, Out: new(ops.Buffer)}, x, p["conv1.w"], p["conv1.b"])
	return b.do(ops.ConvAct{Stride: s2, Inputs: 1, Tanh: true, InTanh: true, Out: new(ops.Buffer)}, e, p["conv2.w"], p["conv2.b"])
}

// project is the input half of the first ConvLSTM layer's gate
// convolution, without its bias: features e [N,Conv2,h2,w2] give
// [N,4*maps,h2,w2]. It depends on one frame alone, so a caller that runs
// overlapping windows (recon) computes it once a frame, with the encoder.
func (b *builder) project(e *G.Node) *G.Node {
	return b.do(ops.Conv{Stride: 1, Pad: kLSTM / 2, Out: new(ops.Buffer)}, e, b.p["lstm1.wx"])
}

// lstm runs the ConvLSTM layers over batch volumes of Length feature maps,
// steps[t] [batch,Conv2,h2,w2] holding step t of each, each volume's state
// from zero; it returns the last layer's hidden maps [batch,maps,h2,w2],
// step by step. Given projected [batch*Length,4*maps1,h2,w2] instead of
// steps, the first layer's gate convolution takes its input half from it,
// computed before (project), step t of each volume read in place.
func (b *builder) lstm(steps G.Nodes, batch int, projected *G.Node) G.Nodes {
	c, p := b.cfg, b.p
	_, _, h2, w2 := c.featureSize()
	if b.err != nil {
		return nil
	}
	type state struct{ h, c *G.Node }
	st := make([]state, len(c.LSTM))
	outs := make(G.Nodes, c.Length)
	for t := 0; t < c.Length; t++ {
		var x *G.Node
		if projected == nil {
			x = steps[t]
		}
		for l, ch := range c.LSTM {
			pre := fmt.Sprintf("lstm%d.", l+1)
			// The gates' pre-activations, one convolution over [x, h]; the
			// first step's h is zero, so its half is skipped.
			var z *G.Node
			switch {
			case l == 0 && projected != nil && st[l].h == nil:
				z = b.do(ops.ConvAct{Stride: 1, Pad: kLSTM / 2, Pre: true, Steps: c.Length, Step: t, Out: new(ops.Buffer)}, projected, p[pre+"b"])
			case l == 0 && projected != nil:
				z = b.do(ops.ConvAct{Stride: 1, Pad: kLSTM / 2, Inputs: 1, Pre: true, Steps: c.Length, Step: t, Out: new(ops.Buffer)},
					projected, st[l].h, p[pre+"wh"], p[pre+"b"])
			case st[l].h == nil:
				z = b.do(ops.ConvAct{Stride: 1, Pad: kLSTM / 2, Inputs: 1, Out: new(ops.Buffer)}, x, p[pre+"wx"], p[pre+"b"])
			default:
				z = b.do(ops.ConvAct{Stride: 1, Pad: kLSTM / 2, Inputs: 2, Out: new(ops.Buffer)}, x, p[pre+"wx"], st[l].h, p[pre+"wh"], p[pre+"b"])
			}
			cp := st[l].c
			if cp == nil {
				cp = G.NewTensor(b.g, tensor.Float32, 4, G.WithShape(batch, ch, h2, w2),
					G.WithName(fmt.Sprintf("c0.%d", l+1)), G.WithInit(G.Zeroes()))
			}
			var cn, hn *G.Node
			if c.Peephole {
				cn = b.do(ops.Gates{Peep: true, Out: new(ops.Buffer)}, z, cp, p[pre+"wci"], p[pre+"wcf"])
				hn = b.do(ops.Gates{Hidden: true, Peep: true, Out: new(ops.Buffer)}, z, cn, p[pre+"wco"])
			} else {
				cn = b.do(ops.Gates{Out: new(ops.Buffer)}, z, cp)
				hn = b.do(ops.Gates{Hidden: true, Out: new(ops.Buffer)}, z, cn)
			}
			st[l] = state{h: hn, c: cn}
			x = hn
		}
		outs[t] = x
	}
	return outs
}

// decode is the decoder, frame by frame: hidden maps d [N,maps,h2,w2]
// give frames [N,C,H,W].
func (b *builder) decode(d *G.Node) *G.Node {
	c, p := b.cfg, b.p
	h1, w1, _, _ := c.featureSize()
	// deconv1's output goes to deconv2 alone (see encode).
	d = b.do(ops.ConvTAct{Stride: s2, OutH: h1, OutW: w1, Tanh: true, GradPreAct: true, Out: new(ops.Buffer)}, d, p["deconv1.w"], p["deconv1.b"])
	return b.do(ops.ConvTAct{Stride: s1, OutH: c.Height, OutW: c.Width, InTanh: true, Out: new(ops.Buffer)}, d, p["deconv2.w"], p["deconv2.b"])
}

// Run runs the graph on a batch: x holds Batch volumes of VolumeFrames
// frames of Channels x Height x Width, volume after volume. Afterwards
// Output, Loss and Grad read the results until the next run.
func (n *Net) Run(x []float32) error {
	dst := n.xt.Data().([]float32)
	c := n.cfg
	vol, in := c.VolumeFrames()*c.FrameValues(), c.Length*c.FrameValues()
	if len(x) != n.Batch*vol {
		return fmt.Errorf("model: batch of %d values, want %d", len(x), n.Batch*vol)
	}
	if vol == in {
		copy(dst, x)
	} else {
		// Each volume's first Length frames go in; with a target tensor,
		// its last Length frames are what the outputs must predict.
		for b := 0; b < n.Batch; b++ {
			v := x[b*vol : (b+1)*vol]
			copy(dst[b*in:(b+1)*in], v[:in])
			if n.tt != nil {
				copy(n.tt.Data().([]float32)[b*in:(b+1)*in], v[vol-in:])
			}
		}
	}
	n.vm.Reset()
	if err := n.vm.RunAll(); err != nil {
		return fmt.Errorf("model: run: %w", err)
	}
	return nil
}

// Output is the last batch's output, Length frames a volume, laid out
// as the input frames: the reconstruction of each input frame, or the
// prediction of its successor. Only nets built without training have
// it: in a training graph the loss reuses the output's memory.
func (n *Net) Output() []float32 { return n.y.Value().Data().([]float32) }

// Loss is the last batch's mean squared error per value against the target.
func (n *Net) Loss() float64 {
	switch v := n.loss.Value().Data().(type) {
	case float32:
		return float64(v)
	case []float32:
		return float64(v[0])
	}
	return 0
}

// Grad is the gradient of the loss for parameter i (Config.Params order).
func (n *Net) Grad(i int) []float32 { return n.grads[i].Value().Data().([]float32) }

// Close releases the graph's machine.
func (n *Net) Close() { n.vm.Close() }
