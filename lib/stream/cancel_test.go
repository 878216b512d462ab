// Tests of CancelReader: a reader blocked on a quiet upstream gives up when
// its context is cancelled, and the stream reader says "interrupted".

package stream

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

func TestCancelReader(t *testing.T) {
	var whole bytes.Buffer
	w, err := NewWriter(&whole, NewHeader(KindScore, nil, Stage{Tool: "test"}), false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := w.Write(&Score{Video: "v", Frame: i, Error: 1, Regularity: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b := whole.Bytes()
	cut := len(b) - 3 // inside the last record

	tests := []struct {
		name  string
		sent  []byte // written before the upstream goes quiet
		reads int    // records read before the cancellation
	}{
		{"waiting for the header", nil, 0},
		{"waiting inside a record", b[:cut], 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			defer pw.Close()
			go pw.Write(tt.sent)
			ctx, cancel := context.WithCancel(context.Background())
			src := CancelReader(ctx, pr)
			var r *Reader
			if tt.sent != nil {
				var err error
				if r, err = NewReader(src, KindScore); err != nil {
					t.Fatal(err)
				}
				for range tt.reads {
					if _, err := r.Next(); err != nil {
						t.Fatal(err)
					}
				}
			}
			cancel()
			if r == nil {
				_, err := NewReader(src, KindScore)
				if !errors.Is(err, ErrInterrupted) || err.Error() != "interrupted" {
					t.Fatalf("NewReader: got %v, want interrupted", err)
				}
				return
			}
			_, err := r.Next()
			if !errors.Is(err, ErrInterrupted) || err.Error() != "interrupted" {
				t.Fatalf("Next: got %v, want interrupted", err)
			}
		})
	}
}

func TestCancelReaderPassesData(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got, err := io.ReadAll(CancelReader(ctx, bytes.NewReader([]byte("every byte arrives"))))
	if err != nil || string(got) != "every byte arrives" {
		t.Fatalf("got %q, %v", got, err)
	}
}
