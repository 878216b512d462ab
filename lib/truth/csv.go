// Reading and writing `video,first,last` CSV ground truth.

package truth

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ParseCSV reads rows of `video,first,last` (1-based, inclusive frames). A
// video may have several rows; `video,,` names a video with no anomalous
// frames, so that it counts as known. An optional header row
// `video,first,last` may come first; blank lines and lines starting with #
// are skipped. Videos keep the order of their first row.
func ParseCSV(r io.Reader) (*Truth, error) {
	t := &Truth{Format: FormatCSV}
	index := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line, rows := 0, 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			// Spreadsheets save UTF-8 CSV with a byte-order mark.
			text = strings.TrimPrefix(text, "\ufeff")
		}
		s := strings.TrimSpace(text)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		rows++
		if rows == 1 && len(f) == 3 && strings.EqualFold(f[0], "video") && strings.EqualFold(f[1], "first") && strings.EqualFold(f[2], "last") {
			continue
		}
		if len(f) != 3 {
			return nil, &ParseError{line, fmt.Sprintf("%d fields, want video,first,last", len(f))}
		}
		if f[0] == "" {
			return nil, &ParseError{line, "empty video id"}
		}
		k, ok := index[f[0]]
		if !ok {
			k = len(t.Videos)
			index[f[0]] = k
			t.Videos = append(t.Videos, Video{ID: f[0]})
		}
		if f[1] == "" && f[2] == "" {
			continue
		}
		first, err := parseFrame(f[1])
		if err != nil {
			return nil, &ParseError{line, "first: " + err.Error()}
		}
		last, err := parseFrame(f[2])
		if err != nil {
			return nil, &ParseError{line, "last: " + err.Error()}
		}
		if last < first {
			return nil, &ParseError{line, fmt.Sprintf("last frame %d before first %d", last, first)}
		}
		t.Videos[k].Spans = append(t.Videos[k].Spans, Span{first - 1, last - 1})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	return t, nil
}

// WriteCSV writes t as CSV with a header row; ParseCSV reads it back to the
// same truth. FormatM truth has no IDs and cannot be written as CSV without
// them: use WithIDs first.
func (t *Truth) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("video,first,last\n")
	for i, v := range t.Videos {
		if v.ID == "" || strings.ContainsAny(v.ID, ",\n") || v.ID != strings.TrimSpace(v.ID) || strings.HasPrefix(v.ID, "#") {
			return fmt.Errorf("video %d: id %q cannot be written as csv", i+1, v.ID)
		}
		if len(v.Spans) == 0 {
			fmt.Fprintf(bw, "%s,,\n", v.ID)
		}
		for _, s := range v.Spans {
			fmt.Fprintf(bw, "%s,%d,%d\n", v.ID, s.Start+1, s.End+1)
		}
	}
	return bw.Flush()
}
