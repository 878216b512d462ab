// Tests of the ground-truth readers, writers and matching.

package truth

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseM(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Video
	}{
		{"ucsd lines", "TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [61:180];\nTestVideoFile{end+1}.gt_frame = [1:146, 160:180];\n",
			[]Video{{Spans: []Span{{60, 179}}}, {Spans: []Span{{0, 145}, {159, 179}}}}},
		{"no init, spaces, single frames, comments", "% truth\n\nX{ end + 1 }.gt_frame=[5 7:9,12] % two\r\nX{end+1}.gt_frame = [];\n",
			[]Video{{Spans: []Span{{4, 4}, {6, 8}, {11, 11}}}, {}}},
		{"empty file", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseM(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got.Format != FormatM || !reflect.DeepEqual(got.Videos, tc.want) {
				t.Errorf("ParseM = %+v, want %+v", got.Videos, tc.want)
			}
		})
	}
}

func TestParseMErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"garbage", "TestVideoFile = {};\nhello\n", `line 2: not a gt_frame entry: "hello"`},
		{"reversed range", "X{end+1}.gt_frame = [1:2];\n\nX{end+1}.gt_frame = [9:3];", `line 3: range "9:3" ends before it starts`},
		{"frame zero", "X{end+1}.gt_frame = [0:3];", "line 1: frame 0 outside 1..1073741824"},
		{"not a number", "X{end+1}.gt_frame = [a:3];", `line 1: frame "a" is not a whole number`},
		{"step range", "X{end+1}.gt_frame = [1:2:9];", `line 1: frame "2:9" is not a whole number`},
		{"missing bracket", "X{end+1}.gt_frame = 1:9;", `line 1: not a gt_frame entry: "X{end+1}.gt_frame = 1:9;"`},
		{"reset after entries", "X{end+1}.gt_frame = [1];\nX = {};", "line 2: list reset after 1 entries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseM(strings.NewReader(tc.in))
			var pe *ParseError
			if !errors.As(err, &pe) || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

func TestParseCSV(t *testing.T) {
	in := "video,first,last\n# comment\nTest002, 5, 9\nTest001,1,1\n\nTest002,20,30\nTest003,,\n"
	got, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &Truth{Format: FormatCSV, Videos: []Video{
		{ID: "Test002", Spans: []Span{{4, 8}, {19, 29}}},
		{ID: "Test001", Spans: []Span{{0, 0}}},
		{ID: "Test003"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseCSV = %+v, want %+v", got, want)
	}
}

func TestParseCSVErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"two fields", "a,1\n", "line 1: 2 fields, want video,first,last"},
		{"empty id", "video,first,last\n,1,2\n", "line 2: empty video id"},
		{"bad first", "a,x,2\n", `line 1: first: frame "x" is not a whole number`},
		{"half empty", "a,1,\n", `line 1: last: frame "" is not a whole number`},
		{"zero-based", "a,0,2\n", "line 1: first: frame 0 outside 1..1073741824"},
		{"reversed", "a,5,2\n", "line 1: last frame 2 before first 5"},
		{"header late", "a,1,2\nvideo,first,last\n", `line 2: first: frame "first" is not a whole number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v, want %s", err, tc.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tr := &Truth{Format: FormatCSV, Videos: []Video{
		{ID: "b", Spans: []Span{{4, 8}, {2, 2}}},
		{ID: "a"},
	}}
	var buf bytes.Buffer
	if err := tr.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "video,first,last\nb,5,9\nb,3,3\na,,\n"; buf.String() != want {
		t.Errorf("WriteCSV wrote %q, want %q", buf.String(), want)
	}
	back, err := ParseCSV(&buf)
	if err != nil || !reflect.DeepEqual(back, tr) {
		t.Errorf("csv round trip = %+v, %v; want %+v", back, err, tr)
	}
	buf.Reset()
	tr.Format = FormatM
	if err := tr.WriteM(&buf); err != nil {
		t.Fatal(err)
	}
	if want := "TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [5:9, 3];\nTestVideoFile{end+1}.gt_frame = [];\n"; buf.String() != want {
		t.Errorf("WriteM wrote %q, want %q", buf.String(), want)
	}
	if err := (&Truth{Videos: []Video{{}}}).WriteCSV(&buf); err == nil {
		t.Error("WriteCSV of a video without id succeeded")
	}
}

func TestLabelsAndRuns(t *testing.T) {
	v := Video{Spans: []Span{{1, 2}, {2, 3}, {6, 6}}}
	l, err := v.Labels(8)
	if err != nil {
		t.Fatal(err)
	}
	want := []bool{false, true, true, true, false, false, true, false}
	if !reflect.DeepEqual(l, want) {
		t.Errorf("Labels = %v, want %v", l, want)
	}
	if got, want := Runs(l), []Span{{1, 3}, {6, 6}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Runs = %v, want %v", got, want)
	}
	if got, want := Runs([]bool{true, true}), []Span{{0, 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Runs(all) = %v, want %v", got, want)
	}
	_, err = v.Labels(6)
	if !errors.Is(err, ErrPastEnd) || err.Error() != "ground truth past the end of the video: truth marks frames 7-7 (1-based) but the video has 6 frames" {
		t.Errorf("Labels(6) error = %v", err)
	}
}

func TestMatch(t *testing.T) {
	m := &Truth{Format: FormatM, Videos: []Video{{Spans: []Span{{0, 0}}}, {Spans: []Span{{1, 1}}}, {Spans: []Span{{2, 2}}}}}
	c := &Truth{Format: FormatCSV, Videos: []Video{{ID: "x", Spans: []Span{{0, 0}}}, {ID: "y"}}}
	tests := []struct {
		name   string
		t      *Truth
		ids    []string
		spans  []int // Spans[0].Start of each matched video, -1 for none
		unused []string
		err    error
	}{
		{"numbered subset", m, []string{"Test003", "Test001"}, []int{2, 0}, []string{"entry 2"}, nil},
		{"sorted order without numbers", m, []string{"b", "a"}, []int{1, 0}, []string{"entry 3"}, nil},
		{"duplicate numbers fall back to order", m, []string{"a1", "b1"}, []int{0, 1}, []string{"entry 3"}, nil},
		{"entry past the end", m, []string{"Test004"}, nil, nil, ErrNoTruth},
		{"named", c, []string{"y", "x"}, []int{-1, 0}, nil, nil},
		{"named unused", c, []string{"x"}, []int{0}, []string{"y"}, nil},
		{"named missing", c, []string{"x", "z"}, nil, nil, ErrNoTruth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, unused, err := tc.t.Match(tc.ids)
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if err != nil {
				return
			}
			var spans []int
			for i, v := range got {
				if v.ID != tc.ids[i] {
					t.Errorf("video %d has id %q, want %q", i, v.ID, tc.ids[i])
				}
				if len(v.Spans) == 0 {
					spans = append(spans, -1)
				} else {
					spans = append(spans, v.Spans[0].Start)
				}
			}
			if !reflect.DeepEqual(spans, tc.spans) || !reflect.DeepEqual(unused, tc.unused) {
				t.Errorf("matched %v unused %v, want %v and %v", spans, unused, tc.spans, tc.unused)
			}
		})
	}
}

func TestNoTruthNamesTheTruthsVideos(t *testing.T) {
	named := func(ids ...string) *Truth {
		tr := &Truth{Format: FormatCSV}
		for _, id := range ids {
			tr.Videos = append(tr.Videos, Video{ID: id})
		}
		return tr
	}
	for _, tc := range []struct {
		name string
		t    *Truth
		id   string
		want string
	}{
		{"nothing near", named("Test001", "Test002"), "street",
			"video street: video has no ground truth; the truth has 2 videos: Test001, Test002"},
		{"a typo", named("Test001", "Test002"), "Test01",
			"video Test01: video has no ground truth; the truth has 2 videos: Test001, Test002; did you mean Test001?"},
		{"many", named("a01", "a02", "a03", "a04", "a05", "a06", "a07"), "street",
			"video street: video has no ground truth; the truth has 7 videos: a01, a02, a03, a04, a05 ... and 2 more"},
		{"one", named("Test001"), "street",
			"video street: video has no ground truth; the truth has 1 video: Test001"},
		{"none", named(), "street",
			"video street: video has no ground truth; the truth lists no videos"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.t.Match([]string{tc.id})
			if !errors.Is(err, ErrNoTruth) || err.Error() != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestUCSDPed2 parses the real benchmark truth from the shared datasets
// folder beside the repository.
func TestUCSDPed2(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "UCSDped2", "Test")
	path := filepath.Join(dir, "UCSDped2.m")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("UCSD Ped2 not at hand: %v", err)
	}
	tr, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = "Test" + string(rune('0'+(i+1)/100)) + string(rune('0'+(i+1)/10%10)) + string(rune('0'+(i+1)%10))
	}
	videos, unused, err := tr.Match(ids)
	if err != nil || len(unused) != 0 || len(tr.Videos) != 12 {
		t.Fatalf("%d videos, match error %v, unused %v; want 12 matched", len(tr.Videos), err, unused)
	}
	anomalous, frames := 0, 0
	for _, v := range videos {
		entries, err := os.ReadDir(filepath.Join(dir, v.ID))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".jpg") {
				n++
			}
		}
		l, err := v.Labels(n)
		if err != nil {
			t.Fatalf("%s: %v", v.ID, err)
		}
		for _, a := range l {
			if a {
				anomalous++
			}
		}
		frames += n
	}
	if anomalous != 1648 || frames != 2010 {
		t.Errorf("%d anomalous frames of %d, want 1648 of 2010", anomalous, frames)
	}
}

func TestCSVByteOrderMark(t *testing.T) {
	got, err := ParseCSV(strings.NewReader("\ufeffvideo,first,last\nTest001,3,5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Videos) != 1 || got.Videos[0].ID != "Test001" {
		t.Errorf("got %+v, want one video Test001", got.Videos)
	}
}
