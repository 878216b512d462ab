// progress_test.go: what a meter writes to a pipe (plain periodic lines), to
// a terminal (a bar, then the final line), and when quiet (nothing).

package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// clock is a fake time source advanced by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time                 { return c.t }
func (c *clock) advance(d time.Duration)        { c.t = c.t.Add(d) }
func newClock() *clock                          { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func withClock(m *Meter, c *clock) *Meter       { m.now, m.start, m.last = c.now, c.t, c.t; return m }
func lines(s string) []string                   { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }
func meter(buf *bytes.Buffer, total int) *Meter { return New(buf, "recon", "volumes", total, false) }

func TestPlainLinesEveryInterval(t *testing.T) {
	t.Setenv(EnvEvery, "")
	var buf bytes.Buffer
	c := newClock()
	m := withClock(meter(&buf, 100), c)
	// 10 volumes a second for 7 s: lines at 3 s and 6 s, then the final one.
	for range 70 {
		c.advance(100 * time.Millisecond)
		m.Add(1)
	}
	m.Done()
	want := []string{
		"recon: 30/100 volumes, 10.0 volumes/s, 3s elapsed, 7s left",
		"recon: 60/100 volumes, 10.0 volumes/s, 6s elapsed, 4s left",
		"recon: 70/100 volumes, 10.0 volumes/s, 7s elapsed done",
	}
	if got := lines(buf.String()); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnknownTotalAndNote(t *testing.T) {
	t.Setenv(EnvEvery, "")
	var buf bytes.Buffer
	c := newClock()
	m := withClock(meter(&buf, 0), c)
	m.Note("loss 0.5")
	c.advance(4 * time.Second)
	m.Add(8)
	want := "recon: 8 volumes, 2.0 volumes/s, 4s elapsed, loss 0.5\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestEnvironmentSetsInterval(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{
		{"", Every},
		{"100ms", 100 * time.Millisecond},
		{"0", 0},
		{"-1s", Every},   // negative: ignored
		{"often", Every}, // not a duration: ignored
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv(EnvEvery, tc.env)
			if got := interval(); got != tc.want {
				t.Errorf("interval with %s=%q: %v, want %v", EnvEvery, tc.env, got, tc.want)
			}
		})
	}
}

func TestZeroIntervalWritesEveryUpdate(t *testing.T) {
	t.Setenv(EnvEvery, "0")
	var buf bytes.Buffer
	m := meter(&buf, 3)
	for range 3 {
		m.Add(1)
	}
	m.Done()
	if got := len(lines(buf.String())); got != 4 {
		t.Errorf("%d lines, want 3 updates and the final one:\n%s", got, buf.String())
	}
}

func TestQuietAndNilWriteNothing(t *testing.T) {
	var buf bytes.Buffer
	for name, m := range map[string]*Meter{
		"quiet":      New(&buf, "frames", "frames", 10, true),
		"nil writer": New(nil, "frames", "frames", 10, false),
	} {
		t.Run(name, func(t *testing.T) {
			if m != nil {
				t.Fatalf("New returned a meter")
			}
			m.Add(5) // a nil meter is safe to use
			m.Note("x")
			m.Done()
		})
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}
}

func TestPipeIsNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if IsTerminal(w) {
		t.Error("a pipe counts as a terminal")
	}
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer counts as a terminal")
	}
}

func TestTerminalBarAfterDelay(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	m := withClock(meter(&buf, 100), c)
	m.tty = true // as if buf were a terminal
	c.advance(BarDelay / 2)
	m.Add(10)
	if buf.Len() != 0 {
		t.Fatalf("bar drawn before %v: %q", BarDelay, buf.String())
	}
	c.advance(BarDelay)
	m.Add(10)
	m.Done()
	out := buf.String()
	for _, want := range []string{"recon", "20/100", "volumes/s", "\r"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q: %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "recon: 20/100 volumes, 13.3 volumes/s, 2s elapsed done\n") {
		t.Errorf("output does not end with the final line: %q", out)
	}
}

func TestPrintfBetweenUpdates(t *testing.T) {
	t.Setenv(EnvEvery, "1h")
	var buf bytes.Buffer
	m := meter(&buf, 10)
	m.Add(1)
	m.Printf("epoch %d done", 1)
	m.Printf("already ends in a newline\n")
	var quiet *Meter
	quiet.Printf("never shown")
	if want := "epoch 1 done\nalready ends in a newline\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}
