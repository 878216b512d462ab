// provenance.go: the parameters one stage leaves in a stream's header for
// the stages after it, as types: what frames records about its frames
// (FrameDesc) and what volumes records about its windows (VolumeDesc), each
// with one way into a header (Params) and one way back out (Header.FrameDesc,
// Header.VolumeDesc). The wire form stays a map of named values, so streams
// written before these types existed read the same.

package stream

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrMissingParam marks a provenance parameter that no stage of the stream
// set; a reader that can do without it tests for it with errors.Is.
var ErrMissingParam = errors.New("missing parameter")

// FrameDesc describes a stream's frames as frames made them. The model
// checkpoint stores the same description of the frames it was trained on
// (its JSON field names are the header's parameter names), so a new field
// here reaches the header, the checkpoint and the check between them at once.
type FrameDesc struct {
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Normalised  bool   `json:"normalised"`   // statistics of training frames applied
	StatsDigest string `json:"stats_digest"` // sha256 of the statistics file; "" when not normalised
	// Channels names the planes of each frame (lib/motion: gray, diff,
	// flow's dx and dy); empty is one gray plane, every stream before
	// channels existed.
	Channels []string `json:"channels,omitempty"`
	// FPS is the source's frame rate (frames per second); 0 is unknown
	// (image folders), and the header then carries no fps.
	FPS float64 `json:"fps,omitempty"`
	// SourceWidth and SourceHeight are the size of the first source's
	// frames before resizing, so a later stage can speak in the source's
	// pixels (recon's regions and overlays); 0 when unknown (streams
	// before them). Not compared with a model's: the frames it sees are.
	SourceWidth  int `json:"source_width,omitempty"`
	SourceHeight int `json:"source_height,omitempty"`
}

// Params is the frame description as header parameters: width, height,
// normalised, stats_digest when normalised, channels when not one gray
// plane, fps when known.
func (f FrameDesc) Params() map[string]any {
	p := map[string]any{"width": f.Width, "height": f.Height, "normalised": f.Normalised}
	if f.Normalised {
		p["stats_digest"] = f.StatsDigest
	}
	if len(f.Channels) > 0 {
		p["channels"] = f.Channels
	}
	if f.FPS > 0 {
		p["fps"] = f.FPS
	}
	if f.SourceWidth > 0 && f.SourceHeight > 0 {
		p["source_width"], p["source_height"] = f.SourceWidth, f.SourceHeight
	}
	return p
}

// Planes is the number of planes of each frame.
func (f FrameDesc) Planes() int { return max(1, len(f.Channels)) }

// Shape is the frames' tensor shape: [H, W] for one gray plane, else
// [C, H, W].
func (f FrameDesc) Shape() []int {
	if len(f.Channels) == 0 {
		return []int{f.Height, f.Width}
	}
	return []int{len(f.Channels), f.Height, f.Width}
}

// ChannelList names the planes for people: "gray" for one gray plane.
func (f FrameDesc) ChannelList() string {
	if len(f.Channels) == 0 {
		return "gray"
	}
	return strings.Join(f.Channels, ",")
}

// FrameDesc reads the frame description from the provenance. Width and
// height must be there (else an error wrapping ErrMissingParam); normalised,
// stats_digest and fps default to false, "" and 0 (streams not made by
// frames, frames of unknown rate). On
// an error the fields that could be read are still set, and the error names
// the first field that could not.
func (h *Header) FrameDesc() (FrameDesc, error) {
	var f FrameDesc
	p := paramReader{h: h}
	f.Width = p.int("width", true)
	f.Height = p.int("height", true)
	f.Normalised = p.bool("normalised")
	f.StatsDigest = p.string("stats_digest")
	f.Channels = p.strings("channels")
	f.FPS = p.float("fps")
	f.SourceWidth = p.int("source_width", false)
	f.SourceHeight = p.int("source_height", false)
	return f, p.err
}

// CheckTrainedOn reports how the frames f differ from those a model was
// trained on; sizes are compared only when f gives them.
func (f FrameDesc) CheckTrainedOn(model FrameDesc) error {
	if f.Width > 0 && f.Height > 0 && (f.Width != model.Width || f.Height != model.Height) {
		return fmt.Errorf("frame size %dx%d differs from the model's %dx%d", f.Width, f.Height, model.Width, model.Height)
	}
	if f.ChannelList() != model.ChannelList() {
		return fmt.Errorf("channels differ: the stream's frames are %s, the model takes %s", f.ChannelList(), model.ChannelList())
	}
	if f.Normalised != model.Normalised {
		return fmt.Errorf("normalisation differs: the stream's frames are normalised=%v, the model's were normalised=%v", f.Normalised, model.Normalised)
	}
	if f.StatsDigest != model.StatsDigest {
		return fmt.Errorf("normalisation differs: stats digest %q, the model's is %q", f.StatsDigest, model.StatsDigest)
	}
	return nil
}

// VolumeDesc describes a stream's volumes as volumes cut them.
type VolumeDesc struct {
	Length  int   // frames per volume, T
	Strides []int // skip strides between a volume's frames
	Hop     int   // frames between the first frames of consecutive windows
}

// Params is the volume description as header parameters: length, strides,
// hop.
func (v VolumeDesc) Params() map[string]any {
	return map[string]any{"length": v.Length, "strides": v.Strides, "hop": v.Hop}
}

// VolumeDesc reads the volume description from the provenance. Length must
// be there (else an error wrapping ErrMissingParam); strides and hop are nil
// and 0 when no stage set them. As with FrameDesc, what could be read is set
// even on an error.
func (h *Header) VolumeDesc() (VolumeDesc, error) {
	var v VolumeDesc
	p := paramReader{h: h}
	v.Length = p.int("length", true)
	v.Hop = p.int("hop", false)
	v.Strides = p.ints("strides")
	return v, p.err
}

// paramReader reads typed parameters, keeping the first error.
type paramReader struct {
	h   *Header
	err error
}

func (p *paramReader) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// get returns key's value, noting its absence when required.
func (p *paramReader) get(key string, required bool) (any, bool) {
	v, ok := p.h.Param(key)
	if !ok && required {
		p.fail(fmt.Errorf("stream header: %w %s", ErrMissingParam, key))
	}
	return v, ok
}

func (p *paramReader) bad(key string, v any, want string) {
	p.fail(fmt.Errorf("stream header: parameter %s is %v, not %s", key, v, want))
}

func (p *paramReader) int(key string, required bool) int {
	return readParam(p, key, required, wholeNumber, "a whole number")
}

func (p *paramReader) bool(key string) bool {
	return readParam(p, key, false, is[bool], "true or false")
}

func (p *paramReader) float(key string) float64 {
	return readParam(p, key, false, finiteNonNegative, "a finite number of at least 0")
}

func (p *paramReader) string(key string) string {
	return readParam(p, key, false, is[string], "a string")
}

func (p *paramReader) strings(key string) []string {
	return readParam(p, key, false, stringList, "a list of strings")
}

func (p *paramReader) ints(key string) []int {
	return readParam(p, key, false, intList, "a list of whole numbers")
}

// readParam reads key as conv converts it (false where it is not want);
// absent or not want, it is T's zero value.
func readParam[T any](p *paramReader, key string, required bool, conv func(any) (T, bool), want string) T {
	var zero T
	v, ok := p.get(key, required)
	if !ok {
		return zero
	}
	x, ok := conv(v)
	if !ok {
		p.bad(key, v, want)
		return zero
	}
	return x
}

// is is v as a T, for readParam.
func is[T any](v any) (T, bool) {
	x, ok := v.(T)
	return x, ok
}

func finiteNonNegative(v any) (float64, bool) {
	x, ok := number(v)
	return x, ok && !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0
}

// Param returns the value of key set by the latest stage that set it.
func (h *Header) Param(key string) (any, bool) {
	for i := len(h.Provenance) - 1; i >= 0; i-- {
		if v, ok := h.Provenance[i].Params[key]; ok {
			return v, true
		}
	}
	return nil, false
}

// ParamFloat returns a number parameter (e.g. a frame rate, "fps"),
// whichever encoding carried it.
func (h *Header) ParamFloat(key string) (float64, bool) {
	v, ok := h.Param(key)
	if !ok {
		return 0, false
	}
	return number(v)
}

// ValidFPS tells a usable frame rate: above 0 and finite.
func ValidFPS(f float64) bool { return f > 0 && !math.IsInf(f, 0) }

// FPS returns the footage's frame rate, the fps parameter, when the header
// carries a usable one.
func (h *Header) FPS() (float64, bool) {
	f, ok := h.ParamFloat("fps")
	return f, ok && ValidFPS(f)
}

// ParamInts returns a list-of-integers parameter, whichever encoding carried
// it (evalroc reads the video_frames of event streams made before the
// per-video records).
func (h *Header) ParamInts(key string) ([]int, bool) { return convParam(h, key, intList) }

// ParamStrings returns a list-of-strings parameter (e.g. the video ids of
// event streams made before the per-video records).
func (h *Header) ParamStrings(key string) ([]string, bool) { return convParam(h, key, stringList) }

// convParam is key's value as conv converts it.
func convParam[T any](h *Header, key string, conv func(any) (T, bool)) (T, bool) {
	v, ok := h.Param(key)
	if !ok {
		var zero T
		return zero, false
	}
	return conv(v)
}

// intList is v as a list of whole numbers: an []int, or an []any of them
// as msgpack and JSON decode it.
func intList(v any) ([]int, bool) {
	if xs, ok := v.([]int); ok {
		return xs, true
	}
	return listOf(v, wholeNumber)
}

// stringList is v as a list of strings, as intList.
func stringList(v any) ([]string, bool) {
	if xs, ok := v.([]string); ok {
		return xs, true
	}
	return listOf(v, is[string])
}

// listOf converts each element of an []any, or fails.
func listOf[T any](v any, conv func(any) (T, bool)) ([]T, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]T, len(list))
	for i, x := range list {
		if out[i], ok = conv(x); !ok {
			return nil, false
		}
	}
	return out, true
}

// wholeNumber returns v as an int when it is a number without a fraction.
func wholeNumber(v any) (int, bool) {
	f, ok := number(v)
	if !ok || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}
