package model

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStagesAreNet checks that the encoder, ConvLSTM and decoder stages
// run in a row give Net's output, with runs of the stages cut into full
// and shorter ones.
func TestStagesAreNet(t *testing.T) {
	for _, tc := range tinyCases() {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			m, err := New(c, 3)
			if err != nil {
				t.Fatal(err)
			}
			vols := randVolumes(rand.New(rand.NewPCG(5, 6)), c, 5)
			tr := NewTrainer(m, 0, 5)
			defer tr.Close()
			var want []float32
			if err := tr.Reconstruct(vols, func(_ int, _, y []float32) { want = append(want, y...) }); err != nil {
				t.Fatal(err)
			}
			st, err := NewStages(m, 2) // runs of 2, 2 and 1 windows
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var in []float32
			for _, v := range vols {
				in = append(in, v[:c.Length*c.FrameValues()]...)
			}
			feat := make([]float32, 0, len(vols)*c.Length*st.FeatureValues())
			if err := st.Encode(in, func(_ int, f []float32) { feat = append(feat, f...) }); err != nil {
				t.Fatal(err)
			}
			var hid []float32
			if err := st.LSTM(feat, func(_ int, h []float32) { hid = append(hid, h...) }); err != nil {
				t.Fatal(err)
			}
			var got []float32
			if err := st.Decode(hid, func(_ int, y []float32) { got = append(got, y...) }); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d outputs, want %d", len(got), len(want))
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("output %d: %g, want %g", i, got[i], want[i])
				}
			}
		})
	}
}
