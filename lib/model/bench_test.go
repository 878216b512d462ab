// Benchmarks: one training step and one inference pass of the paper's
// model at 227x227, 115x115 and 67x67 on batches of 1 and 4 volumes,
// reported as seconds per volume, GFLOPS (forward multiply-adds x2, x3 for
// training) and the Go heap's peak in use during the run. pipeline.sh
// bench runs each in its own process for its peak RSS, beside the PyTorch
// peer; the per-layer figures are in lib/model/ops's benchmarks.
//
//	go test -run '^$' -bench 'BenchmarkInfer/227/batch=1$' -benchtime 5x ./lib/model/

package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func benchConfigs() []Config { return []Config{Paper(227, 227), Paper(115, 115), Paper(67, 67)} }

// heapPeak samples the live heap while f runs.
func heapPeak(b *testing.B, f func()) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	b.ReportMetric(float64(peak)/(1<<20), "heapMB")
}

// benchBatches are the batch sizes each benchmark runs at; pipeline.sh
// bench selects one with e.g. -bench 'BenchmarkTrainStep/227/batch=4$'.
var benchBatches = []int{1, 4}

// BenchmarkTrainStep is one Adam step on a batch of volumes, run as one
// graph (micro-batch = batch).
func BenchmarkTrainStep(b *testing.B) { benchTrainer(b, 1e-4, 3, (*Trainer).Step) }

// BenchmarkInfer is a forward pass over a batch of volumes and each
// volume's error, as recon runs it.
func BenchmarkInfer(b *testing.B) { benchTrainer(b, 0, 1, (*Trainer).Loss) }

// benchTrainer times run (a Trainer's Step or Loss, at learning rate lr)
// on each config and batch size, after one run that builds the graph;
// passes is what one run costs in forward passes (reportSpeed).
func benchTrainer(b *testing.B, lr, passes float64, run func(*Trainer, [][]float32) (float64, error)) {
	for _, c := range benchConfigs() {
		for _, batch := range benchBatches {
			// One trainer serves every call of the benchmark's function (b.N
			// is 1 first, then the count asked for), so that the process's
			// peak memory is one trainer's, as in fit.
			var tr *Trainer
			var vols [][]float32
			b.Run(fmt.Sprintf("%d/batch=%d", c.Height, batch), func(b *testing.B) {
				if tr == nil {
					m, _ := New(c, 1)
					tr = NewTrainer(m, lr, batch)
					vols = randVolumes(rand.New(rand.NewPCG(1, 1)), c, batch)
					if _, err := run(tr, vols); err != nil { // build the graph
						b.Fatal(err)
					}
					b.ResetTimer()
				}
				heapPeak(b, func() {
					for i := 0; i < b.N; i++ {
						if _, err := run(tr, vols); err != nil {
							b.Fatal(err)
						}
					}
				})
				reportSpeed(b, c, batch, passes)
			})
			if tr != nil {
				tr.Close()
			}
		}
	}
}

func reportSpeed(b *testing.B, c Config, batch int, passes float64) {
	s := b.Elapsed().Seconds() / float64(b.N*batch)
	b.ReportMetric(s, "s/volume")
	b.ReportMetric(passes*c.FlopsPerVolume()/s/1e9, "GFLOPS")
}
