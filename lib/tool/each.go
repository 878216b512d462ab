// each.go: the read loop every stream-consuming tool shares.

package tool

import (
	"context"
	"errors"
	"fmt"
	"io"

	"stae/lib/stream"
)

// Each reads r's records to the end of the stream and hands each to f.
// It stops with stream.ErrInterrupted once ctx is cancelled, returns the reader's own
// (already worded) errors as they are, and prefixes f's error with the
// record's number. T is the record type the stream's kind implies, or
// stream.Record for a tool that takes several kinds.
func Each[T stream.Record](ctx context.Context, r *stream.Reader, f func(T) error) error {
	for {
		if err := ContextErr(ctx); err != nil {
			return err
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		t, ok := rec.(T)
		if !ok {
			return fmt.Errorf("record %d: %w: got %s", r.Count(), stream.ErrKind, rec.Kind())
		}
		if err := f(t); err != nil {
			return fmt.Errorf("record %d: %w", r.Count(), err)
		}
	}
}
