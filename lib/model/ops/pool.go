// This file runs the parts of a split op on persistent helper goroutines
// that spin a short while for their next part before they sleep. At batch
// 1 the ConvLSTM's ops come one after another every few hundred µs, each
// split over the cores; starting a goroutine for each part meant waking a
// sleeping thread each time, which cost as much as some parts' work.

package ops

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinFor is how long a helper or a waiting caller spins (yielding to
// other goroutines) before it blocks.
const spinFor = 200 * time.Microsecond

// helper runs one part at a time, handed over in task.
type helper struct {
	task     atomic.Pointer[part]
	sleeping atomic.Bool
	wake     chan struct{} // a token per wake-up of a sleeping helper
}

// part is one part of a split op; done receives once it has run.
type part struct {
	f    func()
	done chan struct{}
}

// helpers is the pool; one split op uses it at a time, others (ops run
// from several goroutines at once) start goroutines as before.
var helpers struct {
	mu sync.Mutex
	hs []*helper
}

func (h *helper) loop() {
	for {
		p := h.next()
		p.f()
		p.done <- struct{}{}
	}
}

// next waits for a part: spinning first, then asleep. The task is stored
// before sleeping is read and sleeping before task is read, so either the
// helper sees the task or the caller sees it asleep and sends a token.
func (h *helper) next() *part {
	start := time.Now()
	for i := 0; ; i++ {
		if p := h.task.Swap(nil); p != nil {
			return p
		}
		if i%32 == 31 && time.Since(start) > spinFor {
			break
		}
		runtime.Gosched()
	}
	for {
		h.sleeping.Store(true)
		if p := h.task.Swap(nil); p != nil {
			if !h.sleeping.CompareAndSwap(true, false) {
				<-h.wake // the caller saw it asleep and sent a token
			}
			return p
		}
		<-h.wake
	}
}

// give hands p to h, waking it if asleep.
func (h *helper) give(p *part) {
	h.task.Store(p)
	if h.sleeping.CompareAndSwap(true, false) {
		h.wake <- struct{}{}
	}
}

// split runs f(0) ... f(w-1), f(w-1) on the calling goroutine and the
// others on helpers, and returns when all have run.
func split(w int, f func(i int)) {
	if w <= 1 {
		if w == 1 {
			f(0)
		}
		return
	}
	if !helpers.mu.TryLock() {
		var wg sync.WaitGroup
		wg.Add(w - 1)
		for i := 0; i < w-1; i++ {
			go func() {
				defer wg.Done()
				f(i)
			}()
		}
		f(w - 1)
		wg.Wait()
		return
	}
	defer helpers.mu.Unlock()
	for len(helpers.hs) < w-1 {
		h := &helper{wake: make(chan struct{}, 1)}
		helpers.hs = append(helpers.hs, h)
		go h.loop()
	}
	done := make(chan struct{}, w-1)
	for i := 0; i < w-1; i++ {
		helpers.hs[i].give(&part{f: func() { f(i) }, done: done})
	}
	f(w - 1)
	start := time.Now()
	for left := w - 1; left > 0; {
		select {
		case <-done:
			left--
			continue
		default:
		}
		if time.Since(start) > spinFor {
			<-done
			left--
			continue
		}
		runtime.Gosched()
	}
}
