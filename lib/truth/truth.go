// Package truth reads and writes frame-level ground truth of abnormal events
// and matches it to the videos of a stream.
//
// Two file forms are read, each in its own convention: UCSD .m files
//
//	TestVideoFile = {};
//	TestVideoFile{end+1}.gt_frame = [61:180];
//	TestVideoFile{end+1}.gt_frame = [1:146, 160:180];
//
// whose entries are positional (the n-th entry is the n-th test video), and
// CSV files of `video,first,last` rows naming their videos. Both number
// frames from 1, inclusive. Inside this package, as in streams, frames are
// 0-based: a Span is 0-based and inclusive.
package truth

import (
	"stae/lib/english"
	"stae/lib/fileio"
	"stae/lib/stream"

	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// MaxFrame bounds the frame numbers a truth file may hold, so that a
// corrupt number cannot make a reader allocate without limit. Labels
// allocates by the streams' tighter bound, stream.MaxFrame.
const MaxFrame = 1 << 30

// MaxFileBytes bounds a truth file Read accepts (UCSD's are a few kB).
const MaxFileBytes = 16 << 20

// Format is the file form a Truth was read from.
type Format int

const (
	// FormatM is a UCSD .m file: videos are positional, IDs are empty.
	FormatM Format = iota
	// FormatCSV is `video,first,last` rows: videos are named.
	FormatCSV
)

func (f Format) String() string {
	switch f {
	case FormatM:
		return "m"
	case FormatCSV:
		return "csv"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Span is a run of anomalous frames, 0-based, Start <= End, both inclusive.
type Span struct {
	Start, End int
}

// Video is the ground truth of one video. ID is empty in FormatM.
type Video struct {
	ID    string
	Spans []Span
}

// Truth is a parsed ground-truth file. Videos keep the file's order, and
// each video's spans the order they were written in.
type Truth struct {
	Format Format
	Videos []Video
}

// ParseError is a malformed line of a truth file.
type ParseError struct {
	Line int // 1-based
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Read parses the truth file at path: a .csv file as CSV, anything else
// (normally .m) as a UCSD .m file.
func Read(path string) (*Truth, error) {
	f, _, err := fileio.Open(path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("ground truth: %w", err)
	}
	defer f.Close()
	var t *Truth
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		t, err = ParseCSV(f)
	} else {
		t, err = ParseM(f)
	}
	if err != nil {
		return nil, fmt.Errorf("ground truth %s: %w", path, err)
	}
	return t, nil
}

// Labels returns n frame labels, true where a span marks the frame. A span
// reaching frame n or beyond is an error: the truth and the video disagree on
// the video's length, which usually means they are not the same video.
func (v Video) Labels(n int) ([]bool, error) {
	if n < 0 || n > stream.MaxFrame {
		return nil, fmt.Errorf("a video of %d frames (at most %d)", n, stream.MaxFrame)
	}
	l := make([]bool, n)
	for _, s := range v.Spans {
		if s.End >= n {
			return nil, fmt.Errorf("%w: truth marks frames %d-%d (1-based) but the video has %s", ErrPastEnd, s.Start+1, s.End+1, english.Frames(n))
		}
		for i := s.Start; i <= s.End; i++ {
			l[i] = true
		}
	}
	return l, nil
}

// ErrPastEnd reports ground truth beyond the last frame of a video.
var ErrPastEnd = errors.New("ground truth past the end of the video")

// Runs returns the maximal runs of true labels: the ground-truth events.
func Runs(labels []bool) []Span {
	var out []Span
	for i := 0; i < len(labels); i++ {
		if !labels[i] {
			continue
		}
		j := i
		for j+1 < len(labels) && labels[j+1] {
			j++
		}
		out = append(out, Span{i, j})
		i = j
	}
	return out
}
