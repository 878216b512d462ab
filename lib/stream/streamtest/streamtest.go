// Package streamtest builds and reads stae streams for tests, so each tool's
// tests do not carry their own copy of the write or the read loop.
package streamtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"stae/lib/stream"
)

// Encode writes h, then recs, as msgpack or (asJSON) NDJSON, and returns the
// bytes; any error fails t.
func Encode(t testing.TB, h stream.Header, asJSON bool, recs ...stream.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := stream.NewWriter(&buf, h, asJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Header is a header of kind made by one stage of the given tool with the
// given parameters.
func Header(kind stream.Kind, tool string, params map[string]any) stream.Header {
	return stream.NewHeader(kind, nil, stream.Stage{Tool: tool, Version: "1", Args: []string{}, Params: params})
}

// Decode reads a stream of kind from b and returns its header and records,
// each of which must be a T (stream.Record takes any); any error fails t.
func Decode[T stream.Record](t testing.TB, b []byte, kind stream.Kind) (*stream.Header, []T) {
	t.Helper()
	r, err := stream.NewReader(bytes.NewReader(b), kind)
	if err != nil {
		t.Fatal(err)
	}
	var recs []T
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Header(), recs
		}
		if err != nil {
			t.Fatal(err)
		}
		x, ok := rec.(T)
		if !ok {
			t.Fatalf("record %d: a %T, want %T", r.Count(), rec, x)
		}
		recs = append(recs, x)
	}
}

// RunFunc is a tool's run: its arguments (the tool's name first), stdin,
// stdout and stderr in, the exit code out.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// Run runs a tool in process with in on stdin and, when it exits 0,
// decodes its stdout as a stream of kind (as Decode): it returns the
// header and records (nil on a non-zero exit), stderr and the exit code.
func Run[T stream.Record](t testing.TB, run RunFunc, kind stream.Kind, in []byte, args ...string) (*stream.Header, []T, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, bytes.NewReader(in), &out, &errb)
	if code != 0 {
		return nil, nil, errb.String(), code
	}
	h, recs := Decode[T](t, out.Bytes(), kind)
	return h, recs, errb.String(), code
}

// Refusal is a run a tool must refuse: with In on stdin and Args after
// its name, it exits Code and writes exactly Stderr.
type Refusal struct {
	Name   string
	In     []byte
	Args   []string
	Code   int
	Stderr string
}

// Refuses runs each refusal as a subtest of t, through run as tool.
func Refuses(t *testing.T, run RunFunc, tool string, cases []Refusal) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{tool}, c.Args...), bytes.NewReader(c.In), &out, &errb)
			if code != c.Code || errb.String() != c.Stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, errb.String(), c.Code, c.Stderr)
			}
		})
	}
}
