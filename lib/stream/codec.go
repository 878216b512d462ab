// codec.go: the wire forms of headers and records, msgpack and NDJSON, and
// the float32 <-> little-endian byte conversion of tensor data.

package stream

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"unsafe"
)

// wire is the superset of every record's fields, as decoded before
// validation; pointers tell a missing field from a zero one.
type wire struct {
	Video       *string   `json:"video"`
	Frame       *int      `json:"frame"`
	Frames      frameList `json:"frames"`
	Shape       shapeList `json:"shape"`
	Data        []byte    `json:"data"`
	Error       *float64  `json:"error"`
	Abnormality *float64  `json:"abnormality"`
	Regularity  *float64  `json:"regularity"`
	Start       *int      `json:"start"`
	End         *int      `json:"end"`
	Deepest     *int      `json:"deepest"`
	Persistence *float64  `json:"persistence"`
	VideoFrames *int      `json:"video_frames"`
	State       *string   `json:"state"`
	StartS      *float64  `json:"start_s"`
	EndS        *float64  `json:"end_s"`
	Regions     []Region  `json:"regions"`
	T           *float64  `json:"t"`
	Picture     []byte    `json:"picture"`
	Magic       *string   `json:"magic"` // a header's: a concatenated stream begins (NDJSON)

	// floats holds tensor data decoded straight into float32 (msgpack path).
	floats  []float32
	hasData bool
}

// frameList and shapeList are a record's integer lists, counted before
// they are decoded from JSON: a line of a million zeros is not a million
// ints. (msgpack declares the count, checked in Reader.intList.)
type (
	frameList []int
	shapeList []int
)

func (l *frameList) UnmarshalJSON(b []byte) error {
	return jsonInts(b, (*[]int)(l), "frames", MaxFrames)
}
func (l *shapeList) UnmarshalJSON(b []byte) error { return jsonInts(b, (*[]int)(l), "shape", MaxDims) }

func jsonInts(b []byte, xs *[]int, name string, limit int) error {
	if n := bytes.Count(b, []byte{','}); n >= limit {
		return fmt.Errorf("%s: more than %d values", name, limit)
	}
	return json.Unmarshal(b, xs)
}

// JSON forms of each record, fields in the documented order.
type (
	jsonFrame struct {
		Video   string   `json:"video"`
		Frame   int      `json:"frame"`
		T       *float64 `json:"t,omitempty"`
		Shape   []int    `json:"shape"`
		Data    []byte   `json:"data"`
		Picture []byte   `json:"picture,omitempty"`
	}
	jsonWindow struct {
		Video  string `json:"video"`
		Frames []int  `json:"frames"`
	}
	jsonVolume struct {
		Video  string `json:"video"`
		Frames []int  `json:"frames"`
		Shape  []int  `json:"shape"`
		Data   []byte `json:"data"`
	}
	jsonError struct {
		Video   string   `json:"video"`
		Frame   int      `json:"frame"`
		T       *float64 `json:"t,omitempty"`
		Error   float64  `json:"error"`
		Shape   []int    `json:"shape,omitempty"`
		Data    []byte   `json:"data,omitempty"`
		Regions []Region `json:"regions,omitempty"`
	}
	jsonScore struct {
		Video       string   `json:"video"`
		Frame       int      `json:"frame"`
		T           *float64 `json:"t,omitempty"`
		Error       float64  `json:"error"`
		Abnormality float64  `json:"abnormality"`
		Regularity  float64  `json:"regularity"`
	}
	jsonEvent struct {
		Video       string   `json:"video"`
		Start       int      `json:"start"`
		End         int      `json:"end"`
		Deepest     int      `json:"deepest"`
		Regularity  float64  `json:"regularity"`
		Persistence float64  `json:"persistence"`
		State       string   `json:"state,omitempty"`
		StartS      *float64 `json:"start_s,omitempty"`
		EndS        *float64 `json:"end_s,omitempty"`
	}
	jsonVideoEnd struct {
		Video       string `json:"video"`
		VideoFrames int    `json:"video_frames"`
	}
)

var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// floatBytes returns the little-endian bytes of f; on little-endian hosts it
// is a view of f's memory, not a copy.
func floatBytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	if littleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
	}
	b := make([]byte, 4*len(f))
	for i, x := range f {
		binary.LittleEndian.PutUint32(b[4*i:], *(*uint32)(unsafe.Pointer(&x)))
	}
	return b
}

// bytesFloats converts little-endian bytes (len a multiple of 4) to float32.
func bytesFloats(b []byte) []float32 {
	f := make([]float32, len(b)/4)
	copy(floatBytes(f), b)
	if !littleEndian {
		fixEndian(f)
	}
	return f
}

// fixEndian turns float32s whose bytes were read little-endian into native
// order; a no-op on little-endian hosts.
func fixEndian(f []float32) {
	if littleEndian {
		return
	}
	for i := range f {
		b := (*[4]byte)(unsafe.Pointer(&f[i]))
		u := binary.LittleEndian.Uint32(b[:])
		f[i] = *(*float32)(unsafe.Pointer(&u))
	}
}

// toRecord turns a decoded wire form into the record of kind k, checking
// that every required field is present. Validate runs after. In a volume
// stream of the windows form (windows true) a record is a Frame (it has a
// frame number) or a Window.
func (w *wire) toRecord(k Kind, windows bool) (Record, error) {
	var missing []string
	need := func(name string, ok bool) {
		if !ok {
			missing = append(missing, name)
		}
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	num := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	flt := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	data := w.floats
	if data == nil && w.Data != nil {
		data = bytesFloats(w.Data)
		if len(w.Data)%4 != 0 {
			return nil, errorf(ErrShape, "data has %d bytes, not a whole number of float32", len(w.Data))
		}
	}
	hasData := w.hasData || w.Data != nil
	need("video", w.Video != nil)
	timed := w.T != nil
	var rec Record
	switch {
	case k == KindFrame, windows && w.Frame != nil:
		need("frame", w.Frame != nil)
		need("shape", w.Shape != nil)
		need("data", hasData)
		rec = &Frame{Video: str(w.Video), Frame: num(w.Frame), Shape: w.Shape, Data: nonNil(data),
			Timed: timed, T: flt(w.T), Picture: w.Picture}
	case windows:
		need("frames", w.Frames != nil)
		if hasData || w.Shape != nil {
			return nil, errorf(ErrInvalid, "a window (frames without a frame number) with data: this volume stream carries each frame once (version %d)", VersionWindows)
		}
		rec = &Window{Video: str(w.Video), Frames: w.Frames}
	case k == KindVolume:
		need("frames", w.Frames != nil)
		need("shape", w.Shape != nil)
		need("data", hasData)
		rec = &Volume{Video: str(w.Video), Frames: w.Frames, Shape: w.Shape, Data: nonNil(data)}
	case k == KindError:
		need("frame", w.Frame != nil)
		need("error", w.Error != nil)
		e := &Error{Video: str(w.Video), Frame: num(w.Frame), Error: flt(w.Error), Shape: w.Shape, Regions: w.Regions,
			Timed: timed, T: flt(w.T)}
		if hasData {
			e.Data = nonNil(data)
		}
		rec = e
	case k == KindScore:
		need("frame", w.Frame != nil)
		need("error", w.Error != nil)
		need("abnormality", w.Abnormality != nil)
		need("regularity", w.Regularity != nil)
		rec = &Score{Video: str(w.Video), Frame: num(w.Frame), Error: flt(w.Error),
			Abnormality: flt(w.Abnormality), Regularity: flt(w.Regularity), Timed: timed, T: flt(w.T)}
	case k == KindEvent:
		if w.VideoFrames != nil {
			if w.Start != nil || w.End != nil || w.Deepest != nil || w.Regularity != nil || w.Persistence != nil ||
				w.State != nil || w.StartS != nil || w.EndS != nil {
				return nil, errorf(ErrInvalid, "a video end (video_frames) with an event's fields")
			}
			rec = &VideoEnd{Video: str(w.Video), Frames: *w.VideoFrames}
			break
		}
		need("start", w.Start != nil)
		need("end", w.End != nil)
		need("deepest", w.Deepest != nil)
		need("regularity", w.Regularity != nil)
		need("persistence", w.Persistence != nil)
		if (w.StartS == nil) != (w.EndS == nil) {
			return nil, errorf(ErrInvalid, "start_s and end_s come together")
		}
		rec = &Event{Video: str(w.Video), Start: num(w.Start), End: num(w.End), Deepest: num(w.Deepest),
			Regularity: flt(w.Regularity), Persistence: flt(w.Persistence),
			State: str(w.State), Timed: w.StartS != nil, StartS: flt(w.StartS), EndS: flt(w.EndS)}
	default:
		return nil, errorf(ErrKind, "unknown kind %q", k)
	}
	if len(missing) > 0 {
		return nil, errorf(ErrInvalid, "missing field %s", strings.Join(missing, ", "))
	}
	return rec, nil
}

func nonNil(f []float32) []float32 {
	if f == nil {
		return []float32{}
	}
	return f
}

// timeField is a record's optional time as its JSON field: nil when not
// timed.
func timeField(timed bool, t float64) *float64 {
	if !timed {
		return nil
	}
	return &t
}

// jsonForm returns the JSON form of a record.
func jsonForm(r Record) any {
	switch x := r.(type) {
	case *Frame:
		return jsonFrame{x.Video, x.Frame, timeField(x.Timed, x.T), x.Shape, floatBytes(x.Data), x.Picture}
	case *Window:
		return jsonWindow{x.Video, x.Frames}
	case *Volume:
		return jsonVolume{x.Video, x.Frames, x.Shape, floatBytes(x.Data)}
	case *Error:
		return jsonError{x.Video, x.Frame, timeField(x.Timed, x.T), x.Error, x.Shape, floatBytes(x.Data), x.Regions}
	case *Score:
		return jsonScore{x.Video, x.Frame, timeField(x.Timed, x.T), x.Error, x.Abnormality, x.Regularity}
	case *Event:
		j := jsonEvent{Video: x.Video, Start: x.Start, End: x.End, Deepest: x.Deepest,
			Regularity: x.Regularity, Persistence: x.Persistence, State: x.State}
		if x.Timed {
			j.StartS, j.EndS = &x.StartS, &x.EndS
		}
		return j
	case *VideoEnd:
		return jsonVideoEnd{x.Video, x.Frames}
	}
	return nil
}
