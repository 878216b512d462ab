// Package stream is the one codec every stae tool uses to talk to the next.
//
// A stream is a header followed by records of one kind, all msgpack (or, when
// asked, newline-delimited JSON with the same field names). Tensors travel as
// float32 little-endian bytes: msgpack bin, or base64 in JSON.
//
//	header  {"magic":"stae","version":1,"kind":"score","provenance":[{"tool":..,"version":..,"args":[..],"params":{..}}]}
//	frame   {"video":"Test001","frame":0,"shape":[227,227],"data":..}
//	volume  {"video":"Test001","frames":[0,1,..,9],"shape":[10,227,227],"data":..}
//	error   {"video":"Test001","frame":0,"error":123.4}            (+ "shape","data": the per-pixel map, on request)
//	        (+ "regions":[{"x":..,"y":..,"w":..,"h":..,"error":..},..]: the worst regions, on request)
//	score   {"video":"Test001","frame":0,"error":123.4,"abnormality":0.1,"regularity":0.9}
//	event   {"video":"Test001","start":60,"end":179,"deepest":97,"regularity":0.02,"persistence":0.6}
//	        {"video":"Test001","video_frames":180}                  (VideoEnd: closes a video of an event stream)
//
// Frame numbers are 0-based and below MaxFrame (limits.go, with the other
// bounds every reader and the Writer share). One video's records are contiguous and in frame
// order; VideoReader and EachVideo read a stream video by video and check
// that order, so a tool is a function of one video and holds no more than
// one. Readers decode first, then validate (Validate methods), and never
// trust a declared length before checking it against a bound.
//
// Provenance: each stage's parameters travel as a map in the header, but
// the ones later stages rely on have types: FrameDesc (what frames made:
// size, normalisation) and VolumeDesc (what volumes cut: length, strides,
// hop), each written by its Params method and read back by
// Header.FrameDesc or Header.VolumeDesc, which name a missing or malformed
// parameter. The model checkpoint stores the same FrameDesc.
//
// Videos without events: an event stream has a record for each abnormal
// event, so a video without any would be invisible to evalroc. events
// therefore closes each video, after its events, with a VideoEnd record
// giving the video's frame count; a reader learns the videos as they
// arrive, and events writes its header first and each video's events as
// soon as the video is done. This record rides in event streams only
// (Kind KindEvent, told apart from an event by its video_frames field, which
// an event never has), so the format version stays 1 and every earlier
// stream still reads: event streams made before it listed the videos in
// the header instead (params "videos" and "video_frames"), and evalroc
// accepts either. A reader of event streams reads them with Next and skips
// or uses the VideoEnd records; NextEvent is for streams of events alone.
package stream

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Magic opens every stae stream; Version is the format this package writes
// and the only one it reads.
const (
	Magic   = "stae"
	Version = 1
	// VersionWindows is the form of volume streams that carries each frame
	// once: Frame records, each followed by the Window records that end on
	// it, which name their frames by number (volumes writes it unless told
	// --expand). Readers hand both forms out as Volume records; every other
	// kind of stream is Version.
	VersionWindows = 2
)

// Kind names the one kind of record a stream carries.
type Kind string

// The record kinds, in pipeline order. Append-only.
const (
	KindFrame  Kind = "frame"
	KindVolume Kind = "volume"
	KindError  Kind = "error"
	KindScore  Kind = "score"
	KindEvent  Kind = "event"
)

// Kinds lists every kind in pipeline order.
var Kinds = []Kind{KindFrame, KindVolume, KindError, KindScore, KindEvent}

// producer names the tool that makes each kind, for "did you forget" hints.
var producer = map[Kind]string{
	KindFrame:  "frames",
	KindVolume: "volumes",
	KindError:  "recon",
	KindScore:  "regscore",
	KindEvent:  "events",
}

// Sentinel errors; wrapped with context, test with errors.Is.
var (
	ErrNotStream = errors.New("not a stae stream")
	ErrVersion   = errors.New("unsupported stream format version")
	ErrKind      = errors.New("wrong record kind")
	ErrTruncated = errors.New("truncated record")
	ErrShape     = errors.New("shape does not match data")
	ErrInvalid   = errors.New("invalid record")
	ErrEmpty     = errors.New("empty input: no stream header")
)

// Stage is one entry of a stream's provenance: a tool that handled it, how it
// was called, and the parameters later stages need.
type Stage struct {
	Tool    string         `msgpack:"tool" json:"tool"`
	Version string         `msgpack:"version" json:"version"`
	Args    []string       `msgpack:"args" json:"args"`
	Params  map[string]any `msgpack:"params,omitempty" json:"params,omitempty"`
}

// Header opens a stream.
type Header struct {
	Magic      string  `msgpack:"magic" json:"magic"`
	Version    int     `msgpack:"version" json:"version"`
	Kind       Kind    `msgpack:"kind" json:"kind"`
	Provenance []Stage `msgpack:"provenance" json:"provenance"`
}

// NewHeader returns a header of the given kind whose provenance is prev's
// followed by stage; prev may be nil for a stream's first tool.
func NewHeader(kind Kind, prev *Header, stage Stage) Header {
	h := Header{Magic: Magic, Version: Version, Kind: kind}
	if prev != nil {
		h.Provenance = slices.Clone(prev.Provenance)
	}
	h.Provenance = append(h.Provenance, stage)
	return h
}

// Validate checks a decoded header: magic, version, a known kind.
func (h *Header) Validate() error {
	if h.Magic != Magic {
		return ErrNotStream
	}
	switch {
	case h.Version == VersionWindows && h.Kind != KindVolume:
		return fmt.Errorf("%w %d for a %s stream (version %d is a form of volume streams)", ErrVersion, h.Version, h.Kind, VersionWindows)
	case h.Version != Version && h.Version != VersionWindows:
		return fmt.Errorf("%w %d (this tool reads versions %d and %d)", ErrVersion, h.Version, Version, VersionWindows)
	}
	if !slices.Contains(Kinds, h.Kind) {
		return fmt.Errorf("%w: unknown kind %q", ErrKind, h.Kind)
	}
	return h.validParams()
}

// validParams bounds the parameters that count frames, which tools
// allocate by: volumes' length (frames per volume) and the per-video frame
// counts of event streams made before VideoEnd records (video_frames).
func (h *Header) validParams() error {
	for _, st := range h.Provenance {
		if v, ok := st.Params["length"]; ok {
			if n, ok := wholeNumber(v); ok && n > MaxFrames {
				return fmt.Errorf("%w: header: %s gives a length of %d frames, more than %d", ErrInvalid, st.Tool, n, MaxFrames)
			}
		}
	}
	if counts, ok := h.ParamInts("video_frames"); ok {
		for i, n := range counts {
			if n < 0 || n > MaxFrame {
				return fmt.Errorf("%w: header: video_frames[%d] is %d, not 0 to %d", ErrInvalid, i, n, MaxFrame)
			}
		}
	}
	return nil
}

// Record is a record of any of the five kinds (and VideoEnd, in event
// streams).
type Record interface {
	Kind() Kind
	Validate() error
}

// Frame is one frame, Shape [H, W] (one gray plane) or [C, H, W],
// row-major.
//
// Optional fields, which readers made before them skip: Timed says T (wire
// "t") is the frame's time in seconds on the source's clock (the
// container's timestamp, or the capture clock for a live source, from its
// first frame); Picture is the source frame as frames read it, before
// resizing and normalisation, JPEG-encoded (frames --pictures), for
// pictures a person looks at (recon --overlay).
type Frame struct {
	Video   string
	Frame   int
	Shape   []int
	Data    []float32
	Timed   bool
	T       float64
	Picture []byte
}

// Volume is T frames of one video, Shape [T, H, W] (or [T, C, H, W]);
// Frames lists their 0-based source frame numbers. Read from a stream of
// the windows form, Times and Pictures hold each frame's time (nil when
// the frames were not timed) and picture (nil, or nil entries, where there
// was none); the form before it carries neither, and a Writer of that form
// drops them.
type Volume struct {
	Video    string
	Frames   []int
	Shape    []int
	Data     []float32
	Times    []float64
	Pictures [][]byte
}

// Window names the frames of one volume in a stream of the windows form
// (VersionWindows): the frames came before it in the stream, as Frame
// records of the same video.
type Window struct {
	Video  string
	Frames []int
}

// Error is one frame's reconstruction error; Shape and Data optionally carry
// the per-pixel error map ([H, W]), and Regions where in the frame the
// error is worst (recon --regions): at most MaxRegions boxes, worst first.
// Readers made before regions skip the field.
type Error struct {
	Video   string
	Frame   int
	Error   float64
	Shape   []int
	Data    []float32
	Regions []Region
	Timed   bool    // T is the frame's time (see Frame), wire "t"
	T       float64 // seconds
}

// Region is a box of a frame, origin X, Y (column, row from the top left)
// and size W x H in pixels, with its mean squared error. Its pixels are the
// source's when the header says the source's size (FrameDesc.SourceWidth),
// else the model's frame's; recon's header names which (param
// "regions_grid", WxH).
type Region struct {
	X     int     `json:"x"`
	Y     int     `json:"y"`
	W     int     `json:"w"`
	H     int     `json:"h"`
	Error float64 `json:"error"`
}

// Score is one frame's error with its normalised abnormality and regularity.
type Score struct {
	Video       string
	Frame       int
	Error       float64
	Abnormality float64
	Regularity  float64
	Timed       bool    // T is the frame's time (see Frame), wire "t"
	T           float64 // seconds
}

// Event is one abnormal event: frames Start..End inclusive, with the deepest
// regularity minimum inside it.
//
// Live alarms (events --alarm) add optional fields, which readers made
// before them skip: State "open" marks an alarm still in progress (End and
// Deepest so far; its closed record follows), "" a finished event; Timed
// says StartS and EndS (start_s, end_s: seconds of the first and last
// frame) are present.
type Event struct {
	Video       string
	Start       int
	End         int
	Deepest     int
	Regularity  float64
	Persistence float64
	State       string
	Timed       bool
	StartS      float64
	EndS        float64
}

// EventOpen is the State of an alarm still open.
const EventOpen = "open"

// VideoEnd closes one video of an event stream: the video was scored over
// Frames frames (its last frame number + 1), and its events, none or more,
// came before it. It lets a reader know the videos without events while the
// stream is still arriving. Event streams written before it named their
// videos in the header instead (params videos and video_frames).
type VideoEnd struct {
	Video  string
	Frames int
}

func (*Frame) Kind() Kind  { return KindFrame }
func (*Volume) Kind() Kind { return KindVolume }
func (*Window) Kind() Kind { return KindVolume }
func (*Error) Kind() Kind  { return KindError }
func (*Score) Kind() Kind  { return KindScore }
func (*Event) Kind() Kind  { return KindEvent }

// Kind is KindEvent: a VideoEnd travels in event streams.
func (*VideoEnd) Kind() Kind { return KindEvent }

func (f *Frame) Validate() error {
	if err := validVideo(f.Video); err != nil {
		return err
	}
	if err := validFrame("frame number", f.Frame); err != nil {
		return err
	}
	if err := validTime(f.Timed, f.T); err != nil {
		return err
	}
	if len(f.Picture) > MaxPictureBytes {
		return fmt.Errorf("%w: a picture of %d bytes, more than %d", ErrInvalid, len(f.Picture), MaxPictureBytes)
	}
	// [H, W], or [C, H, W] for frames of several planes.
	return validTensor(f.Shape, f.Data, 2, 3)
}

// validTime checks a record's optional time: finite, not negative.
func validTime(timed bool, t float64) error {
	if !timed {
		return nil
	}
	if err := finite("time", t); err != nil {
		return err
	}
	if t < 0 {
		return fmt.Errorf("%w: time %vs before the source's start", ErrInvalid, t)
	}
	return nil
}

func (w *Window) Validate() error {
	if err := validVideo(w.Video); err != nil {
		return err
	}
	if len(w.Frames) == 0 || len(w.Frames) > MaxFrames {
		return fmt.Errorf("%w: a window of %d frames (want 1 to %d)", ErrInvalid, len(w.Frames), MaxFrames)
	}
	for i, n := range w.Frames {
		if err := validFrame("frame number", n); err != nil {
			return err
		}
		if i > 0 && n <= w.Frames[i-1] {
			return fmt.Errorf("%w: window frames %d then %d: frame numbers must increase", ErrInvalid, w.Frames[i-1], n)
		}
	}
	return nil
}

func (v *Volume) Validate() error {
	if err := validVideo(v.Video); err != nil {
		return err
	}
	// [T, H, W], or [T, C, H, W] for frames of several planes.
	if err := validTensor(v.Shape, v.Data, 3, 4); err != nil {
		return err
	}
	if len(v.Frames) > MaxFrames {
		return fmt.Errorf("%w: %d frame numbers, at most %d", ErrInvalid, len(v.Frames), MaxFrames)
	}
	if len(v.Frames) != v.Shape[0] {
		return fmt.Errorf("%w: %d frame numbers for %d frames", ErrShape, len(v.Frames), v.Shape[0])
	}
	for _, n := range v.Frames {
		if err := validFrame("frame number", n); err != nil {
			return err
		}
	}
	if v.Times != nil && len(v.Times) != len(v.Frames) {
		return fmt.Errorf("%w: %d times for %d frames", ErrShape, len(v.Times), len(v.Frames))
	}
	for _, t := range v.Times {
		if err := validTime(true, t); err != nil {
			return err
		}
	}
	if v.Pictures != nil && len(v.Pictures) != len(v.Frames) {
		return fmt.Errorf("%w: %d pictures for %d frames", ErrShape, len(v.Pictures), len(v.Frames))
	}
	return nil
}

func (e *Error) Validate() error {
	if err := validVideo(e.Video); err != nil {
		return err
	}
	if err := validFrame("frame number", e.Frame); err != nil {
		return err
	}
	if err := errors.Join(finite("error", e.Error), validTime(e.Timed, e.T)); err != nil {
		return err
	}
	if len(e.Regions) > MaxRegions {
		return fmt.Errorf("%w: %d regions, more than %d", ErrInvalid, len(e.Regions), MaxRegions)
	}
	for i, r := range e.Regions {
		if r.X < 0 || r.Y < 0 || r.W < 1 || r.H < 1 {
			return fmt.Errorf("%w: region %d at %d,%d of %dx%d", ErrInvalid, i, r.X, r.Y, r.W, r.H)
		}
		if err := finite("region error", r.Error); err != nil {
			return err
		}
	}
	if e.Shape == nil && e.Data == nil {
		return nil
	}
	return validTensor(e.Shape, e.Data, 2, 2)
}

func (s *Score) Validate() error {
	if err := validVideo(s.Video); err != nil {
		return err
	}
	if err := validFrame("frame number", s.Frame); err != nil {
		return err
	}
	for _, x := range []struct {
		name string
		v    float64
	}{{"error", s.Error}, {"abnormality", s.Abnormality}, {"regularity", s.Regularity}} {
		if err := finite(x.name, x.v); err != nil {
			return err
		}
	}
	return validTime(s.Timed, s.T)
}

func (e *Event) Validate() error {
	if err := validVideo(e.Video); err != nil {
		return err
	}
	if e.Start < 0 || e.End < e.Start {
		return fmt.Errorf("%w: event frames %d..%d", ErrInvalid, e.Start, e.End)
	}
	if err := validFrame("event end frame", e.End); err != nil {
		return err
	}
	if e.Deepest < e.Start || e.Deepest > e.End {
		return fmt.Errorf("%w: deepest frame %d outside event %d..%d", ErrInvalid, e.Deepest, e.Start, e.End)
	}
	if err := finite("regularity", e.Regularity); err != nil {
		return err
	}
	if e.State != "" && e.State != EventOpen {
		return fmt.Errorf("%w: event state %q (want %q or none)", ErrInvalid, e.State, EventOpen)
	}
	if e.Timed {
		if err := errors.Join(finite("start_s", e.StartS), finite("end_s", e.EndS)); err != nil {
			return err
		}
		if e.EndS < e.StartS {
			return fmt.Errorf("%w: event ends at %vs before it starts at %vs", ErrInvalid, e.EndS, e.StartS)
		}
	}
	return finite("persistence", e.Persistence)
}

// FileName makes a video id one safe file name, and a different one for
// every id: '%', '/', '\\', control bytes (C0 and DEL) and a leading '.'
// are written as %XX (upper-case hex), every other byte as itself. So the
// name never leaves the folder it is joined to ("..", "a/b"), never hides
// (".x"), and is injective ("a/b" is a%2Fb, "a_b" stays a_b, "a%2Fb" is
// a%252Fb). A '%' in a name is always an escape of one of those bytes, so
// a caller can reserve a fixed output's name (evalroc's roc.png) by
// escaping one of its other bytes. The empty id (never valid) is "%".
// Plots (evalroc), overlay frames (lib/render) and mask folders
// (lib/pixel) all name files by it.
func FileName(id string) string {
	if id == "" {
		return "%"
	}
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '%' || c == '/' || c == '\\' || c < 0x20 || c == 0x7f || (i == 0 && c == '.') {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (e *VideoEnd) Validate() error {
	if err := validVideo(e.Video); err != nil {
		return err
	}
	if e.Frames < 1 || e.Frames > MaxFrame {
		return fmt.Errorf("%w: video of %d frames (want 1 to %d)", ErrInvalid, e.Frames, MaxFrame)
	}
	return nil
}

func validVideo(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty video id", ErrInvalid)
	}
	if len(id) > MaxString {
		return fmt.Errorf("%w: video id of %d bytes (at most %d)", ErrInvalid, len(id), MaxString)
	}
	// Ids name files (plots, overlays) and travel as JSON text: UTF-8 only.
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: video id %q is not valid UTF-8", ErrInvalid, id)
	}
	return nil
}

func finite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s is %v", ErrInvalid, name, v)
	}
	return nil
}

// validTensor checks a tensor of minDims to maxDims dimensions.
func validTensor(shape []int, data []float32, minDims, maxDims int) error {
	if len(shape) < minDims || len(shape) > maxDims {
		want := fmt.Sprint(minDims)
		if maxDims > minDims {
			want = fmt.Sprintf("%d or %d", minDims, maxDims)
		}
		return fmt.Errorf("%w: shape %s has %d dimensions, want %s", ErrShape, ShapeString(shape), len(shape), want)
	}
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return fmt.Errorf("%w: shape %s", ErrShape, ShapeString(shape))
		}
		n *= d
		if n > MaxTensorBytes/4 {
			return fmt.Errorf("%w: shape %s is too large", ErrShape, ShapeString(shape))
		}
	}
	if n != len(data) {
		return fmt.Errorf("%w: shape %s holds %d values, data has %d", ErrShape, ShapeString(shape), n, len(data))
	}
	// x-x is 0 for every finite x and NaN for NaN and ±Inf: one cheap test
	// per value on the hot path, the slow naming only on failure.
	var acc float32
	for _, x := range data {
		acc += x - x
	}
	if acc == 0 {
		return nil
	}
	for i, x := range data {
		if x-x != 0 {
			return fmt.Errorf("%w: value %d is %v", ErrInvalid, i, x)
		}
	}
	return nil
}

// ShapeString writes a shape as 10x227x227.
func ShapeString(shape []int) string {
	s := ""
	for i, d := range shape {
		if i > 0 {
			s += "x"
		}
		s += fmt.Sprint(d)
	}
	if s == "" {
		return "[]"
	}
	return s
}

// KindError reports a stream of the wrong kind, with a hint naming the tool
// that turns what arrived into what is wanted.
func kindError(want []Kind, got Kind) error {
	ws := make([]string, len(want))
	for i, k := range want {
		ws[i] = string(k)
	}
	article := "a"
	if strings.ContainsRune("aeiou", rune(ws[0][0])) {
		article = "an"
	}
	msg := fmt.Sprintf("want %s %s stream, got %s", article, joinOr(ws), got)
	if len(want) == 1 {
		gi, wi := slices.Index(Kinds, got), slices.Index(Kinds, want[0])
		if gi >= 0 && wi == gi+1 {
			msg += fmt.Sprintf("; did you forget %s?", producer[want[0]])
		} else if gi >= 0 && wi > gi+1 {
			msg += fmt.Sprintf("; %s comes first", producer[Kinds[gi+1]])
		}
	}
	return fmt.Errorf("%w: %s", ErrKind, msg)
}

func joinOr(ws []string) string {
	switch len(ws) {
	case 0:
		return "?"
	case 1:
		return ws[0]
	}
	out := ""
	for i, w := range ws {
		switch {
		case i == 0:
		case i == len(ws)-1:
			out += " or "
		default:
			out += ", "
		}
		out += w
	}
	return out
}
