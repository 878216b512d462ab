// cancel.go: an input that stops waiting when the tool is told to stop, so
// a signalled tool whose upstream has gone quiet still exits promptly.

package stream

import (
	"context"
	"errors"
	"io"
)

// ErrInterrupted is what a CancelReader returns once its context is done.
var ErrInterrupted = errors.New("interrupted")

// CancelReader returns a reader of r whose reads return ErrInterrupted as
// soon as ctx is done, even while r blocks (a pipe from an upstream that
// writes nothing; a read from os.Stdin cannot be unblocked otherwise). Each
// read runs in its own goroutine into a private buffer, so a read left
// behind by a cancellation never writes into the caller's memory.
func CancelReader(ctx context.Context, r io.Reader) io.Reader {
	if ctx.Done() == nil {
		return r
	}
	return &cancelReader{ctx: ctx, r: r, res: make(chan readResult, 1)}
}

type cancelReader struct {
	ctx context.Context
	r   io.Reader
	buf []byte
	res chan readResult
}

type readResult struct {
	n   int
	err error
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, ErrInterrupted
	}
	if len(p) == 0 {
		return 0, nil
	}
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	buf := c.buf[:len(p)]
	go func() {
		n, err := c.r.Read(buf)
		c.res <- readResult{n, err}
	}()
	select {
	case r := <-c.res:
		copy(p, buf[:r.n])
		return r.n, r.err
	case <-c.ctx.Done():
		c.buf = nil // the abandoned read may still fill it
		return 0, ErrInterrupted
	}
}
