// writer.go: writing a stream, msgpack or newline-delimited JSON.

package stream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
)

// Writer writes a header, then records of the header's kind. Records are
// validated before they are written, so a stream never carries a NaN or a
// shape that disagrees with its data. Close flushes.
type Writer struct {
	bw   *bufio.Writer
	enc  *msgpack.Encoder
	jenc *json.Encoder // NDJSON: encodes a record into line, to check its size
	line bytes.Buffer
	kind Kind
	n    int
	// windows checks a windows-form volume stream's records as a reader
	// assembles them; nil in other streams.
	windows *windowFrames
}

// NewWriter writes h to w and returns a writer for its records; asJSON
// selects newline-delimited JSON.
func NewWriter(w io.Writer, h Header, asJSON bool) (*Writer, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	sw := &Writer{bw: bufio.NewWriterSize(w, 1<<16), kind: h.Kind}
	if h.Version == VersionWindows {
		vd, err := h.VolumeDesc()
		if err != nil {
			return nil, fmt.Errorf("writing header: %w", err)
		}
		span, err := vd.WindowSpan()
		if err != nil {
			return nil, fmt.Errorf("writing header: %w: %v", ErrInvalid, err)
		}
		sw.windows = newWindowFrames(span)
	}
	// The header goes to a buffer first and is checked as a reader would
	// check it (size, nesting), so a header no reader takes is never
	// written.
	var hb bytes.Buffer
	if asJSON {
		sw.jenc = json.NewEncoder(&sw.line)
		sw.jenc.SetEscapeHTML(false)
		je := json.NewEncoder(&hb)
		je.SetEscapeHTML(false)
		if err := je.Encode(h); err != nil {
			return nil, fmt.Errorf("writing header: %w", err)
		}
		if err := jsonDepth(hb.Bytes()); err != nil {
			return nil, fmt.Errorf("writing header: %w: header %v", ErrInvalid, err)
		}
	} else {
		sw.enc = msgpack.NewEncoder(sw.bw)
		he := msgpack.NewEncoder(&hb)
		for _, e := range []*msgpack.Encoder{sw.enc, he} {
			e.UseCompactInts(true)
			e.UseCompactFloats(false)
			e.SetSortMapKeys(true) // deterministic bytes for reproducible pipelines
		}
		if err := he.Encode(h); err != nil {
			return nil, fmt.Errorf("writing header: %w", err)
		}
		walk := &msgWalk{br: bufio.NewReader(bytes.NewReader(hb.Bytes())), budget: MaxHeaderBytes}
		if err := walk.value(0); err == errDepth {
			return nil, fmt.Errorf("writing header: %w: header %v", ErrInvalid, err)
		}
	}
	if hb.Len() > MaxHeaderBytes {
		return nil, fmt.Errorf("writing header: %w: a header of %d bytes, more than %d", ErrInvalid, hb.Len(), MaxHeaderBytes)
	}
	if _, err := sw.bw.Write(hb.Bytes()); err != nil {
		return nil, fmt.Errorf("writing header: %w", err)
	}
	return sw, nil
}

// Write validates and writes one record. A volume stream of the windows
// form takes Frame and Window records (each window after the frames it
// names, within the header's span), no Volume.
func (w *Writer) Write(r Record) error {
	w.n++
	if err := w.fits(r); err != nil {
		return fmt.Errorf("record %d: %w", w.n, err)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("record %d (%s): %w", w.n, describe(r), err)
	}
	if w.windows != nil {
		var err error
		switch x := r.(type) {
		case *Frame:
			err = w.windows.add(x)
		case *Window:
			_, err = w.windows.held(x)
		}
		if err != nil {
			return fmt.Errorf("record %d (%s): %w", w.n, describe(r), err)
		}
	}
	var err error
	if w.jenc != nil {
		err = w.writeJSON(r)
	} else {
		err = w.encodeMsgpack(r)
	}
	if err != nil {
		return fmt.Errorf("writing record %d: %w", w.n, err)
	}
	return nil
}

// fits says whether r is a record of the stream's kind and form.
func (w *Writer) fits(r Record) error {
	_, frame := r.(*Frame)
	_, window := r.(*Window)
	switch {
	case w.windows != nil && (frame || window):
		return nil
	case w.windows != nil:
		return fmt.Errorf("%w: writing a %T into a volume stream that carries each frame once (frames and windows)", ErrKind, r)
	case window:
		return fmt.Errorf("%w: writing a window into a volume stream of the expanded form", ErrKind)
	case r.Kind() != w.kind:
		return fmt.Errorf("%w: writing %s into a %s stream", ErrKind, r.Kind(), w.kind)
	}
	return nil
}

// writeJSON writes one record's line, refused before it is written if it
// is longer than a reader reads (MaxLineBytes).
func (w *Writer) writeJSON(r Record) error {
	w.line.Reset()
	if err := w.jenc.Encode(jsonForm(r)); err != nil {
		return err
	}
	if w.line.Len() > MaxLineBytes {
		return fmt.Errorf("%w: a line of %d bytes, more than %d (write msgpack instead)", ErrInvalid, w.line.Len(), MaxLineBytes)
	}
	_, err := w.bw.Write(w.line.Bytes())
	return err
}

// Flush writes what is buffered to the underlying writer, for a live
// consumer that must see each record as soon as it is made.
func (w *Writer) Flush() error { return w.bw.Flush() }

// WriteFlush is Write then Flush: a record a live consumer sees at once.
func (w *Writer) WriteFlush(r Record) error {
	if err := w.Write(r); err != nil {
		return err
	}
	return w.Flush()
}

// Close flushes what is buffered. It does not close the underlying writer.
func (w *Writer) Close() error {
	return w.bw.Flush()
}

// Count is the number of records written so far.
func (w *Writer) Count() int { return w.n }

func (w *Writer) encodeMsgpack(r Record) error {
	e := w.enc
	var errs []error
	put := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	key := func(k string) { put(e.EncodeString(k)) }
	// One helper a value type, each writing a key and its value.
	str := func(k, v string) { key(k); put(e.EncodeString(v)) }
	num := func(k string, v int) { key(k); put(e.EncodeInt(int64(v))) }
	float := func(k string, v float64) { key(k); put(e.EncodeFloat64(v)) }
	ints := func(k string, xs []int) {
		key(k)
		put(e.EncodeArrayLen(len(xs)))
		for _, x := range xs {
			put(e.EncodeInt(int64(x)))
		}
	}
	data := func(xs []float32) { key("data"); put(e.EncodeBytes(floatBytes(xs))) }
	// count is a record's number of fields: n always there, one more for
	// each optional field present.
	count := func(n int, present ...bool) int {
		for _, p := range present {
			if p {
				n++
			}
		}
		return n
	}
	switch x := r.(type) {
	case *Frame:
		put(e.EncodeMapLen(count(4, x.Timed, x.Picture != nil)))
		str("video", x.Video)
		num("frame", x.Frame)
		if x.Timed {
			float("t", x.T)
		}
		ints("shape", x.Shape)
		data(x.Data)
		if x.Picture != nil {
			key("picture")
			put(e.EncodeBytes(x.Picture))
		}
	case *Window:
		put(e.EncodeMapLen(2))
		str("video", x.Video)
		ints("frames", x.Frames)
	case *Volume:
		put(e.EncodeMapLen(4))
		str("video", x.Video)
		ints("frames", x.Frames)
		ints("shape", x.Shape)
		data(x.Data)
	case *Error:
		n := count(3, x.Timed, len(x.Regions) > 0)
		if x.Data != nil {
			n += 2
		}
		put(e.EncodeMapLen(n))
		str("video", x.Video)
		num("frame", x.Frame)
		if x.Timed {
			float("t", x.T)
		}
		float("error", x.Error)
		if x.Data != nil {
			ints("shape", x.Shape)
			data(x.Data)
		}
		if len(x.Regions) > 0 {
			key("regions")
			put(e.EncodeArrayLen(len(x.Regions)))
			for _, g := range x.Regions {
				put(e.EncodeMapLen(5))
				num("x", g.X)
				num("y", g.Y)
				num("w", g.W)
				num("h", g.H)
				float("error", g.Error)
			}
		}
	case *Score:
		put(e.EncodeMapLen(count(5, x.Timed)))
		str("video", x.Video)
		num("frame", x.Frame)
		if x.Timed {
			float("t", x.T)
		}
		float("error", x.Error)
		float("abnormality", x.Abnormality)
		float("regularity", x.Regularity)
	case *Event:
		n := count(6, x.State != "")
		if x.Timed {
			n += 2
		}
		put(e.EncodeMapLen(n))
		str("video", x.Video)
		num("start", x.Start)
		num("end", x.End)
		num("deepest", x.Deepest)
		float("regularity", x.Regularity)
		float("persistence", x.Persistence)
		if x.State != "" {
			str("state", x.State)
		}
		if x.Timed {
			float("start_s", x.StartS)
			float("end_s", x.EndS)
		}
	case *VideoEnd:
		put(e.EncodeMapLen(2))
		str("video", x.Video)
		num("video_frames", x.Frames)
	}
	return errors.Join(errs...)
}

// describe names a record for error messages: video and frame. An id
// too long to print whole (one over MaxString is refused, and named, in
// one line) is cut.
func describe(r Record) string {
	id := Video(r)
	if len(id) > 64 {
		id = clipID(id, 64)
	}
	switch x := r.(type) {
	case *Frame:
		return fmt.Sprintf("%s frame %d", id, x.Frame)
	case *Window:
		if len(x.Frames) > 0 {
			return fmt.Sprintf("%s window %d..%d", id, x.Frames[0], x.Frames[len(x.Frames)-1])
		}
		return id
	case *Volume:
		if len(x.Frames) > 0 {
			return fmt.Sprintf("%s frames %d..%d", id, x.Frames[0], x.Frames[len(x.Frames)-1])
		}
		return id
	case *Error:
		return fmt.Sprintf("%s frame %d", id, x.Frame)
	case *Score:
		return fmt.Sprintf("%s frame %d", id, x.Frame)
	case *Event:
		return fmt.Sprintf("%s frames %d..%d", id, x.Start, x.End)
	case *VideoEnd:
		return fmt.Sprintf("%s end after %d frames", id, x.Frames)
	}
	return "?"
}

func clipID(id string, n int) string {
	for n > 0 && !utf8.RuneStart(id[n]) {
		n--
	}
	return id[:n] + "..."
}

func errorf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
