// This file spreads an op's work over the cores: parallel, perImage and
// eachImage split it, and split runs the parts on a pool of persistent
// helper goroutines that spin a short while for their next part before
// they sleep. At batch 1 the ConvLSTM's ops come one after another every
// few hundred µs, each split over the cores; starting a goroutine for each
// part meant waking a sleeping thread each time, which cost as much as
// some parts' work.

package ops

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workers is the number of cores the ops spread work over.
func workers() int { return runtime.GOMAXPROCS(0) }

// parallel runs f over [0, n) split into one contiguous range per core;
// work smaller than minWork items runs on the calling goroutine.
func parallel(n, minWork int, f func(lo, hi int)) {
	w := workers()
	if w > n {
		w = n
	}
	if w <= 1 || n < minWork {
		f(0, n)
		return
	}
	split(w, func(i int) { f(i*n/w, (i+1)*n/w) })
}

// perImage runs f(col, w, i) for images 0..n-1, one worker per core, each
// with its own column buffer of size cols.
func perImage(n, cols int, f func(col []float32, w, i int)) {
	workers := min(n, workers())
	if workers < 1 {
		return
	}
	run := func(w int) {
		col := getScratch(cols)
		defer putScratch(col)
		for i := w; i < n; i += workers {
			f(*col, w, i)
		}
	}
	split(workers, run)
}

// eachImage is perImage for work whose result does not depend on which
// worker runs which image: the workers take the next image as they come
// free, so one slowed or started late (a helper waking, the OS running
// something else) does not leave the other idle at the end.
func eachImage(n, cols int, f func(col []float32, i int)) {
	workers := min(n, workers())
	var next atomic.Int64
	split(workers, func(int) {
		col := getScratch(cols)
		defer putScratch(col)
		for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
			f(*col, i)
		}
	})
}

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
