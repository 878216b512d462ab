package stream

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testHeader(k Kind) Header {
	return NewHeader(k, nil, Stage{Tool: "test", Version: "v0", Args: []string{"--x", "1"},
		Params: map[string]any{"width": 3, "height": 2, "normalised": true, "strides": []int{1, 2, 3}, "stats_digest": "abc", "videos": []string{"A", "B"}}})
}

// sample returns two records of each kind.
func sample(k Kind) []Record {
	switch k {
	case KindFrame:
		return []Record{
			&Frame{Video: "Test001", Frame: 0, Shape: []int{2, 3}, Data: []float32{0, 0.5, -1, 2, 3.25, -0.125}},
			&Frame{Video: "Test001", Frame: 1, Shape: []int{2, 3}, Data: []float32{1, 1, 1, 1, 1, 1}},
		}
	case KindVolume:
		return []Record{
			&Volume{Video: "Test001", Frames: []int{0, 1}, Shape: []int{2, 1, 2}, Data: []float32{1, 2, 3, 4}},
			&Volume{Video: "Test002", Frames: []int{3, 5}, Shape: []int{2, 1, 2}, Data: []float32{-1, -2, -3, -4}},
		}
	case KindError:
		return []Record{
			&Error{Video: "Test001", Frame: 0, Error: 123.5},
			&Error{Video: "Test001", Frame: 1, Error: 0.25, Shape: []int{1, 2}, Data: []float32{0.125, 0.125}},
		}
	case KindScore:
		return []Record{
			&Score{Video: "Test001", Frame: 0, Error: 10, Abnormality: 0, Regularity: 1},
			&Score{Video: "Test001", Frame: 1, Error: 20, Abnormality: 1, Regularity: 0},
		}
	case KindEvent:
		return []Record{
			&Event{Video: "Test001", Start: 60, End: 179, Deepest: 97, Regularity: 0.02, Persistence: 0.6},
			&Event{Video: "Test002", Start: 0, End: 0, Deepest: 0, Regularity: 0, Persistence: 1},
		}
	}
	return nil
}

func encode(t testing.TB, h Header, recs []Record, asJSON bool) []byte {
	t.Helper()
	return encodeWith(t, h, recs, asJSON, (*Writer).Write)
}

// encodeWith writes h, then each record through write (the Writer's Write,
// or a method below its checks); any error fails t.
func encodeWith(t testing.TB, h Header, recs []Record, asJSON bool, write func(*Writer, Record) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h, asJSON)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := write(w, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeAll(r io.Reader, want ...Kind) (*Header, []Record, error) {
	sr, err := NewReader(r, want...)
	if err != nil {
		return nil, nil, err
	}
	var out []Record
	for {
		rec, err := sr.Next()
		if err == io.EOF {
			return sr.Header(), out, nil
		}
		if err != nil {
			return sr.Header(), out, err
		}
		out = append(out, rec)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, k := range Kinds {
		for _, enc := range []string{"msgpack", "json"} {
			t.Run(string(k)+"/"+enc, func(t *testing.T) {
				h := testHeader(k)
				b := encode(t, h, sample(k), enc == "json")
				gh, got, err := decodeAll(bytes.NewReader(b), k)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, sample(k)) {
					t.Errorf("records: got %+v, want %+v", got, sample(k))
				}
				if gh.Kind != k || gh.Magic != Magic || gh.Version != Version {
					t.Errorf("header: got %+v", gh)
				}
				fd, err := gh.FrameDesc()
				if want := (FrameDesc{Width: 3, Height: 2, Normalised: true, StatsDigest: "abc"}); err != nil || !reflect.DeepEqual(fd, want) {
					t.Errorf("frame description: got %+v %v, want %+v", fd, err, want)
				}
				if s, ok := gh.ParamInts("strides"); !ok || !reflect.DeepEqual(s, []int{1, 2, 3}) {
					t.Errorf("strides param: got %v %v", s, ok)
				}
				if s, ok := gh.ParamStrings("videos"); !ok || !reflect.DeepEqual(s, []string{"A", "B"}) {
					t.Errorf("videos param: got %v %v", s, ok)
				}
			})
		}
	}
}

func TestProvenanceCarriedForward(t *testing.T) {
	first := testHeader(KindFrame)
	second := NewHeader(KindVolume, &first, Stage{Tool: "volumes", Params: map[string]any{"length": 10, "width": 5}})
	if len(second.Provenance) != 2 || second.Provenance[0].Tool != "test" || second.Provenance[1].Tool != "volumes" {
		t.Fatalf("provenance: got %+v", second.Provenance)
	}
	fd, _ := second.FrameDesc()
	if w := fd.Width; w != 5 {
		t.Errorf("latest stage's param wins: got width %d, want 5", w)
	}
	if h := fd.Height; h != 2 {
		t.Errorf("earlier stage's param is still found: got height %d, want 2", h)
	}
	if len(first.Provenance) != 1 {
		t.Errorf("NewHeader changed its input's provenance")
	}
}

// TestFPS: a header's frame rate is its latest fps parameter, when that is
// above 0 and finite.
func TestFPS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   float64
		ok     bool
	}{
		{"none", nil, 0, false},
		{"whole", map[string]any{"fps": 25}, 25, true},
		{"fraction", map[string]any{"fps": 29.97}, 29.97, true},
		{"zero", map[string]any{"fps": 0}, 0, false},
		{"negative", map[string]any{"fps": -10.0}, 0, false},
		{"infinite", map[string]any{"fps": math.Inf(1)}, 0, false},
		{"not a number", map[string]any{"fps": math.NaN()}, 0, false},
		{"text", map[string]any{"fps": "25"}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHeader(KindScore, nil, Stage{Tool: "test", Params: tc.params})
			got, ok := h.FPS()
			if ok != tc.ok || ok && got != tc.want {
				t.Errorf("FPS() = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// dump is the readable form of a binary stream used in golden files: the
// hex bytes, 32 a line.
func dump(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i += 32 {
		sb.WriteString(hex.EncodeToString(b[i:min(i+32, len(b))]))
		sb.WriteByte('\n')
	}
	return sb.String()
}

func TestGolden(t *testing.T) {
	for _, k := range Kinds {
		for _, enc := range []string{"msgpack", "json"} {
			t.Run(string(k)+"/"+enc, func(t *testing.T) {
				b := encode(t, testHeader(k), sample(k), enc == "json")
				got := string(b)
				name := filepath.Join("testdata", "golden", string(k)+".ndjson")
				if enc == "msgpack" {
					got = dump(b)
					name = filepath.Join("testdata", "golden", string(k)+".msgpack.hex")
				}
				if *update {
					if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(name)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
				}
			})
		}
	}
}

func TestFieldNamesInJSON(t *testing.T) {
	b := encode(t, testHeader(KindScore), sample(KindScore), true)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !strings.HasPrefix(lines[0], `{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"test"`) {
		t.Errorf("header line: %s", lines[0])
	}
	if want := `{"video":"Test001","frame":0,"error":10,"abnormality":0,"regularity":1}`; lines[1] != want {
		t.Errorf("score line: got %s, want %s", lines[1], want)
	}
}

func msgpackOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, testHeader(KindVolume), sample(KindVolume), false)
	goodJSON := encode(t, testHeader(KindVolume), sample(KindVolume), true)
	future := testHeader(KindVolume)
	future.Version = 3
	hdr := msgpackOf(t, testHeader(KindVolume))
	record := func(m map[string]any) []byte { return append(append([]byte{}, hdr...), msgpackOf(t, m)...) }
	nan := float32(math.NaN())
	tests := []struct {
		name string
		in   []byte
		want []Kind
		err  error
		msg  string
	}{
		{"empty", nil, nil, ErrEmpty, "empty input"},
		{"garbage", []byte("hello world"), nil, ErrNotStream, "not a stae stream"},
		{"foreign msgpack map", msgpackOf(t, map[string]any{"magic": "nope"}), nil, ErrNotStream, "not a stae stream"},
		{"foreign json", []byte(`{"a":1}` + "\n"), nil, ErrNotStream, "not a stae stream"},
		{"future version", msgpackOf(t, future), nil, ErrVersion, "unsupported stream format version 3 (this tool reads versions 1 and 2)"},
		{"wrong kind", good, []Kind{KindError}, ErrKind, "want an error stream, got volume; did you forget recon?"},
		{"wrong kind, far", encode(t, testHeader(KindFrame), nil, false), []Kind{KindError}, ErrKind, "want an error stream, got frame; volumes comes first"},
		{"truncated record", good[:len(good)-3], nil, ErrTruncated, "record 2: truncated record"},
		{"truncated header", hdr[:len(hdr)-4], nil, ErrTruncated, "truncated"},
		{"truncated json", goodJSON[:len(goodJSON)-5], nil, ErrTruncated, "record 2: truncated record"},
		{"shape vs data", record(map[string]any{"video": "a", "frames": []int{0, 1}, "shape": []int{2, 2, 2}, "data": make([]byte, 12)}),
			nil, ErrShape, "record 1: a frames 0..1: shape does not match data: shape 2x2x2 holds 8 values, data has 3"},
		{"data beyond shape", append(append([]byte{}, hdr...), msgpackOf(t, struct {
			Video  string `msgpack:"video"`
			Frames []int  `msgpack:"frames"`
			Shape  []int  `msgpack:"shape"`
			Data   []byte `msgpack:"data"`
		}{"a", []int{0}, []int{1, 1, 1}, make([]byte, 8)})...),
			nil, ErrShape, "8 bytes declared, shape 1x1x1 holds 4"},
		{"frames vs shape", record(map[string]any{"video": "a", "frames": []int{0}, "shape": []int{2, 1, 1}, "data": make([]byte, 8)}),
			nil, ErrShape, "1 frame numbers for 2 frames"},
		{"nan", record(map[string]any{"video": "a", "frames": []int{0}, "shape": []int{1, 1, 1}, "data": floatBytes([]float32{nan})}),
			nil, ErrInvalid, "value 0 is NaN"},
		{"video id not UTF-8", record(map[string]any{"video": "a\xaa", "frames": []int{0}, "shape": []int{1, 1, 1}, "data": make([]byte, 4)}),
			nil, ErrInvalid, "is not valid UTF-8"},
		{"missing field", record(map[string]any{"video": "a", "shape": []int{1, 1, 1}, "data": make([]byte, 4)}),
			nil, ErrInvalid, "missing field frames"},
		{"huge declared length", append(record(map[string]any{"video": "a", "frames": []int{0}})[:len(hdr)], 0x82, 0xa5, 'v', 'i', 'd', 'e', 'o', 0xa1, 'a', 0xa4, 'd', 'a', 't', 'a', 0xc6, 0x7f, 0xff, 0xff, 0xff),
			nil, ErrInvalid, "declared length 2147483647 exceeds 1073741824"},
		{"not a record", append(append([]byte{}, hdr...), 0x05), nil, ErrInvalid, "not a record"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(bytes.NewReader(tc.in), tc.want...)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got message %q, want it to contain %q", err, tc.msg)
			}
		})
	}
}

func TestWriterRefuses(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader(KindScore), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Score{Video: "a", Error: math.Inf(1)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("infinite error: got %v, want ErrInvalid", err)
	}
	if err := w.Write(&Frame{Video: "a", Shape: []int{1, 1}, Data: []float32{1}}); !errors.Is(err, ErrKind) {
		t.Errorf("frame into a score stream: got %v, want ErrKind", err)
	}
}

func TestJSONAcceptsBlankLinesAndNoFinalNewline(t *testing.T) {
	b := encode(t, testHeader(KindEvent), sample(KindEvent), true)
	b = bytes.Replace(b, []byte("\n"), []byte("\n\n"), 1)
	b = bytes.TrimRight(b, "\n")
	_, got, err := decodeAll(bytes.NewReader(b), KindEvent)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, sample(KindEvent)) {
		t.Errorf("got %+v", got)
	}
}

// FuzzReader feeds arbitrary bytes to the reader: it must never panic, and
// whatever decodes must re-encode (in both encodings) to the same records.
func FuzzReader(f *testing.F) {
	for _, k := range Kinds {
		f.Add(encode(f, testHeader(k), sample(k), false))
		f.Add(encode(f, testHeader(k), sample(k), true))
	}
	f.Add([]byte{})
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip(t, in) })
}

// TestChannels: frames of several planes are [C, H, W] and their volumes
// [T, C, H, W]; the header names the planes, a stream without them reads
// as one gray plane, and a model trained on other planes is refused.
func TestChannels(t *testing.T) {
	fd := FrameDesc{Width: 3, Height: 2, Channels: []string{"gray", "diff"}}
	if got := fd.Shape(); !reflect.DeepEqual(got, []int{2, 2, 3}) {
		t.Errorf("shape %v, want [2 2 3]", got)
	}
	h := NewHeader(KindFrame, nil, Stage{Tool: "frames", Params: fd.Params()})
	back, err := h.FrameDesc()
	if err != nil || !reflect.DeepEqual(back, fd) {
		t.Errorf("read back %+v %v, want %+v", back, err, fd)
	}
	gray := FrameDesc{Width: 3, Height: 2}
	if _, ok := gray.Params()["channels"]; ok || !reflect.DeepEqual(gray.Shape(), []int{2, 3}) || gray.ChannelList() != "gray" {
		t.Errorf("one gray plane: params %v shape %v list %q", gray.Params(), gray.Shape(), gray.ChannelList())
	}
	err = gray.CheckTrainedOn(fd)
	if err == nil || err.Error() != "channels differ: the stream's frames are gray, the model takes gray,diff" {
		t.Errorf("gray stream, two-plane model: %v", err)
	}
	for _, c := range []struct {
		rec  Record
		want string
	}{
		{&Frame{Video: "v", Shape: []int{2, 2, 3}, Data: make([]float32, 12)}, ""},
		{&Frame{Video: "v", Shape: []int{1, 2, 2, 3}, Data: make([]float32, 12)}, "shape does not match data: shape 1x2x2x3 has 4 dimensions, want 2 or 3"},
		{&Volume{Video: "v", Frames: []int{0, 1}, Shape: []int{2, 2, 2, 3}, Data: make([]float32, 24)}, ""},
		{&Volume{Video: "v", Frames: []int{0}, Shape: []int{2, 3}, Data: make([]float32, 6)}, "shape does not match data: shape 2x3 has 2 dimensions, want 3 or 4"},
	} {
		got := ""
		if err := c.rec.Validate(); err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s %v: got %q, want %q", c.rec.Kind(), c.rec, got, c.want)
		}
	}
}
