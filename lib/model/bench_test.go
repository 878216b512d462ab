// Benchmarks: one training step and one inference pass on one volume of
// the paper's model at 227x227 and 115x115, reported as seconds per
// volume, GFLOPS (forward multiply-adds x2, x3 for training) and the Go
// heap's peak in use during the run (RSS: see the package README figures,
// measured with /usr/bin/time -v).
//
//	go test -run - -bench . -benchtime 5x ./lib/model/
package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func benchConfigs() []Config { return []Config{Paper(227, 227), Paper(115, 115)} }

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

func BenchmarkTrainStep(b *testing.B) {
	for _, c := range benchConfigs() {
		b.Run(fmt.Sprintf("%d", c.Height), func(b *testing.B) {
			m, _ := New(c, 1)
			tr := NewTrainer(m, 1e-4, 1)
			defer tr.Close()
			vols := randVolumes(rand.New(rand.NewPCG(1, 1)), c, 1)
			if _, err := tr.Step(vols); err != nil { // build the graph
				b.Fatal(err)
			}
			b.ResetTimer()
			heapPeak(b, func() {
				for i := 0; i < b.N; i++ {
					if _, err := tr.Step(vols); err != nil {
						b.Fatal(err)
					}
				}
			})
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(s, "s/volume")
			b.ReportMetric(3*c.FlopsPerVolume()/s/1e9, "GFLOPS")
		})
	}
}

func BenchmarkInfer(b *testing.B) {
	for _, c := range benchConfigs() {
		b.Run(fmt.Sprintf("%d", c.Height), func(b *testing.B) {
			m, _ := New(c, 1)
			tr := NewTrainer(m, 0, 1)
			defer tr.Close()
			vols := randVolumes(rand.New(rand.NewPCG(1, 1)), c, 1)
			if _, err := tr.Loss(vols); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			heapPeak(b, func() {
				for i := 0; i < b.N; i++ {
					if _, err := tr.Loss(vols); err != nil {
						b.Fatal(err)
					}
				}
			})
			s := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(s, "s/volume")
			b.ReportMetric(c.FlopsPerVolume()/s/1e9, "GFLOPS")
		})
	}
}
