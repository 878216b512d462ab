// This file holds the model's learnable tensors and their initialisation.

package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Tensor is a named float32 tensor in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Model is a configuration and its learnable tensors, in Config.Params
// order.
type Model struct {
	Config Config
	Params []Tensor
}

// New returns a model with freshly initialised weights: Glorot-uniform
// kernels (Keras's default, which the paper used), zero biases except the
// forget gates' at one (Keras's unit_forget_bias), zero peepholes.
// The same seed gives the same weights.
func New(c Config, seed uint64) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x5ea5eed))
	m := &Model{Config: c}
	for _, p := range c.Params() {
		t := Tensor{Name: p.Name, Shape: p.Shape, Data: make([]float32, size(p.Shape))}
		switch {
		case len(p.Shape) == 4:
			rf := p.Shape[2] * p.Shape[3]
			limit := math.Sqrt(6 / float64((p.Shape[0]+p.Shape[1])*rf))
			for i := range t.Data {
				t.Data[i] = float32((2*r.Float64() - 1) * limit)
			}
		case strings.HasPrefix(p.Name, "lstm") && strings.HasSuffix(p.Name, ".b"):
			ch := p.Shape[0] / 4
			for i := ch; i < 2*ch; i++ {
				t.Data[i] = 1
			}
		}
		m.Params = append(m.Params, t)
	}
	return m, nil
}

// Param returns the named tensor, or nil.
func (m *Model) Param(name string) *Tensor {
	for i := range m.Params {
		if m.Params[i].Name == name {
			return &m.Params[i]
		}
	}
	return nil
}

// Clone returns a deep copy.
func (m *Model) Clone() *Model {
	r := &Model{Config: m.Config}
	r.Config.LSTM = append([]int(nil), m.Config.LSTM...)
	for _, t := range m.Params {
		r.Params = append(r.Params, Tensor{Name: t.Name, Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)})
	}
	return r
}

// CopyFrom overwrites m's tensors with o's, which must have the same
// configuration.
func (m *Model) CopyFrom(o *Model) {
	for i := range m.Params {
		copy(m.Params[i].Data, o.Params[i].Data)
	}
}

// Check reports whether m's tensors are exactly those its configuration
// calls for, as a loaded checkpoint must be.
func (m *Model) Check() error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	want := m.Config.Params()
	if len(m.Params) != len(want) {
		return fmt.Errorf("%d tensors, configuration wants %d", len(m.Params), len(want))
	}
	for i, p := range want {
		t := m.Params[i]
		if t.Name != p.Name || !slices.Equal(t.Shape, p.Shape) || len(t.Data) != size(p.Shape) {
			return fmt.Errorf("tensor %d is %s %v, configuration wants %s %v", i, t.Name, t.Shape, p.Name, p.Shape)
		}
	}
	return nil
}

func size(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}
