package stream

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// msgHeader is the msgpack bytes of a header of kind k whose only stage
// carries params.
func msgHeader(t testing.TB, k Kind, params map[string]any) []byte {
	t.Helper()
	h := NewHeader(k, nil, Stage{Tool: "test", Version: "v0", Params: params})
	b, err := msgpack.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// deepMsgpack is n nested one-element arrays around a nil; deepJSON the
// same in JSON.
func deepMsgpack(n int) []byte {
	return append(bytes.Repeat([]byte{0x91}, n), 0xc0)
}

func deepJSON(n int) string {
	return strings.Repeat("[", n) + strings.Repeat("]", n)
}

// rawHeader is a msgpack header whose stage's params hold one raw value.
func rawHeader(k Kind, key string, raw []byte) []byte {
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.EncodeMapLen(4)
	e.EncodeString("magic")
	e.EncodeString(Magic)
	e.EncodeString("version")
	e.EncodeInt(Version)
	e.EncodeString("kind")
	e.EncodeString(string(k))
	e.EncodeString("provenance")
	e.EncodeArrayLen(1)
	e.EncodeMapLen(2)
	e.EncodeString("tool")
	e.EncodeString("test")
	e.EncodeString("params")
	e.EncodeMapLen(1)
	e.EncodeString(key)
	return append(b.Bytes(), raw...)
}

// raw is msgpack bytes that rawRecord writes as they are.
type raw []byte

// rawRecord is a msgpack record of the given fields, in order; a raw
// value is written as is.
func rawRecord(fields ...any) []byte {
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.EncodeMapLen(len(fields) / 2)
	for i := 0; i < len(fields); i += 2 {
		e.EncodeString(fields[i].(string))
		if r, ok := fields[i+1].(raw); ok {
			b.Write(r)
			continue
		}
		e.Encode(fields[i+1])
	}
	return b.Bytes()
}

func TestLimits(t *testing.T) {
	score := func(frame any) []byte {
		return rawRecord("video", "a", "frame", frame, "error", 1.0, "abnormality", 0.0, "regularity", 1.0)
	}
	scoreHdr := msgHeader(t, KindScore, nil)
	eventHdr := msgHeader(t, KindEvent, nil)
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	jsonHdr := func(k Kind) string {
		return fmt.Sprintf(`{"magic":"stae","version":1,"kind":%q,"provenance":[]}`+"\n", k)
	}
	tests := []struct {
		name string
		in   []byte
		err  error
		msg  string
	}{
		// Integer extremes.
		{"frame at the limit", cat(scoreHdr, score(MaxFrame)), ErrInvalid,
			"record 1: a frame 16777216: invalid record: frame number 16777216 beyond the limit of 16777216 frames"},
		{"frame near 2^63", cat(scoreHdr, score(int64(1)<<62)), ErrInvalid,
			"record 1: a frame 4611686018427387904: invalid record: frame number 4611686018427387904 beyond the limit of 16777216 frames"},
		{"frame 1e12 json", []byte(jsonHdr(KindScore) + `{"video":"a","frame":1000000000000,"error":1,"abnormality":0,"regularity":1}` + "\n"), ErrInvalid,
			"record 1: a frame 1000000000000: invalid record: frame number 1000000000000 beyond the limit of 16777216 frames"},
		{"error frame", cat(msgHeader(t, KindError, nil), rawRecord("video", "a", "frame", int64(1)<<40, "error", 1.0)), ErrInvalid,
			"record 1: a frame 1099511627776: invalid record: frame number 1099511627776 beyond the limit of 16777216 frames"},
		{"volume frames", cat(msgHeader(t, KindVolume, nil), rawRecord("video", "a", "frames", []int64{1 << 40}, "shape", []int{1, 1, 1}, "data", make([]byte, 4))), ErrInvalid,
			"record 1: a frames 1099511627776..1099511627776: invalid record: frame number 1099511627776 beyond the limit of 16777216 frames"},
		{"event end", cat(eventHdr, rawRecord("video", "a", "start", 0, "end", int64(1)<<62, "deepest", 0, "regularity", 0.0, "persistence", 0.0)), ErrInvalid,
			"record 1: a frames 0..4611686018427387904: invalid record: event end frame 4611686018427387904 beyond the limit of 16777216 frames"},
		{"video end", cat(eventHdr, rawRecord("video", "a", "video_frames", int64(1e12))), ErrInvalid,
			"record 1: a end after 1000000000000 frames: invalid record: video of 1000000000000 frames (want 1 to 16777216)"},
		{"header video_frames", msgHeader(t, KindEvent, map[string]any{"videos": []string{"a"}, "video_frames": []int64{1e12}}), ErrInvalid,
			"invalid record: header: video_frames[0] is 1000000000000, not 0 to 16777216"},
		{"header length", msgHeader(t, KindVolume, map[string]any{"length": 70000}), ErrInvalid,
			"invalid record: header: test gives a length of 70000 frames, more than 65536"},
		// Nesting.
		{"msgpack header deep", rawHeader(KindScore, "x", deepMsgpack(1<<20)), ErrNotStream,
			"not a stae stream: header nested deeper than 32 levels"},
		{"json header deep", []byte(`{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","params":{"x":` + deepJSON(1<<20) + "}}]}\n"), ErrNotStream,
			"not a stae stream: header nested deeper than 32 levels"},
		{"json header deep in a string is not deep", []byte(`{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","params":{"x":"` + deepJSON(100) + `\"["}}]}` + "\n"), nil, ""},
		{"msgpack unknown field deep", cat(scoreHdr, rawRecord("video", "a", "later", raw(deepMsgpack(1<<20)))), ErrInvalid,
			"record 1: invalid record: field later: nested deeper than 32 levels"},
		{"json unknown field deep", []byte(jsonHdr(KindScore) + `{"video":"a","later":` + deepJSON(1<<20) + "}\n"), ErrInvalid,
			"record 1: invalid record: nested deeper than 32 levels"},
		// Sizes, checked as they are read.
		{"msgpack header huge", rawHeader(KindScore, "x", append([]byte{0xdb, 0x7f, 0xff, 0xff, 0xff}, "abc"...)), ErrNotStream,
			"not a stae stream: a header of more than 4194304 bytes"},
		{"msgpack header long", rawHeader(KindScore, "x", msgpackBytes(t, strings.Repeat("x", MaxHeaderBytes))), ErrNotStream,
			"not a stae stream: a header of more than 4194304 bytes"},
		{"msgpack header huge array", rawHeader(KindScore, "x", []byte{0xdd, 0x7f, 0xff, 0xff, 0xff, 0xc0}), ErrNotStream,
			"not a stae stream: a header of more than 4194304 bytes"},
		{"json header long", []byte(`{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","params":{"x":"` + strings.Repeat("x", MaxHeaderBytes) + "\"}}]}\n"), ErrNotStream,
			"not a stae stream: invalid record: line longer than 4194304 bytes"},
		{"unknown field huge", cat(scoreHdr, rawRecord("video", "a", "later", raw([]byte{0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2}))), ErrInvalid,
			"record 1: invalid record: field later: unknown fields longer than 1048576 bytes"},
		{"unknown fields add up", cat(scoreHdr, rawRecord("video", "a", "l1", make([]byte, 600<<10), "l2", make([]byte, 600<<10))), ErrInvalid,
			"record 1: invalid record: field l2: unknown fields longer than 1048576 bytes"},
		{"unknown field cut short", cat(scoreHdr, rawRecord("video", "a", "later", raw([]byte{0xc6, 0, 0, 1, 0, 1, 2}))), ErrTruncated,
			"record 1: truncated record: stream ends inside it"},
		{"field twice", cat(scoreHdr, rawRecord("video", "a", "video", "b")), ErrInvalid,
			"record 1: invalid record: field video given twice"},
		{"long video id", cat(scoreHdr, rawRecord("video", strings.Repeat("v", MaxString+1))), ErrInvalid,
			"record 1: video: invalid record: declared length 4097 exceeds 4096"},
		{"long video id json", []byte(jsonHdr(KindScore) + `{"video":"` + strings.Repeat("v", MaxString+1) + `","frame":0,"error":1,"abnormality":0,"regularity":1}` + "\n"), ErrInvalid,
			"record 1: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv... frame 0: invalid record: video id of 4097 bytes (at most 4096)"},
		{"json frames list", []byte(jsonHdr(KindVolume) + `{"video":"a","frames":[` + strings.Repeat("0,", MaxFrames) + `0]}` + "\n"), ErrInvalid,
			"record 1: invalid record: bad JSON: frames: more than 65536 values"},
		{"json line long", []byte(jsonHdr(KindScore) + `{"video":"` + strings.Repeat("v", MaxLineBytes) + "\"}\n"), ErrInvalid,
			"record 1: invalid record: line longer than 67108864 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(bytes.NewReader(tc.in))
			if tc.err == nil {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			if err.Error() != tc.msg {
				t.Errorf("got  %q\nwant %q", err, tc.msg)
			}
		})
	}
}

func msgpackBytes(t testing.TB, v any) []byte {
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriterMatchesReader: what a reader refuses, the Writer refuses before
// writing it, so a tool fails where the bad record is made.
func TestWriterMatchesReader(t *testing.T) {
	long := strings.Repeat("v", MaxString+1)
	deep := any(nil)
	for range MaxDepth + 1 {
		deep = []any{deep}
	}
	recs := []struct {
		name string
		kind Kind
		rec  Record
		json bool
		msg  string
	}{
		{"long video id", KindScore, &Score{Video: long}, false, "video id of 4097 bytes (at most 4096)"},
		{"frame number", KindScore, &Score{Video: "a", Frame: MaxFrame}, false, "frame number 16777216 beyond the limit of 16777216 frames"},
		{"volume of 70000 frames", KindVolume, &Volume{Video: "a", Frames: make([]int, 70000), Shape: []int{70000, 1, 1}, Data: make([]float32, 70000)}, false,
			"70000 frame numbers, at most 65536"},
		{"video end", KindEvent, &VideoEnd{Video: "a", Frames: MaxFrame + 1}, false, "video of 16777217 frames (want 1 to 16777216)"},
		{"json line", KindFrame, &Frame{Video: "a", Shape: []int{4096, 4096}, Data: make([]float32, 4096*4096)}, true,
			"a line of 89478542 bytes, more than 67108864 (write msgpack instead)"},
	}
	for _, tc := range recs {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, testHeader(tc.kind), tc.json)
			if err != nil {
				t.Fatal(err)
			}
			before := buf.Len()
			err = w.Write(tc.rec)
			if !errors.Is(err, ErrInvalid) || !strings.HasSuffix(err.Error(), tc.msg) {
				t.Fatalf("got %v, want ErrInvalid ending %q", err, tc.msg)
			}
			w.Close()
			if buf.Len() != before {
				if _, _, err := decodeAll(bytes.NewReader(buf.Bytes())); err != nil {
					t.Fatalf("wrote what a reader refuses: %v", err)
				}
			}
		})
	}
	hdrs := []struct {
		name   string
		params map[string]any
		msg    string
	}{
		{"deep", map[string]any{"x": deep}, "writing header: invalid record: header nested deeper than 32 levels"},
		{"large", map[string]any{"x": strings.Repeat("x", MaxHeaderBytes)}, "writing header: invalid record: a header of "},
		{"length", map[string]any{"length": 70000}, "invalid record: header: test gives a length of 70000 frames, more than 65536"},
	}
	for _, tc := range hdrs {
		for _, asJSON := range []bool{false, true} {
			t.Run(fmt.Sprintf("header %s json=%v", tc.name, asJSON), func(t *testing.T) {
				var buf bytes.Buffer
				h := NewHeader(KindVolume, nil, Stage{Tool: "test", Params: tc.params})
				_, err := NewWriter(&buf, h, asJSON)
				if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), tc.msg) {
					t.Fatalf("got %v, want ErrInvalid starting %q", err, tc.msg)
				}
				if buf.Len() != 0 {
					t.Errorf("wrote %d bytes", buf.Len())
				}
			})
		}
	}
}

// TestDeclaredDataCostsWhatArrives: a record declaring 1 GiB of data and
// ending after a few bytes allocates no more than what arrived.
func TestDeclaredDataCostsWhatArrives(t *testing.T) {
	in := append(msgHeader(t, KindFrame, nil), rawRecord("video", "a", "data", raw{0xc6, 0x40, 0, 0, 0, 1, 2, 3, 4})...)
	var before, after runtimeMem
	before.read()
	r, err := NewReader(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrTruncated) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
	after.read()
	if d := after.total - before.total; d > 16<<20 {
		t.Errorf("allocated %d bytes for 4 bytes of data", d)
	}
}

// FuzzJSONReader feeds NDJSON to the reader, seeded with deep nesting in
// the header and in an unknown field, long lists and extreme numbers: it
// must never panic nor recurse without end, and what decodes re-encodes.
func FuzzJSONReader(f *testing.F) {
	hdr := `{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","version":"v","args":[],"params":{"x":1}}]}` + "\n"
	f.Add([]byte(hdr + `{"video":"a","frame":0,"error":1,"abnormality":0,"regularity":1}` + "\n"))
	f.Add([]byte(`{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","params":{"x":` + deepJSON(100000) + `}}]}` + "\n"))
	f.Add([]byte(hdr + `{"video":"a","later":` + deepJSON(100000) + `,"frame":0}` + "\n"))
	f.Add([]byte(hdr + `{"video":"a","later":"` + deepJSON(40) + `\"[","frame":0,"error":1,"abnormality":0,"regularity":1}` + "\n"))
	f.Add([]byte(hdr + `{"video":"a","frame":9223372036854775807,"error":1,"abnormality":0,"regularity":1}` + "\n"))
	f.Add([]byte(hdr + `{"video":"a","frame":1e300,"error":1,"abnormality":0,"regularity":1}` + "\n"))
	f.Add([]byte(`{"magic":"stae","version":1,"kind":"volume","provenance":[]}` + "\n" + `{"video":"a","frames":[` + strings.Repeat("0,", 70000) + `0]}` + "\n"))
	f.Add([]byte(`{"magic":"stae","version":1,"kind":"event","provenance":[{"tool":"t","params":{"videos":["a"],"video_frames":[1000000000000]}}]}` + "\n"))
	// two streams concatenated, and one cut inside its second header
	two := hdr + `{"video":"a","frame":0,"error":1,"abnormality":0,"regularity":1}` + "\n" + hdr + `{"video":"b","frame":0,"error":1,"abnormality":0,"regularity":1}` + "\n"
	f.Add([]byte(two))
	f.Add([]byte(two[:len(two)/2+20]))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip(t, in) })
}

// FuzzMsgpackHeader feeds msgpack headers, seeded with deep nesting and
// lengths declared far beyond what follows.
func FuzzMsgpackHeader(f *testing.F) {
	f.Add(msgHeader(f, KindScore, map[string]any{"x": []any{1, "a", map[string]any{"b": 2.5}}}))
	f.Add(rawHeader(KindScore, "x", deepMsgpack(100000)))
	f.Add(rawHeader(KindScore, "x", []byte{0xdb, 0x7f, 0xff, 0xff, 0xff, 'a'}))
	f.Add(rawHeader(KindScore, "x", []byte{0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0}))
	f.Add(rawHeader(KindScore, "x", []byte{0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'k'}))
	f.Add(rawHeader(KindScore, "x", []byte{0xc9, 0xff, 0xff, 0xff, 0xff, 1}))
	f.Add(rawHeader(KindEvent, "video_frames", []byte{0x91, 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}))
	f.Add(append(msgHeader(f, KindScore, nil), rawRecord("video", "a", "later", raw(deepMsgpack(100000)))...))
	f.Add(slices.Concat(msgHeader(f, KindScore, nil), rawRecord("video", "a", "frame", 0, "error", 1.0, "abnormality", 0.0, "regularity", 1.0),
		msgHeader(f, KindScore, nil), rawRecord("video", "b", "frame", 0, "error", 1.0, "abnormality", 0.0, "regularity", 1.0)))
	f.Fuzz(func(t *testing.T, in []byte) { roundTrip(t, in) })
}

// roundTrip decodes in; what decodes must re-encode in both encodings (or
// be refused by the Writer, never written) and decode to the same records.
func roundTrip(t *testing.T, in []byte) {
	h, recs, err := decodeAll(bytes.NewReader(in))
	if err != nil || h == nil {
		return
	}
	for _, asJSON := range []bool{false, true} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, *h, asJSON)
		if errors.Is(err, ErrInvalid) && asJSON {
			continue // a header whose JSON form is over the bound: refused, not written
		}
		if err != nil {
			t.Fatalf("header that was read is refused: %v", err)
		}
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				t.Fatalf("record that was read is refused: %v", err)
			}
		}
		w.Close()
		_, again, err := decodeAll(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("re-encoded stream does not decode: %v", err)
		}
		if len(again) != len(recs) || (len(recs) > 0 && !reflect.DeepEqual(again, recs)) {
			t.Fatalf("re-encoded records differ:\n%+v\n%+v", recs, again)
		}
	}
}
