// limits.go: the one set of bounds that readers and the Writer share, and
// the bounded walks that check them while a header, line or unknown field
// is read rather than after: a reader never holds more than a bound's worth
// of bytes, and never recurses deeper than MaxDepth, whatever its input.

package stream

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Bounds on what a reader accepts before it allocates, and on what the
// Writer writes: a record the Writer writes is one every Reader reads, so a
// tool fails where a bad record is made, not one stage later.
const (
	MaxTensorBytes  = 1 << 30 // 1 GiB: far above a 10x227x227 volume (2 MB)
	MaxDims         = 8
	MaxFrames       = 1 << 16 // frame numbers listed by one volume
	MaxString       = 4096    // a video id, in bytes
	MaxRegions      = 64      // regions of one error record
	MaxHeaderBytes  = 1 << 22 // a header (provenance) in either encoding
	MaxPictureBytes = 1 << 24 // one frame's encoded source picture (16 MB)

	// MaxWindowSpan bounds the frames a window of the windows form may
	// span (its last frame number minus its first, plus one): what a
	// reader of that form holds. 1024 is a 10-frame window at stride 113;
	// larger windows travel in the expanded form (volumes --expand).
	MaxWindowSpan = 1024

	// MaxLineBytes bounds one NDJSON line: a tensor of up to about 48 MB
	// in base64 (a 10x3x227x227 volume is 6 MB). A line is read whole
	// before it is decoded, so its bound is what a reader holds; larger
	// tensors travel as msgpack, which reads them as they arrive.
	MaxLineBytes = 64 << 20

	// MaxFrame bounds frame numbers and frame counts: a frame number is
	// below it and a video has at most MaxFrame frames. 1<<24 frames is
	// 19 days at 10 frames/s, 6 days at 30; tools that keep a value per
	// frame number (evalroc's labels, regscore's and events' series) hold
	// at most this many.
	MaxFrame = 1 << 24

	// MaxDepth bounds the nesting of arrays and maps (objects) in a header
	// or record, in either encoding; stae's own nest two or three deep.
	MaxDepth = 32

	// MaxUnknownBytes bounds the fields of one msgpack record that this
	// version does not know (skipped, for records of later versions).
	MaxUnknownBytes = 1 << 20
)

// validFrame checks a frame number.
func validFrame(what string, n int) error {
	if n < 0 {
		return fmt.Errorf("%w: negative %s %d", ErrInvalid, what, n)
	}
	if n >= MaxFrame {
		return fmt.Errorf("%w: %s %d beyond the limit of %d frames", ErrInvalid, what, n, MaxFrame)
	}
	return nil
}

// jsonDepth returns an error if b, JSON text, nests arrays and objects
// deeper than MaxDepth. It counts brackets outside strings and is meant to
// run before json.Unmarshal, whose own limit (10000) is far deeper and
// costs a deep recursion to reach.
func jsonDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > MaxDepth {
				return errDepth
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

var errDepth = fmt.Errorf("nested deeper than %d levels", MaxDepth)

// msgWalk reads one msgpack value from br, checking its nesting against
// MaxDepth and every declared length against the bytes left in its budget
// before it reads them; keep (when not nil) collects the value's bytes.
type msgWalk struct {
	br     *bufio.Reader
	budget int
	keep   []byte
	save   bool
}

// errBudget is a value longer than its walk's budget.
var errBudget = fmt.Errorf("longer than its limit")

func (w *msgWalk) take(n int) ([]byte, error) {
	if n > w.budget {
		return nil, errBudget
	}
	w.budget -= n
	if !w.save {
		if _, err := w.br.Discard(n); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, nil
	}
	start := len(w.keep)
	for n > 0 {
		chunk := min(n, 1<<16)
		w.keep = append(w.keep, make([]byte, chunk)...)
		if _, err := io.ReadFull(w.br, w.keep[len(w.keep)-chunk:]); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		n -= chunk
	}
	return w.keep[start:], nil
}

// fixed reads n bytes that must be looked at (a length), saved or not.
func (w *msgWalk) fixed(n int) ([]byte, error) {
	if n > w.budget {
		return nil, errBudget
	}
	w.budget -= n
	b := make([]byte, n)
	if _, err := io.ReadFull(w.br, b); err != nil {
		return nil, io.ErrUnexpectedEOF
	}
	if w.save {
		w.keep = append(w.keep, b...)
	}
	return b, nil
}

func (w *msgWalk) length(size int) (int, error) {
	b, err := w.fixed(size)
	if err != nil {
		return 0, err
	}
	switch size {
	case 1:
		return int(b[0]), nil
	case 2:
		return int(binary.BigEndian.Uint16(b)), nil
	}
	return int(binary.BigEndian.Uint32(b)), nil
}

// value walks one value at the given depth (the outermost is 1 once it
// is an array or a map).
func (w *msgWalk) value(depth int) error {
	cb, err := w.fixed(1)
	if err != nil {
		return err
	}
	c := cb[0]
	var n, items int // bytes to follow; child values to follow
	switch {
	case c <= 0x7f, c >= 0xe0, c == 0xc0, c == 0xc2, c == 0xc3:
	case c <= 0x8f:
		items = 2 * int(c&0x0f)
	case c <= 0x9f:
		items = int(c & 0x0f)
	case c <= 0xbf:
		n = int(c & 0x1f)
	case c == 0xc4 || c == 0xd9:
		n, err = w.length(1)
	case c == 0xc5 || c == 0xda:
		n, err = w.length(2)
	case c == 0xc6 || c == 0xdb:
		n, err = w.length(4)
	case c == 0xc7 || c == 0xc8 || c == 0xc9:
		if n, err = w.length(map[byte]int{0xc7: 1, 0xc8: 2, 0xc9: 4}[c]); err == nil {
			n++ // the ext type
		}
	case c == 0xca || c == 0xce || c == 0xd2:
		n = 4
	case c == 0xcb || c == 0xcf || c == 0xd3:
		n = 8
	case c == 0xcc || c == 0xd0:
		n = 1
	case c == 0xcd || c == 0xd1:
		n = 2
	case c >= 0xd4 && c <= 0xd8:
		n = 1 + 1<<(c-0xd4)
	case c == 0xdc:
		items, err = w.length(2)
	case c == 0xdd:
		items, err = w.length(4)
	case c == 0xde:
		items, err = w.length(2)
		items *= 2
	case c == 0xdf:
		items, err = w.length(4)
		items *= 2
	default:
		return fmt.Errorf("invalid msgpack code 0x%02x", c)
	}
	if err != nil {
		return err
	}
	if c >= 0x80 && c <= 0x9f || c >= 0xdc && c <= 0xdf {
		if depth+1 > MaxDepth {
			return errDepth
		}
		// Each item takes at least a byte: a count beyond the budget is
		// refused before anything is walked.
		if items > w.budget {
			return errBudget
		}
		for range items {
			if err := w.value(depth + 1); err != nil {
				return err
			}
		}
		return nil
	}
	_, err = w.take(n)
	return err
}
