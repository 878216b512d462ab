// Reading and writing UCSD .m ground-truth files.

package truth

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

var (
	// TestVideoFile = {};
	mInit = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\s*=\s*\{\s*\}\s*;?$`)
	// TestVideoFile{end+1}.gt_frame = [61:180, 190:200];
	mEntry = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\s*\{\s*end\s*\+\s*1\s*\}\s*\.\s*gt_frame\s*=\s*\[([^\]]*)\]\s*;?$`)
)

// ParseM reads a UCSD .m ground-truth file: optional `Name = {};`, then one
// `Name{end+1}.gt_frame = [ranges];` line per video, where ranges are
// `first:last` or single frames (1-based, inclusive) separated by commas or
// spaces. Blank lines and %-comments are skipped. Errors name the line.
func ParseM(r io.Reader) (*Truth, error) {
	t := &Truth{Format: FormatM}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexByte(s, '%'); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case mInit.MatchString(s):
			if len(t.Videos) > 0 {
				return nil, &ParseError{line, fmt.Sprintf("list reset after %d entries", len(t.Videos))}
			}
		default:
			m := mEntry.FindStringSubmatch(s)
			if m == nil {
				return nil, &ParseError{line, fmt.Sprintf("not a gt_frame entry: %q", clip(s))}
			}
			spans, err := parseRanges(m[1])
			if err != nil {
				return nil, &ParseError{line, err.Error()}
			}
			t.Videos = append(t.Videos, Video{Spans: spans})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return t, nil
}

// parseRanges reads the inside of [...]: 1-based ranges to 0-based spans.
func parseRanges(s string) ([]Span, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	var spans []Span
	for _, f := range fields {
		a, b, ok := strings.Cut(f, ":")
		first, err := parseFrame(a)
		if err != nil {
			return nil, err
		}
		last := first
		if ok {
			if last, err = parseFrame(b); err != nil {
				return nil, err
			}
		}
		if last < first {
			return nil, fmt.Errorf("range %q ends before it starts", f)
		}
		spans = append(spans, Span{first - 1, last - 1})
	}
	return spans, nil
}

// parseFrame reads a 1-based frame number.
func parseFrame(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("frame %q is not a whole number", clip(s))
	}
	if n < 1 || n > MaxFrame {
		return 0, fmt.Errorf("frame %d outside 1..%d", n, MaxFrame)
	}
	return n, nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// WriteM writes t as a UCSD .m file that ParseM reads back to the same
// spans. Video IDs are not written: the form is positional.
func (t *Truth) WriteM(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("TestVideoFile = {};\n")
	for _, v := range t.Videos {
		bw.WriteString("TestVideoFile{end+1}.gt_frame = [")
		for i, s := range v.Spans {
			if i > 0 {
				bw.WriteString(", ")
			}
			if s.Start == s.End {
				fmt.Fprintf(bw, "%d", s.Start+1)
			} else {
				fmt.Fprintf(bw, "%d:%d", s.Start+1, s.End+1)
			}
		}
		bw.WriteString("];\n")
	}
	return bw.Flush()
}
