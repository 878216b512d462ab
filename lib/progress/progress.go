// Package progress reports long work on stderr: a plain line every few
// seconds (count, rate, time left when the total is known), so logs stay
// readable, and nothing when quiet.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Every is how often a line is written.
var Every = 3 * time.Second

// Meter counts work done and reports it periodically.
type Meter struct {
	mu    sync.Mutex
	w     io.Writer
	name  string
	unit  string
	total int
	n     int
	start time.Time
	last  time.Time
	now   func() time.Time
}

// New returns a meter writing to w as "name: n/total unit, rate, left"; total
// 0 means unknown. A nil or quiet meter does nothing.
func New(w io.Writer, name, unit string, total int, quiet bool) *Meter {
	if quiet || w == nil {
		return nil
	}
	t := time.Now()
	return &Meter{w: w, name: name, unit: unit, total: total, start: t, last: t, now: time.Now}
}

// Add counts k more units and writes a line when one is due.
func (m *Meter) Add(k int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n += k
	if t := m.now(); t.Sub(m.last) >= Every {
		m.last = t
		m.line(t, "")
	}
}

// Done writes the final line with the totals.
func (m *Meter) Done() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.line(m.now(), " done")
}

func (m *Meter) line(t time.Time, suffix string) {
	el := t.Sub(m.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(m.n) / el
	}
	count := fmt.Sprint(m.n)
	if m.total > 0 {
		count = fmt.Sprintf("%d/%d", m.n, m.total)
	}
	msg := fmt.Sprintf("%s: %s %s, %.1f %s/s, %s elapsed", m.name, count, m.unit, rate, m.unit, round(el))
	if m.total > 0 && rate > 0 && m.n < m.total && suffix == "" {
		msg += fmt.Sprintf(", %s left", round(float64(m.total-m.n)/rate))
	}
	fmt.Fprintln(m.w, msg+suffix)
}

func round(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}
