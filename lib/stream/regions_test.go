// regions_test.go: an error record's regions in both encodings, bounded
// and validated, and the source's size in the frame description.

package stream

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestErrorRegions(t *testing.T) {
	rec := &Error{Video: "Test004", Frame: 100, Error: 3.5, Regions: []Region{
		{X: 180, Y: 60, W: 90, H: 60, Error: 3.5}, {X: 0, Y: 0, W: 90, H: 60, Error: 0.25}}}
	for _, asJSON := range []bool{false, true} {
		b := encode(t, testHeader(KindError), []Record{rec}, asJSON)
		if asJSON && !strings.Contains(string(b), `"regions":[{"x":180,"y":60,"w":90,"h":60,"error":3.5},`) {
			t.Errorf("JSON form: %s", b)
		}
		_, got, err := decodeAll(bytes.NewReader(b), KindError)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []Record{rec}) {
			t.Errorf("json=%v: got %+v, want %+v", asJSON, got[0], rec)
		}
	}
	// Without regions the record is as before: three fields.
	b := encode(t, testHeader(KindError), []Record{&Error{Video: "a", Frame: 0, Error: 1}}, true)
	if strings.Contains(string(b), "regions") {
		t.Errorf("regions written when there are none: %s", b)
	}

	hdr := msgpackOf(t, testHeader(KindError))
	record := func(regions any) []byte {
		return append(append([]byte{}, hdr...), msgpackOf(t, map[string]any{"video": "a", "frame": 0, "error": 1.0, "regions": regions})...)
	}
	box := map[string]any{"x": 1, "y": 2, "w": 3, "h": 4, "error": 0.5}
	many := make([]any, MaxRegions+1)
	for i := range many {
		many[i] = box
	}
	for _, tc := range []struct {
		name    string
		regions any
		msg     string
	}{
		{"too many", many, "field regions: declared length 65 exceeds 64"},
		{"empty box", []any{map[string]any{"x": 1, "y": 2, "w": 0, "h": 4, "error": 0.5}}, "region 0 at 1,2 of 0x4"},
		{"negative origin", []any{map[string]any{"x": -1, "y": 2, "w": 3, "h": 4, "error": 0.5}}, "region 0 at -1,2 of 3x4"},
		{"not a list", "x", "field regions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeAll(bytes.NewReader(record(tc.regions)), KindError)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v, want ErrInvalid with %q", err, tc.msg)
			}
		})
	}
	t.Run("too many in JSON", func(t *testing.T) {
		var js strings.Builder
		js.WriteString(`{"video":"a","frame":0,"error":1,"regions":[`)
		for i := range MaxRegions + 1 {
			if i > 0 {
				js.WriteString(",")
			}
			js.WriteString(`{"x":0,"y":0,"w":1,"h":1,"error":0}`)
		}
		js.WriteString("]}\n")
		head := encode(t, testHeader(KindError), nil, true)
		_, _, err := decodeAll(strings.NewReader(string(head)+js.String()), KindError)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "65 regions, more than 64") {
			t.Errorf("got %v", err)
		}
	})
}

func TestFrameDescSource(t *testing.T) {
	f := FrameDesc{Width: 67, Height: 67, SourceWidth: 360, SourceHeight: 240}
	h := NewHeader(KindFrame, nil, Stage{Tool: "frames", Params: f.Params()})
	got, err := h.FrameDesc()
	if err != nil || got.SourceWidth != 360 || got.SourceHeight != 240 {
		t.Errorf("got %+v, %v", got, err)
	}
	// Unknown source size: no parameters, zero on reading.
	p := FrameDesc{Width: 67, Height: 67}.Params()
	if _, ok := p["source_width"]; ok {
		t.Errorf("params without a source size: %v", p)
	}
	// The model compares the frames it sees, not their source's size.
	if err := got.CheckTrainedOn(FrameDesc{Width: 67, Height: 67}); err != nil {
		t.Error(err)
	}
}
