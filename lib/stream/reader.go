// reader.go: reading a stream in either encoding, detected from its first
// byte, decoding one record at a time and validating it.

package stream

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/vmihailenco/msgpack/v5"
)

// Reader reads one stream: its header at construction, then records. A
// header where a record is expected begins a concatenated stream, read on
// as part of this one (concat.go).
type Reader struct {
	src  io.Reader
	br   *bufio.Reader
	dec  *msgpack.Decoder
	json bool
	hdr  Header
	n    int
	done bool
	// windows holds the frames of a windows-form volume stream
	// (VersionWindows) that its windows may name; nil in other streams.
	windows *windowFrames

	streams    int            // streams read so far, the first included
	headerLine []byte         // an NDJSON header met where a record was expected
	videoIn    map[string]int // the stream each video was met in (1-based)
	lastVideo  string         // the video of the last record of this stream; "" at its start
}

// NewReader reads the stream header from r and checks that the stream's kind
// is one of want (any kind when want is empty).
func NewReader(r io.Reader, want ...Kind) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	sr := &Reader{src: r, br: br, streams: 1}
	if err := sr.readHeader(&sr.hdr); err != nil {
		if sr.interrupted() {
			return nil, ErrInterrupted
		}
		return nil, err
	}
	if len(want) > 0 && !slices.Contains(want, sr.hdr.Kind) {
		return nil, kindError(want, sr.hdr.Kind)
	}
	if sr.hdr.Version == VersionWindows {
		vd, err := sr.hdr.VolumeDesc()
		if err != nil {
			return nil, err
		}
		span, err := vd.WindowSpan()
		if err != nil {
			return nil, fmt.Errorf("%w: stream header: %v", ErrInvalid, err)
		}
		sr.windows = newWindowFrames(span)
	}
	return sr, nil
}

// interrupted tells whether the reader's input was cut by its context (see
// CancelReader): whatever decoding error that caused is reported as such.
func (r *Reader) interrupted() bool {
	cr, ok := r.src.(*cancelReader)
	return ok && cr.ctx.Err() != nil
}

// readHeader reads and validates a header in either encoding, told from
// its first byte; the records after it are read in the same encoding.
func (sr *Reader) readHeader(hdr *Header) error {
	br := sr.br
	first, err := firstByte(br)
	if err == io.EOF {
		return ErrEmpty
	}
	if err != nil {
		return fmt.Errorf("reading stream header: %w", err)
	}
	switch {
	case first == '{':
		sr.json = true
		line, err := sr.readLine(MaxHeaderBytes)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrNotStream, err)
		}
		if err := jsonHeader(line, hdr); err != nil {
			return err
		}
	case msgpackMap(first):
		sr.json = false
		sr.dec = msgpack.NewDecoder(br)
		// Take the header's bytes first, walking them with MaxHeaderBytes
		// and MaxDepth checked as they arrive: every declared array and
		// string is then backed by data, so decoding them into the header
		// cannot allocate on the strength of a length alone, nor recurse
		// without end.
		walk := &msgWalk{br: br, budget: MaxHeaderBytes, save: true}
		if err := walk.value(0); err != nil {
			switch {
			case err == errBudget:
				return fmt.Errorf("%w: a header of more than %d bytes", ErrNotStream, MaxHeaderBytes)
			case err == errDepth:
				return fmt.Errorf("%w: header %v", ErrNotStream, err)
			case isEOF(err):
				return fmt.Errorf("%w: header cut short", ErrTruncated)
			}
			return fmt.Errorf("%w: header is not a stae header", ErrNotStream)
		}
		raw := walk.keep
		if err := msgpack.Unmarshal(raw, hdr); err != nil {
			return fmt.Errorf("%w: header is not a stae header", ErrNotStream)
		}
		normaliseParams(hdr)
	default:
		return fmt.Errorf("%w (first byte 0x%02x)", ErrNotStream, first)
	}
	return hdr.Validate()
}

// jsonHeader decodes an NDJSON header line (not yet validated).
func jsonHeader(line []byte, hdr *Header) error {
	if len(line) > MaxHeaderBytes {
		return fmt.Errorf("%w: a header of more than %d bytes", ErrNotStream, MaxHeaderBytes)
	}
	if err := jsonDepth(line); err != nil {
		return fmt.Errorf("%w: header %v", ErrNotStream, err)
	}
	if err := json.Unmarshal(line, hdr); err != nil {
		return fmt.Errorf("%w: header is not a stae header", ErrNotStream)
	}
	return nil
}

// msgpackMap tells whether b opens a msgpack map (fixmap, map16, map32).
func msgpackMap(b byte) bool { return b >= 0x80 && b <= 0x8f || b == 0xde || b == 0xdf }

// firstByte peeks the first byte that is not JSON whitespace.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// Header is the stream's header as read.
func (r *Reader) Header() *Header { return &r.hdr }

// Kind is the kind of the stream's records.
func (r *Reader) Kind() Kind { return r.hdr.Kind }

// JSON tells whether the stream arrived as NDJSON.
func (r *Reader) JSON() bool { return r.json }

// Count is the number of records read so far.
func (r *Reader) Count() int { return r.n }

// Next reads, decodes and validates the next record; io.EOF at the clean end
// of the stream. Errors name the record's number (1-based, after the header).
// A volume stream of the windows form hands out the Volume each Window
// names, its frames taken from the Frame records before it.
func (r *Reader) Next() (Record, error) {
	if r.windows == nil {
		return r.nextRecord()
	}
	for {
		rec, err := r.nextRecord()
		if err != nil {
			return nil, err
		}
		switch x := rec.(type) {
		case *Frame:
			err = r.windows.add(x)
		case *Window:
			var v *Volume
			if v, err = r.windows.volume(x); err == nil {
				return v, nil
			}
		}
		if err != nil {
			r.done = true
			return nil, fmt.Errorf("record %d (%s): %w", r.n, describe(rec), err)
		}
	}
}

// nextRecord reads one record as the wire carries it.
func (r *Reader) nextRecord() (Record, error) {
	if r.done {
		return nil, io.EOF
	}
	var w wire
	var err error
	for {
		if r.json {
			err = r.nextJSON(&w)
		} else {
			err = r.nextMsgpack(&w)
		}
		if err != errHeaderAhead {
			break
		}
		if err = r.nextStream(); err != nil {
			r.done = true
			if r.interrupted() {
				return nil, ErrInterrupted
			}
			return nil, err
		}
		w = wire{}
	}
	if err == io.EOF {
		r.done = true
		return nil, io.EOF
	}
	r.n++
	if err != nil && r.interrupted() {
		r.done = true
		return nil, ErrInterrupted
	}
	if err != nil {
		r.done = true
		return nil, fmt.Errorf("record %d: %w", r.n, err)
	}
	rec, err := w.toRecord(r.hdr.Kind, r.windows != nil)
	if err == nil {
		err = rec.Validate()
		if err != nil {
			err = fmt.Errorf("%s: %w", describe(rec), err)
		}
	}
	if err == nil {
		err = r.wholeVideo(rec)
	}
	if err != nil {
		r.done = true
		return nil, fmt.Errorf("record %d: %w", r.n, err)
	}
	return rec, nil
}

// errHeaderAhead says that a header stands where a record was expected.
var errHeaderAhead = errors.New("a stream header ahead")

// nextStream reads the header of a concatenated stream and checks it
// against the first.
func (r *Reader) nextStream() error {
	r.streams++
	where := fmt.Sprintf("concatenated stream %d", r.streams)
	if r.n > 0 {
		where += fmt.Sprintf(" (after record %d)", r.n)
	}
	var h Header
	var err error
	if line := r.headerLine; line != nil {
		r.headerLine = nil
		if err = jsonHeader(line, &h); err == nil {
			err = h.Validate()
		}
	} else {
		err = r.readHeader(&h)
	}
	if err == nil {
		err = r.hdr.Agree(&h)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	r.lastVideo = ""
	return nil
}

// wholeVideo checks that rec's video was not met in an earlier stream of a
// concatenation. Streams are tracked from the first, which cannot know
// whether another follows; the map is touched once per video of a stream.
func (r *Reader) wholeVideo(rec Record) error {
	video := Video(rec)
	if video == r.lastVideo {
		return nil
	}
	r.lastVideo = video
	if r.videoIn == nil {
		r.videoIn = map[string]int{}
	}
	in, seen := r.videoIn[video]
	switch {
	case !seen:
		r.videoIn[video] = r.streams
	case in != r.streams:
		return fmt.Errorf("%w: %s, in streams %d and %d", ErrVideoRepeated, video, in, r.streams)
	}
	return nil
}

// NextFrame, NextVolume, NextError, NextScore and NextEvent read the next
// record of a stream known (from NewReader's want) to be of that kind.
func (r *Reader) NextFrame() (*Frame, error)   { return next[*Frame](r) }
func (r *Reader) NextVolume() (*Volume, error) { return next[*Volume](r) }
func (r *Reader) NextError() (*Error, error)   { return next[*Error](r) }
func (r *Reader) NextScore() (*Score, error)   { return next[*Score](r) }
func (r *Reader) NextEvent() (*Event, error)   { return next[*Event](r) }

func next[T Record](r *Reader) (T, error) {
	var zero T
	rec, err := r.Next()
	if err != nil {
		return zero, err
	}
	t, ok := rec.(T)
	if !ok {
		return zero, fmt.Errorf("record %d: %w: got %s", r.n, ErrKind, rec.Kind())
	}
	return t, nil
}

func (r *Reader) nextJSON(w *wire) error {
	// A msgpack map here opens a concatenated stream in msgpack.
	if b, err := firstByte(r.br); err == nil && msgpackMap(b) {
		return errHeaderAhead
	}
	var line []byte
	for {
		var err error
		line, err = r.readLine(MaxLineBytes)
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(line)) > 0 {
			break
		}
	}
	if err := jsonDepth(line); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := json.Unmarshal(line, w); err != nil {
		if line[len(line)-1] != '\n' {
			return fmt.Errorf("%w: last line has no end", ErrTruncated)
		}
		return fmt.Errorf("%w: bad JSON: %v", ErrInvalid, err)
	}
	if w.Magic != nil {
		r.headerLine = line
		return errHeaderAhead
	}
	return nil
}

// readLine returns the next line including its '\n' (absent on the last line
// of a stream without a final newline); io.EOF when nothing is left.
func (r *Reader) readLine(limit int) ([]byte, error) {
	var buf []byte
	for {
		part, err := r.br.ReadSlice('\n')
		if len(buf)+len(part) > limit {
			return nil, fmt.Errorf("%w: line longer than %d bytes", ErrInvalid, limit)
		}
		buf = append(buf, part...)
		switch {
		case err == nil:
			return buf, nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(buf) > 0:
			return buf, nil
		default:
			return nil, err
		}
	}
}

// headerAhead tells whether the msgpack value ahead is a stream header: a
// map whose first key is "magic", as NewWriter writes a header, or '{', an
// NDJSON header (never the first byte of a msgpack record).
func headerAhead(br *bufio.Reader) bool {
	b, _ := br.Peek(1)
	if len(b) == 0 {
		return false
	}
	var n int // bytes of the map's length
	switch {
	case b[0] == '{':
		return true
	case b[0] >= 0x80 && b[0] <= 0x8f:
		n = 1
	case b[0] == 0xde:
		n = 3
	case b[0] == 0xdf:
		n = 5
	default:
		return false
	}
	const magic = "magic"
	b, _ = br.Peek(n + 5 + len(magic)) // the longest str header is 5 bytes
	if len(b) <= n {
		return false // cut inside the map's length: not a header
	}
	key := b[n:]
	for _, str := range [][]byte{{0xa0 | byte(len(magic))}, {0xd9, byte(len(magic))}, {0xda, 0, byte(len(magic))}, {0xdb, 0, 0, 0, byte(len(magic))}} {
		if bytes.HasPrefix(key, append(str, magic...)) {
			return true
		}
	}
	return false
}

func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func (r *Reader) nextMsgpack(w *wire) error {
	if _, err := r.dec.PeekCode(); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return err
	}
	if headerAhead(r.br) {
		return errHeaderAhead
	}
	err := r.decodeWire(w)
	if err != nil && isEOF(err) {
		return fmt.Errorf("%w: stream ends inside it", ErrTruncated)
	}
	return err
}

func (r *Reader) decodeWire(w *wire) error {
	d := r.dec
	n, err := d.DecodeMapLen()
	if err != nil {
		return fmt.Errorf("%w: not a record: %v", ErrInvalid, err)
	}
	if n < 0 || n > 64 {
		return fmt.Errorf("%w: a record with %d fields", ErrInvalid, n)
	}
	unknown := MaxUnknownBytes
	var seen []string
	for range n {
		kb, err := r.bounded(64)
		if err != nil {
			return fmt.Errorf("field name: %w", err)
		}
		key := string(kb)
		// A field given twice would cost its bound twice over.
		if slices.Contains(seen, key) {
			return fmt.Errorf("%w: field %s given twice", ErrInvalid, key)
		}
		seen = append(seen, key)
		switch key {
		case "video":
			b, err := r.bounded(MaxString)
			if err != nil {
				return fmt.Errorf("video: %w", err)
			}
			s := string(b)
			w.Video = &s
		case "frames", "shape":
			limit := MaxFrames
			if key == "shape" {
				limit = MaxDims
			}
			xs, err := r.intList(limit)
			if err != nil {
				return fieldErr(key, err)
			}
			if key == "frames" {
				w.Frames = xs
			} else {
				w.Shape = xs
			}
		case "regions":
			rs, err := r.regions()
			if err != nil {
				return fieldErr(key, err)
			}
			w.Regions = rs
		case "data":
			if err := r.decodeData(w); err != nil {
				return fmt.Errorf("data: %w", err)
			}
		case "picture":
			b, err := r.bounded(MaxPictureBytes)
			if err != nil {
				return fieldErr(key, err)
			}
			w.Picture = b
		case "magic":
			// A header whose first field is not magic (headerAhead).
			return fmt.Errorf("%w: a stream header here must begin with its magic field", ErrInvalid)
		case "state":
			b, err := r.bounded(64)
			if err != nil {
				return fmt.Errorf("state: %w", err)
			}
			st := string(b)
			w.State = &st
		default:
			ip, fp := w.number(key)
			switch {
			case ip != nil:
				v, err := d.DecodeInt()
				if err != nil {
					return fieldErr(key, err)
				}
				*ip = &v
			case fp != nil:
				v, err := d.DecodeFloat64()
				if err != nil {
					return fieldErr(key, err)
				}
				*fp = &v
			default:
				// A later version's field: walked, bounded and dropped.
				walk := &msgWalk{br: r.br, budget: unknown}
				err := walk.value(0)
				unknown = walk.budget
				switch {
				case err == errBudget:
					return fmt.Errorf("%w: field %s: unknown fields longer than %d bytes", ErrInvalid, key, MaxUnknownBytes)
				case err != nil:
					return fieldErr(key, err)
				}
			}
		}
	}
	return nil
}

// number is where the numeric field key goes: an int's slot or a float's
// (the other nil), or neither where key names no number.
func (w *wire) number(key string) (**int, **float64) {
	switch key {
	case "frame":
		return &w.Frame, nil
	case "start":
		return &w.Start, nil
	case "end":
		return &w.End, nil
	case "deepest":
		return &w.Deepest, nil
	case "video_frames":
		return &w.VideoFrames, nil
	case "error":
		return nil, &w.Error
	case "abnormality":
		return nil, &w.Abnormality
	case "regularity":
		return nil, &w.Regularity
	case "persistence":
		return nil, &w.Persistence
	case "start_s":
		return nil, &w.StartS
	case "end_s":
		return nil, &w.EndS
	case "t":
		return nil, &w.T
	}
	return nil, nil
}

func fieldErr(key string, err error) error {
	if isEOF(err) {
		return err
	}
	return fmt.Errorf("%w: field %s: %v", ErrInvalid, key, err)
}

// regions reads a list of at most MaxRegions boxes, each a map of x, y, w,
// h and error (other keys skipped).
func (r *Reader) regions() ([]Region, error) {
	d := r.dec
	n, err := r.arrayLen(MaxRegions)
	if err != nil {
		return nil, err
	}
	rs := make([]Region, n)
	for i := range rs {
		m, err := d.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		if m < 0 || m > 16 {
			return nil, fmt.Errorf("region %d has %d fields", i, m)
		}
		for range m {
			kb, err := r.bounded(64)
			if err != nil {
				return nil, err
			}
			var p *int
			switch string(kb) {
			case "x":
				p = &rs[i].X
			case "y":
				p = &rs[i].Y
			case "w":
				p = &rs[i].W
			case "h":
				p = &rs[i].H
			case "error":
				if rs[i].Error, err = d.DecodeFloat64(); err != nil {
					return nil, err
				}
				continue
			default:
				if err := d.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			if *p, err = d.DecodeInt(); err != nil {
				return nil, err
			}
		}
	}
	return rs, nil
}

// bounded reads a msgpack str or bin of at most limit bytes.
func (r *Reader) bounded(limit int) ([]byte, error) {
	n, err := r.dec.DecodeBytesLen()
	if err != nil {
		return nil, err
	}
	if n < 0 || n > limit {
		return nil, fmt.Errorf("%w: declared length %d exceeds %d", ErrInvalid, n, limit)
	}
	b := make([]byte, n)
	if err := r.dec.ReadFull(b); err != nil {
		return nil, err
	}
	return b, nil
}

// arrayLen reads a msgpack array's declared length and checks it against
// limit, before anything is made for it.
func (r *Reader) arrayLen(limit int) (int, error) {
	n, err := r.dec.DecodeArrayLen()
	if err != nil {
		return 0, err
	}
	if n < 0 || n > limit {
		return 0, fmt.Errorf("declared length %d exceeds %d", n, limit)
	}
	return n, nil
}

func (r *Reader) intList(limit int) ([]int, error) {
	n, err := r.arrayLen(limit)
	if err != nil {
		return nil, err
	}
	xs := make([]int, n)
	for i := range xs {
		if xs[i], err = r.dec.DecodeInt(); err != nil {
			return nil, err
		}
	}
	return xs, nil
}

// decodeData reads tensor bytes straight into float32 memory after checking
// the declared length against the shape (when already read) or the global
// bound, so nothing is allocated on the strength of an unchecked length.
func (r *Reader) decodeData(w *wire) error {
	n, err := r.dec.DecodeBytesLen()
	if err != nil {
		return err
	}
	limit := MaxTensorBytes
	if w.Shape != nil {
		if p, ok := product(w.Shape); ok && p*4 < limit {
			limit = p * 4
		}
	}
	if n < 0 || n > limit {
		if w.Shape != nil {
			return fmt.Errorf("%w: %d bytes declared, shape %s holds %d", ErrShape, n, ShapeString(w.Shape), limit)
		}
		return fmt.Errorf("%w: declared length %d exceeds %d", ErrInvalid, n, limit)
	}
	if n%4 != 0 {
		return fmt.Errorf("%w: %d bytes, not a whole number of float32", ErrShape, n)
	}
	// Grown as the bytes arrive, so that a declared length without the
	// data behind it costs no more than the data that came.
	f := make([]float32, 0, min(n/4, 1<<18))
	for len(f) < n/4 {
		k := min(n/4-len(f), max(len(f), 1<<18))
		f = slices.Grow(f, k)[:len(f)+k]
		if err := r.dec.ReadFull(floatBytes(f[len(f)-k:])); err != nil {
			return err
		}
	}
	fixEndian(f)
	w.floats, w.hasData = f, true
	return nil
}

func product(shape []int) (int, bool) {
	p := 1
	for _, d := range shape {
		if d <= 0 || p > math.MaxInt32/d {
			return 0, false
		}
		p *= d
	}
	return p, true
}

// normaliseParams turns msgpack's sized integer and float types in params
// into int64 and float64, so both encodings read back alike.
func normaliseParams(h *Header) {
	for _, st := range h.Provenance {
		for k, v := range st.Params {
			st.Params[k] = normaliseValue(v)
		}
	}
}

func normaliseValue(v any) any {
	switch x := v.(type) {
	case []any:
		for i := range x {
			x[i] = normaliseValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = normaliseValue(x[k])
		}
		return x
	case float32:
		return float64(x)
	case float64, string, bool, nil:
		return x
	}
	if f, ok := number(v); ok {
		return int64(f)
	}
	return v
}
