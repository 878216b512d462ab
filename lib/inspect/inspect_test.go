// inspect_test.go: the JSON view of each record kind, header-only mode, and
// whole records that read back as a stream.

package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

func encode(t *testing.T, kind stream.Kind, recs ...stream.Record) []byte {
	t.Helper()
	return streamtest.Encode(t, streamtest.Header(kind, "test", map[string]any{"width": 2}), false, recs...)
}

const header = `{"magic":"stae","version":1,"kind":"%s","provenance":[{"tool":"test","version":"1","args":[],"params":{"width":2}}]}`

func TestSummarisedView(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind stream.Kind
		rec  stream.Record
		want string
	}{
		{"frame", stream.KindFrame, &stream.Frame{Video: "A", Frame: 3, Shape: []int{1, 4}, Data: []float32{-1, 0, 2, 3}},
			`{"video":"A","frame":3,"shape":[1,4],"data":{"shape":[1,4],"min":-1,"max":3,"mean":1}}`},
		{"volume", stream.KindVolume, &stream.Volume{Video: "A", Frames: []int{0, 2}, Shape: []int{2, 1, 1}, Data: []float32{0.5, 1.5}},
			`{"video":"A","frames":[0,2],"shape":[2,1,1],"data":{"shape":[2,1,1],"min":0.5,"max":1.5,"mean":1}}`},
		{"error with map", stream.KindError, &stream.Error{Video: "A", Frame: 1, Error: 2.5, Shape: []int{1, 2}, Data: []float32{1, 4}},
			`{"video":"A","frame":1,"error":2.5,"shape":[1,2],"data":{"shape":[1,2],"min":1,"max":4,"mean":2.5}}`},
		{"error without map", stream.KindError, &stream.Error{Video: "A", Frame: 1, Error: 2.5},
			`{"video":"A","frame":1,"error":2.5}`},
		{"score", stream.KindScore, &stream.Score{Video: "A", Frame: 1, Error: 2, Abnormality: 0.25, Regularity: 0.75},
			`{"video":"A","frame":1,"error":2,"abnormality":0.25,"regularity":0.75}`},
		{"event", stream.KindEvent, &stream.Event{Video: "A", Start: 4, End: 9, Deepest: 6, Regularity: 0.1, Persistence: 0.5},
			`{"video":"A","start":4,"end":9,"deepest":6,"regularity":0.1,"persistence":0.5}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := Write(bytes.NewReader(encode(t, tc.kind, tc.rec)), &out, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Replace(header, "%s", string(tc.kind), 1) + "\n" + tc.want + "\n"
			if out.String() != want || n != 1 {
				t.Errorf("got %d records:\n%s\nwant:\n%s", n, out.String(), want)
			}
		})
	}
}

func TestHeaderOnlyReadsNoRecord(t *testing.T) {
	in := encode(t, stream.KindScore, &stream.Score{Video: "A", Frame: 0})
	// A truncated tail proves the records are never read.
	in = append(in, 0xc4)
	var out bytes.Buffer
	n, err := Write(bytes.NewReader(in), &out, Options{HeaderOnly: true})
	if err != nil || n != 0 {
		t.Fatalf("n %d, err %v", n, err)
	}
	if want := strings.Replace(header, "%s", "score", 1) + "\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestDataViewIsAStream(t *testing.T) {
	v := &stream.Volume{Video: "A", Frames: []int{0, 1}, Shape: []int{2, 1, 2}, Data: []float32{1, 2, 3, 4}}
	var out bytes.Buffer
	if _, err := Write(bytes.NewReader(encode(t, stream.KindVolume, v)), &out, Options{Data: true}); err != nil {
		t.Fatal(err)
	}
	r, err := stream.NewReader(&out, stream.KindVolume)
	if err != nil {
		t.Fatal(err)
	}
	if !r.JSON() {
		t.Error("the data view is not JSON")
	}
	got, err := r.NextVolume()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("read back %+v, want %+v", got, v)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the record: %v, want EOF", err)
	}
}

func TestBadInputKeepsWhatCameBefore(t *testing.T) {
	in := encode(t, stream.KindScore, &stream.Score{Video: "A", Frame: 0}, &stream.Score{Video: "A", Frame: 1})
	in = in[:len(in)-3] // cut the second record short
	var out bytes.Buffer
	n, err := Write(bytes.NewReader(in), &out, Options{})
	if !errors.Is(err, stream.ErrTruncated) {
		t.Errorf("error %v, want %v", err, stream.ErrTruncated)
	}
	if lines := strings.Count(out.String(), "\n"); n != 1 || lines != 2 {
		t.Errorf("%d records, %d lines before the error; want 1 and 2 (header, first record)", n, lines)
	}
	if _, err := Write(strings.NewReader("hello"), &out, Options{}); !errors.Is(err, stream.ErrNotStream) {
		t.Errorf("not a stream: %v", err)
	}
}

func TestSummariseEmptyTensor(t *testing.T) {
	b, err := json.Marshal(Summarise([]int{0, 3}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"shape":[0,3]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}
