// Package streamtest builds stae streams for tests, so each tool's tests do
// not carry their own copy of the write loop.
package streamtest

import (
	"bytes"
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
