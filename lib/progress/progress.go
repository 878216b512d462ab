// Package progress reports long work on stderr. When stderr is a terminal
// it draws a bar (github.com/schollz/progressbar) with the count, the rate
// and the time left, once the work has lasted a moment, so short runs stay
// silent until their last line. Otherwise (a pipe, a log file) it writes a
// plain line every few seconds (count, rate, time left when the total is
// known), so logs stay readable. Either way Done writes one final plain line
// with the totals. A quiet meter writes nothing.
//
// The plain-line interval is Every, or the environment variable
// STAE_PROGRESS_EVERY when set (a Go duration such as 100ms; 0 writes a line
// on every update), which is how tests and impatient users shorten it.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Every is how often a plain line is written, unless STAE_PROGRESS_EVERY
// says otherwise.
var Every = 3 * time.Second

// BarDelay is how long work must last before a terminal gets a bar; shorter
// work shows only the final line.
var BarDelay = time.Second

// EnvEvery names the environment variable that overrides Every.
const EnvEvery = "STAE_PROGRESS_EVERY"

// Meter counts work done and reports it periodically.
type Meter struct {
	mu    sync.Mutex
	w     io.Writer
	name  string
	unit  string
	note  string
	total int
	n     int
	every time.Duration
	start time.Time
	last  time.Time
	now   func() time.Time

	tty   bool                     // w is a terminal: draw a bar, not lines
	bar   *progressbar.ProgressBar // created at the first update
	shown bool                     // the work has lasted BarDelay: the bar is drawn
}

// New returns a meter writing to w as "name: n/total unit, rate, left"; total
// 0 means unknown. A nil or quiet meter does nothing.
func New(w io.Writer, name, unit string, total int, quiet bool) *Meter {
	if quiet || w == nil {
		return nil
	}
	t := time.Now()
	return &Meter{w: w, name: name, unit: unit, total: total, every: interval(), start: t, last: t,
		now: time.Now, tty: IsTerminal(w)}
}

// interval is Every, or STAE_PROGRESS_EVERY when it holds a valid duration.
func interval() time.Duration {
	if s := os.Getenv(EnvEvery); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d >= 0 {
			return d
		}
	}
	return Every
}

// IsTerminal reports whether w is a file open on a terminal; only then is a
// bar (carriage returns, redraws) welcome.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Terminal reports whether the meter draws a bar (its writer is a
// terminal); a tool that writes its own plain lines keeps them otherwise.
func (m *Meter) Terminal() bool { return m != nil && m.tty }

// Note sets a short detail shown after the count (e.g. "loss 0.0123"); it
// appears in the next line or redraw.
func (m *Meter) Note(s string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.note = s
	if m.bar != nil {
		m.bar.Describe(m.describe())
	}
}

// Printf writes a line of its own (e.g. an epoch's summary) without
// garbling the bar: the bar is cleared first and redrawn at the next Add.
// A nil (quiet) meter writes nothing.
func (m *Meter) Printf(format string, args ...any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bar != nil {
		_ = m.bar.Clear()
	}
	fmt.Fprintf(m.w, strings.TrimSuffix(format, "\n")+"\n", args...)
}

// Add counts k more units and reports them when a report is due.
func (m *Meter) Add(k int) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n += k
	t := m.now()
	if m.tty {
		m.drawBar(t, k)
		return
	}
	if t.Sub(m.last) >= m.every {
		m.last = t
		m.line(t, "")
	}
}

// Done writes the final line with the totals, clearing the bar if one was
// drawn.
func (m *Meter) Done() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.bar != nil {
		_ = m.bar.Clear() // through the gate: nothing if never shown
		m.bar = nil
	}
	m.line(m.now(), " done")
}

// drawBar advances the bar. The bar counts from the start, so its rate is
// right, but what it draws is held back until the work has lasted BarDelay.
func (m *Meter) drawBar(t time.Time, k int) {
	if m.bar == nil {
		max := -1 // unknown total: a spinner with count and rate
		if m.total > 0 {
			max = m.total
		}
		m.bar = progressbar.NewOptions(max,
			progressbar.OptionSetWriter(gate{m}),
			progressbar.OptionSetDescription(m.describe()),
			progressbar.OptionSetItsString(m.unit),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionUseANSICodes(true),
		)
	}
	m.shown = m.shown || t.Sub(m.start) >= BarDelay
	_ = m.bar.Add(k) // a failed redraw on stderr is not worth stopping for
}

// gate passes the bar's drawing to the meter's writer once it is shown.
type gate struct{ m *Meter }

func (g gate) Write(p []byte) (int, error) {
	if !g.m.shown {
		return len(p), nil
	}
	return g.m.w.Write(p)
}

func (m *Meter) describe() string {
	if m.note == "" {
		return m.name
	}
	return m.name + " (" + m.note + ")"
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
	if m.note != "" {
		msg += ", " + m.note
	}
	fmt.Fprintln(m.w, msg+suffix)
}

func round(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Second)
}
