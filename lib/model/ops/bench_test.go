// Per-layer benchmarks: each convolution of the paper's model at 227x227
// on one 10-frame volume (the ConvLSTM's on one time step), forward and
// both backward products, reported in GFLOPS so that a regression shows
// which layer and which pass it is in; and the gate and bias passes in
// ns per element.
//
//	go test -run '^$' -bench . ./lib/model/ops/

package ops

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
)

// benchLayer is one convolution: images x [n,c,h,w], weights [o,c,k,k].
type benchLayer struct {
	name             string
	n, c, h, o, k, s int
	p                int
}

// paperLayers are the convolutions of Paper(227, 227) on one volume. The
// decoder's layers are listed as the Conv whose adjoint they are.
var paperLayers = []benchLayer{
	{"conv1", 10, 1, 227, 128, 11, 4, 0},
	{"conv2", 10, 128, 55, 64, 5, 2, 0},
	{"lstm1.x", 1, 64, 26, 256, 3, 1, 1},
	{"lstm1.h", 1, 64, 26, 256, 3, 1, 1},
	{"lstm2.x", 1, 64, 26, 128, 3, 1, 1},
	{"lstm2.h", 1, 32, 26, 128, 3, 1, 1},
	{"lstm3.x", 1, 32, 26, 256, 3, 1, 1},
	{"lstm3.h", 1, 64, 26, 256, 3, 1, 1},
	{"deconv1", 10, 128, 55, 64, 5, 2, 0},
	{"deconv2", 10, 1, 227, 128, 11, 4, 0},
}

func BenchmarkLayers(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, l := range paperLayers {
		g := newGeom(l.c, l.h, l.h, l.k, l.s, l.p)
		x, w, y := randDense(r, l.n, l.c, l.h, l.h), randDense(r, l.o, l.c, l.k, l.k), randDense(r, l.n, l.o, g.oh, g.ow)
		flops := 2 * float64(l.n*l.o*g.rows*g.cols)
		passes := []struct {
			name string
			op   G.Op
			in   []G.Value
		}{
			{"forward", Conv{Stride: l.s, Pad: l.p}, []G.Value{x, w}},
			{"input-grad", ConvT{Stride: l.s, Pad: l.p, OutH: l.h, OutW: l.h}, []G.Value{y, w}},
			{"weight-grad", ConvGradW{Stride: l.s, Pad: l.p, K: l.k}, []G.Value{x, y}},
		}
		if l.name[0] == 'd' {
			// A deconvolution runs ConvT forward and Conv for its input's
			// gradient.
			passes[0], passes[1] = passes[1], passes[0]
			passes[0].name, passes[1].name = "forward", "input-grad"
		}
		for _, p := range passes {
			b.Run(l.name+"/"+p.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := p.op.Do(p.in...); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
			})
		}
	}
}

// BenchmarkElementwise times the passes over activations, per element of
// their output: the gates of the widest ConvLSTM step and the tanh bias of
// the first layer on one volume.
func BenchmarkElementwise(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	z, c, gr := randDense(r, 1, 256, 26, 26), randDense(r, 1, 64, 26, 26), randDense(r, 1, 64, 26, 26)
	peep := randDense(r, 64, 26, 26)
	x, bias := randDense(r, 10, 128, 55, 55), randDense(r, 128)
	cases := []struct {
		name string
		op   G.Op
		in   []G.Value
		n    int
	}{
		{"cell", Gates{Peep: true}, []G.Value{z, c, peep, peep}, c.Size()},
		{"cell-back", GatesBack{Peep: true}, []G.Value{z, c, peep, peep, gr}, c.Size()},
		{"hidden", Gates{Hidden: true, Peep: true}, []G.Value{z, c, peep}, c.Size()},
		{"hidden-back", GatesBack{Hidden: true, Peep: true}, []G.Value{z, c, peep, gr}, c.Size()},
		{"bias-tanh", BiasAct{Tanh: true}, []G.Value{x, bias}, x.Size()},
		{"tanh-grad", TanhGrad{}, []G.Value{x, x}, x.Size()},
		{"channel-sum", ChannelSum{}, []G.Value{x}, x.Size()},
	}
	for _, cs := range cases {
		b.Run(cs.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := cs.op.Do(cs.in...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(cs.n), "ns/elem")
		})
	}
}
