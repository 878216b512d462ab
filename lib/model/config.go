// Package model is the spatiotemporal autoencoder of Chong & Tay 2017:
// a per-frame spatial encoder (Conv 11x11/4, Conv 5x5/2, tanh), three
// ConvLSTM layers run over the T frames of a volume, and a per-frame
// decoder (Deconv 5x5/2, tanh, Deconv 11x11/4) back to the input size.
// It is built as a gorgonia graph from the ops in lib/model/ops, and
// trained with Adam; fit and recon share it, and lib/model/checkpoint
// stores it.
package model

import (
	"fmt"
	"math"
)

// Config is everything that fixes the model's shape. The paper's model is
// Paper(227, 227); smaller inputs and narrower layers keep the same
// structure for machines without a GPU and for tests.
type Config struct {
	Height   int   `json:"height"`
	Width    int   `json:"width"`
	Length   int   `json:"length"`   // T, frames per volume
	Conv1    int   `json:"conv1"`    // maps of Conv 11x11/4 [128]
	Conv2    int   `json:"conv2"`    // maps of Conv 5x5/2 [64]
	LSTM     []int `json:"lstm"`     // maps of the ConvLSTM layers [64 32 64]
	Deconv1  int   `json:"deconv1"`  // maps of Deconv 5x5/2 [128]
	Peephole bool  `json:"peephole"` // Hadamard peepholes on the cell state
	// Channels is the planes of each input frame [1: gray appearance];
	// 0, as in checkpoints written before channels existed, reads as 1.
	Channels int `json:"channels,omitempty"`
	// Target is what the decoder is trained to produce: the input volume
	// itself [TargetReconstruct, the paper] or each frame's successor
	// (TargetNext), which a network cannot copy through.
	Target Target `json:"target,omitempty"`
}

// Target names what the model is trained to output. Append-only.
type Target string

const (
	// TargetReconstruct: output t reconstructs input frame t (the paper).
	TargetReconstruct Target = ""
	// TargetNext: output t predicts frame t+1 from frames 0..t; a volume
	// then holds Length+1 frames, the first Length in, the last Length
	// the targets.
	TargetNext Target = "next"
)

// ParseTarget reads a target's name as fit's --target flag gives it.
func ParseTarget(s string) (Target, error) {
	switch s {
	case "reconstruct", "":
		return TargetReconstruct, nil
	case "next":
		return TargetNext, nil
	}
	return "", fmt.Errorf("unknown target %q (reconstruct or next)", s)
}

// String is the target's name as flags and reports write it.
func (t Target) String() string {
	if t == TargetReconstruct {
		return "reconstruct"
	}
	return string(t)
}

// InChannels is the number of planes per frame, in and out.
func (c Config) InChannels() int { return max(1, c.Channels) }

// VolumeFrames is the number of frames a volume must hold for this
// model: Length, or Length+1 when each output predicts the next frame.
func (c Config) VolumeFrames() int {
	if c.Target == TargetNext {
		return c.Length + 1
	}
	return c.Length
}

// FrameValues is the number of values in one frame: channels x H x W.
func (c Config) FrameValues() int { return c.InChannels() * c.Height * c.Width }

// MaxChannels bounds the planes per frame (gray, a difference, two flow
// components and then some).
const MaxChannels = 16

// Layer geometry, fixed by the paper.
const (
	k1, s1 = 11, 4 // Conv 11x11 stride 4 and its mirror
	k2, s2 = 5, 2  // Conv 5x5 stride 2 and its mirror
	kLSTM  = 3     // ConvLSTM kernels, "same" padding
)

// Paper returns the paper's configuration at the given frame size, with
// volumes of 10 frames and peepholes.
func Paper(height, width int) Config {
	return Config{Height: height, Width: width, Length: 10, Conv1: 128, Conv2: 64,
		LSTM: []int{64, 32, 64}, Deconv1: 128, Peephole: true}
}

// Scaled returns c with every layer's maps multiplied by f (at least one
// map each): Scaled(0.25) of the paper is 32, 16, 16-8-16, 32.
func (c Config) Scaled(f float64) Config {
	s := func(n int) int { return max(1, int(math.Round(float64(n)*f))) }
	r := c
	r.Conv1, r.Conv2, r.Deconv1 = s(c.Conv1), s(c.Conv2), s(c.Deconv1)
	r.LSTM = make([]int, len(c.LSTM))
	for i, n := range c.LSTM {
		r.LSTM[i] = s(n)
	}
	return r
}

// Sides returns the feature map sides after the first and second
// convolutions for an input side, and whether the decoder maps them back
// onto exactly that side.
func Sides(side int) (h1, h2 int, ok bool) {
	if side < k1 {
		return 0, 0, false
	}
	h1 = (side-k1)/s1 + 1
	if h1 < k2 {
		return h1, 0, false
	}
	h2 = (h1-k2)/s2 + 1
	return h1, h2, (h2-1)*s2+k2 == h1 && (h1-1)*s1+k1 == side
}

// NearestSides returns the closest valid sides below and above side (0
// where there is none below).
func NearestSides(side int) (below, above int) {
	// Valid sides are 8 apart, so both searches end within 8 steps; the
	// bound keeps the upward one from overflowing on absurd input.
	side = min(side, 1<<30)
	for s := side; s >= k1; s-- {
		if _, _, ok := Sides(s); ok {
			below = s
			break
		}
	}
	for s := max(side, k1); ; s++ {
		if _, _, ok := Sides(s); ok {
			return below, s
		}
	}
}

// Validate reports the first thing wrong with c, naming the nearest valid
// sizes when a side does not close the layer shapes.
func (c Config) Validate() error {
	for _, d := range []struct {
		name string
		side int
	}{{"height", c.Height}, {"width", c.Width}} {
		if _, _, ok := Sides(d.side); !ok {
			b, a := NearestSides(d.side)
			if b == 0 {
				return fmt.Errorf("%s %d does not close the layer shapes; the smallest that does is %d", d.name, d.side, a)
			}
			return fmt.Errorf("%s %d does not close the layer shapes; the nearest that do are %d and %d", d.name, d.side, b, a)
		}
	}
	if c.Length < 1 {
		return fmt.Errorf("volume length %d, want at least 1", c.Length)
	}
	if c.Channels < 0 || c.Channels > MaxChannels {
		return fmt.Errorf("%d input channels, want 1 to %d", c.Channels, MaxChannels)
	}
	if _, err := ParseTarget(string(c.Target)); err != nil {
		return err
	}
	if len(c.LSTM) == 0 {
		return fmt.Errorf("no ConvLSTM layers")
	}
	for _, n := range append([]int{c.Conv1, c.Conv2, c.Deconv1}, c.LSTM...) {
		if n < 1 {
			return fmt.Errorf("layer widths %d, %d, %v, %d: each needs at least one map", c.Conv1, c.Conv2, c.LSTM, c.Deconv1)
		}
	}
	return nil
}

// featureSize is the ConvLSTM's map size, h2 x w2.
func (c Config) featureSize() (h1, w1, h2, w2 int) {
	h1, h2, _ = Sides(c.Height)
	w1, w2, _ = Sides(c.Width)
	return
}

// ParamShape is one learnable tensor.
type ParamShape struct {
	Name  string
	Shape []int
}

// Params lists the learnable tensors in a fixed order.
func (c Config) Params() []ParamShape {
	_, _, h2, w2 := c.featureSize()
	ch := c.InChannels()
	p := []ParamShape{
		{"conv1.w", []int{c.Conv1, ch, k1, k1}}, {"conv1.b", []int{c.Conv1}},
		{"conv2.w", []int{c.Conv2, c.Conv1, k2, k2}}, {"conv2.b", []int{c.Conv2}},
	}
	in := c.Conv2
	for i, maps := range c.LSTM {
		n := fmt.Sprintf("lstm%d.", i+1)
		p = append(p,
			ParamShape{n + "wx", []int{4 * maps, in, kLSTM, kLSTM}},
			ParamShape{n + "wh", []int{4 * maps, maps, kLSTM, kLSTM}},
			ParamShape{n + "b", []int{4 * maps}})
		if c.Peephole {
			p = append(p,
				ParamShape{n + "wci", []int{maps, h2, w2}},
				ParamShape{n + "wcf", []int{maps, h2, w2}},
				ParamShape{n + "wco", []int{maps, h2, w2}})
		}
		in = maps
	}
	return append(p,
		ParamShape{"deconv1.w", []int{in, c.Deconv1, k2, k2}}, ParamShape{"deconv1.b", []int{c.Deconv1}},
		ParamShape{"deconv2.w", []int{c.Deconv1, ch, k1, k1}}, ParamShape{"deconv2.b", []int{ch}})
}

// FlopsPerVolume is the multiply-adds of one forward pass over one volume,
// times two: the figure benchmarks divide by time.
func (c Config) FlopsPerVolume() float64 {
	h1, w1, h2, w2 := c.featureSize()
	planes := float64(c.InChannels())
	macs := planes*float64(h1*w1*c.Conv1*k1*k1) + float64(h2*w2*c.Conv2*c.Conv1*k2*k2)
	in := c.Conv2
	for _, maps := range c.LSTM {
		macs += float64(h2 * w2 * 4 * maps * (in + maps) * kLSTM * kLSTM)
		in = maps
	}
	macs += float64(h2*w2*in*c.Deconv1*k2*k2) + planes*float64(h1*w1*c.Deconv1*k1*k1)
	return 2 * macs * float64(c.Length)
}
