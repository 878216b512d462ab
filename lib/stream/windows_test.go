// Tests of the windows form of volume streams: frames carried once,
// windows naming them, read back as the volumes they name.

package stream

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// windowsHeader is a windows-form volume header for windows of length
// frames at the given strides.
func windowsHeader(length int, strides ...int) Header {
	h := NewHeader(KindVolume, nil, Stage{Tool: "test", Version: "v0",
		Params: VolumeDesc{Length: length, Strides: strides, Hop: 1}.Params()})
	h.Version = VersionWindows
	return h
}

func testFrame(video string, n int, timed bool) *Frame {
	f := &Frame{Video: video, Frame: n, Shape: []int{1, 2}, Data: []float32{float32(n), -float32(n)}}
	if timed {
		f.Timed, f.T = true, 0.04*float64(n)
	}
	return f
}

func readAll(t *testing.T, b []byte) ([]Record, error) {
	t.Helper()
	_, recs, err := decodeAll(bytes.NewReader(b), KindVolume)
	return recs, err
}

func TestWindowsFormReadsAsVolumes(t *testing.T) {
	for _, asJSON := range []bool{false, true} {
		recs := []Record{testFrame("A", 0, true), testFrame("A", 1, true), testFrame("A", 2, true),
			&Window{Video: "A", Frames: []int{0, 2}}, &Window{Video: "A", Frames: []int{1, 2}},
			testFrame("B", 0, false), testFrame("B", 1, false), &Window{Video: "B", Frames: []int{0, 1}}}
		recs[1].(*Frame).Picture = []byte("jpeg bytes")
		b := encode(t, windowsHeader(2, 1, 2), recs, asJSON)
		got, err := readAll(t, b)
		if err != nil {
			t.Fatalf("json=%v: %v", asJSON, err)
		}
		want := []Record{
			&Volume{Video: "A", Frames: []int{0, 2}, Shape: []int{2, 1, 2}, Data: []float32{0, 0, 2, -2},
				Times: []float64{0, 0.08}, Pictures: [][]byte{nil, nil}},
			&Volume{Video: "A", Frames: []int{1, 2}, Shape: []int{2, 1, 2}, Data: []float32{1, -1, 2, -2},
				Times: []float64{0.04, 0.08}, Pictures: [][]byte{[]byte("jpeg bytes"), nil}},
			&Volume{Video: "B", Frames: []int{0, 1}, Shape: []int{2, 1, 2}, Data: []float32{0, 0, 1, -1}},
		}
		want[0].(*Volume).Pictures = nil // neither frame has a picture
		if !reflect.DeepEqual(got, want) {
			t.Errorf("json=%v: read\n%#v\nwant\n%#v", asJSON, got, want)
		}
	}
}

func TestWindowsFormRefusals(t *testing.T) {
	f := func(n int) Record { return testFrame("A", n, false) }
	cases := []struct {
		name string
		recs []Record
		want string
	}{
		{"window before its frames", []Record{f(0), &Window{Video: "A", Frames: []int{0, 1}}},
			"the window names frame 1, which did not come before it"},
		{"window of another video", []Record{f(0), f(1), &Window{Video: "B", Frames: []int{0, 1}}},
			"a window of B, whose frames did not come before it"},
		{"window wider than the header's span", []Record{f(0), f(1), f(2), f(3), &Window{Video: "A", Frames: []int{0, 3}}},
			"a window from frame 0 to 3 spans more than the header's 3 frames"},
		{"frames out of order", []Record{f(1), f(0)}, "frame 0 after frame 1"},
		{"a whole volume", []Record{&Volume{Video: "A", Frames: []int{0}, Shape: []int{1, 1, 1}, Data: []float32{0}}},
			"writing a *stream.Volume into a volume stream that carries each frame once"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, windowsHeader(2, 1, 2), false)
		if err != nil {
			t.Fatal(err)
		}
		var werr error
		for _, r := range c.recs {
			if werr = w.Write(r); werr != nil {
				break
			}
		}
		if werr == nil || !strings.Contains(werr.Error(), c.want) {
			t.Errorf("%s: writer says %v, want %q", c.name, werr, c.want)
		}
		if c.name == "a whole volume" {
			continue
		}
		// The reader refuses the same records, written by hand.
		b := rawWindows(t, windowsHeader(2, 1, 2), c.recs)
		if _, err := readAll(t, b); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: reader says %v, want %q", c.name, err, c.want)
		}
	}
}

// rawWindows encodes records as the wire carries them, without the
// Writer's checks.
func rawWindows(t *testing.T, h Header, recs []Record) []byte {
	t.Helper()
	return encodeWith(t, h, recs, false, (*Writer).encodeMsgpack)
}

func TestWindowsFormHeaders(t *testing.T) {
	h := windowsHeader(10, 200)
	if _, err := NewWriter(io.Discard, h, false); err == nil || !strings.Contains(err.Error(), "span more than 1024 frames") {
		t.Errorf("a span of 1801 frames: %v", err)
	}
	if _, err := readAll(t, versionTwoHeader(t, h)); err == nil || !strings.Contains(err.Error(), "span more than 1024 frames") {
		t.Errorf("reading a span of 1801 frames: %v", err)
	}
	fh := testHeader(KindFrame)
	fh.Version = VersionWindows
	if err := fh.Validate(); !errors.Is(err, ErrVersion) || !strings.Contains(err.Error(), "version 2 for a frame stream") {
		t.Errorf("a version-2 frame stream: %v", err)
	}
	// The expanded form refuses windows.
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader(KindVolume), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Window{Video: "A", Frames: []int{0}}); !errors.Is(err, ErrKind) {
		t.Errorf("a window in an expanded stream: %v", err)
	}
}

func versionTwoHeader(t *testing.T, h Header) []byte {
	h.Version = Version
	b := encode(t, h, nil, false)
	// The version is the header's only field that differs: patch it in
	// the msgpack (positive fixint 1 after the key "version").
	i := bytes.Index(b, []byte("version\x01"))
	if i < 0 {
		t.Fatal("no version field")
	}
	b[i+len("version")] = VersionWindows
	return b
}

// The windows form's point: a training stream at strides 1, 2, 3 is about
// the size of the frames it is cut from, where the expanded form copies
// each frame into up to 30 volumes.
func TestWindowsFormSize(t *testing.T) {
	const n, side = 60, 67
	frame := func(i int) *Frame {
		return &Frame{Video: "A", Frame: i, Shape: []int{side, side}, Data: make([]float32, side*side)}
	}
	var frames, windows, expanded bytes.Buffer
	fw, _ := NewWriter(&frames, testHeader(KindFrame), false)
	ww, err := NewWriter(&windows, windowsHeader(10, 1, 2, 3), false)
	if err != nil {
		t.Fatal(err)
	}
	ew, _ := NewWriter(&expanded, testHeader(KindVolume), false)
	held := map[int]*Frame{}
	for i := range n {
		f := frame(i)
		held[i] = f
		must(t, fw.Write(f), ww.Write(f))
		for _, st := range []int{1, 2, 3} {
			first := i - 9*st
			if first < 0 {
				continue
			}
			win := &Window{Video: "A"}
			v := &Volume{Video: "A", Shape: []int{10, side, side}}
			for k := range 10 {
				win.Frames = append(win.Frames, first+k*st)
				v.Frames = append(v.Frames, first+k*st)
				v.Data = append(v.Data, held[first+k*st].Data...)
			}
			must(t, ww.Write(win), ew.Write(v))
		}
	}
	must(t, fw.Close(), ww.Close(), ew.Close())
	if r := float64(windows.Len()) / float64(frames.Len()); r > 1.01 {
		t.Errorf("windows form %d bytes, %.3fx the frame stream's %d", windows.Len(), r, frames.Len())
	}
	if r := float64(expanded.Len()) / float64(frames.Len()); r < 10 {
		t.Errorf("expanded form only %.1fx the frame stream", r)
	}
}

func must(t *testing.T, errs ...error) {
	t.Helper()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// Windows-form volume streams concatenate like any other: the second
// stream's windows name its own frames; a stream of the other form is
// refused in one line.
func TestWindowsFormConcatenated(t *testing.T) {
	shard := func(video string) []byte {
		return encode(t, windowsHeader(2, 1), []Record{testFrame(video, 0, false), testFrame(video, 1, false),
			&Window{Video: video, Frames: []int{0, 1}}}, false)
	}
	got, err := readAll(t, append(shard("A"), shard("B")...))
	if err != nil || len(got) != 2 || got[1].(*Volume).Video != "B" {
		t.Fatalf("two shards: %v, %v", got, err)
	}
	expanded := windowsHeader(2, 1)
	expanded.Version = Version
	old := encode(t, expanded, []Record{&Volume{Video: "C", Frames: []int{0, 1}, Shape: []int{2, 1, 2}, Data: make([]float32, 4)}}, false)
	if _, err := readAll(t, append(shard("A"), old...)); err == nil || !strings.Contains(err.Error(), "stream form version 1, the first stream's 2") {
		t.Errorf("a version-1 shard after a version-2 one: %v", err)
	}
}
