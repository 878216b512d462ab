package tool

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

func scoreStream(t *testing.T, n int) *stream.Reader {
	t.Helper()
	var recs []stream.Record
	for i := range n {
		recs = append(recs, &stream.Score{Video: "A", Frame: i})
	}
	b := streamtest.Encode(t, streamtest.Header(stream.KindScore, "test", nil), false, recs...)
	r, err := stream.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEach(t *testing.T) {
	t.Run("every record, in order", func(t *testing.T) {
		var got []int
		err := Each(context.Background(), scoreStream(t, 3), func(s *stream.Score) error {
			got = append(got, s.Frame)
			return nil
		})
		if err != nil || len(got) != 3 || got[0] != 0 || got[2] != 2 {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("an error names its record", func(t *testing.T) {
		err := Each(context.Background(), scoreStream(t, 3), func(s *stream.Score) error {
			if s.Frame == 1 {
				return errors.New("boom")
			}
			return nil
		})
		if err == nil || err.Error() != "record 2: boom" {
			t.Errorf("got %v, want record 2: boom", err)
		}
	})
	t.Run("a cancelled context interrupts", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := Each(ctx, scoreStream(t, 3), func(*stream.Score) error { return nil }); !errors.Is(err, stream.ErrInterrupted) {
			t.Errorf("got %v, want stream.ErrInterrupted", err)
		}
	})
	t.Run("a record of another type", func(t *testing.T) {
		err := Each(context.Background(), scoreStream(t, 1), func(*stream.Frame) error { return nil })
		if !errors.Is(err, stream.ErrKind) {
			t.Errorf("got %v, want ErrKind", err)
		}
	})
}
