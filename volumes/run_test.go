package main

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

// frameStream encodes videos of the given lengths as a 1x2 frame stream;
// pixel values encode video and frame number so volumes can be checked.
func frameStream(t *testing.T, lengths map[string]int, order []string) []byte {
	t.Helper()
	h := stream.NewHeader(stream.KindFrame, nil, stream.Stage{Tool: "frames", Params: map[string]any{"width": 2, "height": 1}})
	var recs []stream.Record
	for vi, v := range order {
		for f := range lengths[v] {
			recs = append(recs, &stream.Frame{Video: v, Frame: f, Shape: []int{1, 2}, Data: []float32{float32(vi), float32(f)}})
		}
	}
	return streamtest.Encode(t, h, false, recs...)
}

func runVolumes(t *testing.T, in []byte, args ...string) (*stream.Header, []*stream.Volume, string, int) {
	t.Helper()
	return streamtest.Run[*stream.Volume](t, run, stream.KindVolume, in, append([]string{"volumes"}, args...)...)
}

func TestVolumesNeverCrossVideos(t *testing.T) {
	in := frameStream(t, map[string]int{"A": 4, "B": 3}, []string{"A", "B"})
	h, vols, _, code := runVolumes(t, in, "--length", "3")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got []string
	for _, v := range vols {
		got = append(got, fmt.Sprintf("%s:%v", v.Video, v.Frames))
		// The data of each frame slot is the source frame: [video index, frame number].
		for i, n := range v.Frames {
			if v.Data[2*i+1] != float32(n) {
				t.Errorf("%s volume %v slot %d holds frame %v", v.Video, v.Frames, i, v.Data[2*i+1])
			}
		}
		if !reflect.DeepEqual(v.Shape, []int{3, 1, 2}) {
			t.Errorf("shape %v", v.Shape)
		}
	}
	want := []string{"A:[0 1 2]", "A:[1 2 3]", "B:[0 1 2]"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	vd, err := h.VolumeDesc()
	if l := vd.Length; err != nil || l != 3 {
		t.Errorf("length param %d (%v)", l, err)
	}
	if fd, _ := h.FrameDesc(); fd.Width != 2 {
		w := fd.Width
		t.Errorf("width carried forward: %d", w)
	}
	if len(h.Provenance) != 2 || h.Provenance[1].Tool != "volumes" {
		t.Errorf("provenance %+v", h.Provenance)
	}
}

func TestStridesAndShortVideoNote(t *testing.T) {
	in := frameStream(t, map[string]int{"A": 5}, []string{"A"})
	_, vols, stderr, code := runVolumes(t, in, "--length", "3", "--strides", "1,2,3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got [][]int
	for _, v := range vols {
		got = append(got, v.Frames)
	}
	want := [][]int{{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {0, 2, 4}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if !strings.Contains(stderr, "volumes: note: A has 5 frames, fewer than a window of 3 at stride 3 spans (7): no volume") {
		t.Errorf("stderr: %q", stderr)
	}
}

func TestBadInput(t *testing.T) {
	gap := frameStream(t, map[string]int{"A": 3}, []string{"A"})
	streamtest.Refuses(t, run, "volumes", []streamtest.Refusal{
		{Name: "empty", Code: 1, Stderr: "volumes: empty input: no stream header\n"},
		{Name: "garbage", In: []byte("garbage"), Code: 1, Stderr: "volumes: not a stae stream (first byte 0x67)\n"},
		{Name: "video again", In: frameStream(t, map[string]int{"A": 2, "B": 2}, []string{"A", "B", "A"}), Args: []string{"--length", "2"}, Code: 1,
			Stderr: "volumes: record 5: video A appears again after B; a video's records must be contiguous\n"},
		{Name: "bad stride", In: gap, Args: []string{"--strides", "0"}, Code: 2, Stderr: "volumes: stride 0: must be at least 1 (see volumes --help)\n"},
		{Name: "argument", In: gap, Args: []string{"file"}, Code: 2, Stderr: "volumes: unexpected argument \"file\": volumes reads stdin (see volumes --help)\n"},
	})
}

// Both stream forms carry the same volumes: the default writes each frame
// once (version 2) and is smaller than the expanded form.
func TestFormsCarryTheSameVolumes(t *testing.T) {
	in := frameStream(t, map[string]int{"A": 40, "B": 25}, []string{"A", "B"})
	var forms [2][]*stream.Volume
	var sizes [2]int
	for i, args := range [][]string{{"--strides", "1,2,3"}, {"--strides", "1,2,3", "--expand"}} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), append([]string{"volumes"}, args...), bytes.NewReader(in), &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
		}
		h, vols := streamtest.Decode[*stream.Volume](t, stdout.Bytes(), stream.KindVolume)
		if want := []int{stream.VersionWindows, stream.Version}[i]; h.Version != want {
			t.Errorf("%v: stream version %d, want %d", args, h.Version, want)
		}
		forms[i], sizes[i] = vols, stdout.Len()
	}
	// A: 31 + 22 + 13 windows at strides 1, 2, 3; B: 16 + 7.
	if len(forms[0]) != 89 || !reflect.DeepEqual(forms[0], forms[1]) {
		t.Errorf("windows form gives %d volumes, expanded %d, or they differ", len(forms[0]), len(forms[1]))
	}
	if sizes[0] >= sizes[1] {
		t.Errorf("windows form %d bytes, expanded %d", sizes[0], sizes[1])
	}
}
