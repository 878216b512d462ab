// BenchmarkReconPerFrame: recon's time per frame in the steady state of a
// stride-1 stream, the figure pipeline.sh bench puts beside PyTorch's time
// per volume. One iteration is one frame, so -benchtime 40x times 40:
//
//	go test -run '^$' -bench 'BenchmarkReconPerFrame/227/last$' -benchtime 40x ./recon/

package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"stae/lib/model"
	"stae/lib/stream"
)

// benchBatch is recon's default --batch, the batch the live chain runs.
const benchBatch = 4

// BenchmarkReconPerFrame drives recon's own path (process, then
// writeFinal, as run's loop calls them once a batch is full: each frame
// encoded once, the ConvLSTM per window, the decoder on the outputs kept)
// over the windows volumes cuts from one endless video at stride 1, with
// the paper's model untrained (the weights do not change the work). The
// first three batches, which build the graphs and fill the frame cache,
// are not timed. Only reading the volume stream is left out: a copy of
// each volume's values.
func BenchmarkReconPerFrame(b *testing.B) {
	for _, size := range []int{227, 115, 67} {
		for _, mode := range []string{"mean", "last"} {
			b.Run(fmt.Sprintf("%d/%s", size, mode), func(b *testing.B) { benchRecon(b, size, mode == "last") })
		}
	}
}

func benchRecon(b *testing.B, size int, last bool) {
	c := model.Paper(size, size)
	m, err := model.New(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	r := &recon{last: last, batch: benchBatch, accs: map[int]*acc{}, px: size * size, planes: 1, shape: []int{size, size}}
	if r.st, err = model.NewStages(m, r.batch); err != nil {
		b.Fatal(err)
	}
	defer r.st.Close()
	hdr := stream.NewHeader(stream.KindError, nil, stream.Stage{Tool: "recon"})
	if r.w, err = stream.NewWriter(io.Discard, hdr, false); err != nil {
		b.Fatal(err)
	}
	// A few distinct frames, repeated: frame f shows pool[f%len(pool)].
	rng := rand.New(rand.NewPCG(1, 1))
	pool := make([][]float32, 16)
	for i := range pool {
		pool[i] = make([]float32, r.px)
		for j := range pool[i] {
			pool[i][j] = float32(rng.NormFloat64())
		}
	}
	T := c.Length
	first := 0 // the next window's first frame
	batch := func() {
		b.StopTimer()
		vs := make([]*stream.Volume, r.batch)
		for i := range vs {
			v := &stream.Volume{Video: "Cam", Shape: []int{T, size, size}, Data: make([]float32, 0, T*r.px)}
			for f := first; f < first+T; f++ {
				v.Frames = append(v.Frames, f)
				v.Data = append(v.Data, pool[f%len(pool)]...)
			}
			vs[i] = v
			first++
		}
		b.StartTimer()
		if err := r.process(vs); err != nil {
			b.Fatal(err)
		}
		if err := r.writeFinal(vs[len(vs)-1], T); err != nil {
			b.Fatal(err)
		}
	}
	for range 3 {
		batch()
	}
	b.ResetTimer()
	frames := 0
	for frames < b.N {
		batch()
		frames += r.batch
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(frames), "s/frame")
}
