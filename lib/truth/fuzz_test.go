// Fuzz tests of both ground-truth parsers: never panic, and what parses
// writes back to text that parses to the same truth.

package truth

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseM(f *testing.F) {
	fuzzRoundTrip(f, ParseM, (*Truth).WriteM,
		"TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [61:180];\n",
		"TestVideoFile{end+1}.gt_frame = [1:146, 160:180];\nTestVideoFile{end+1}.gt_frame = [];\n",
		"% c\nX{end+1}.gt_frame=[5 7:9,12]\r\n",
		"X{end+1}.gt_frame = [9:3];",
		"X{end+1}.gt_frame = [0:1073741825];",
		"",
	)
}

func FuzzParseCSV(f *testing.F) {
	fuzzRoundTrip(f, ParseCSV, (*Truth).WriteCSV,
		"video,first,last\nTest001,61,180\nTest001,190,200\nTest002,,\n",
		"# c\n a , 1 , 1 \r\n",
		"a,0,2\n",
		"a,5,2\n",
		"a,1\n",
		"video,first,last\n",
		"",
	)
}

// fuzzRoundTrip fuzzes parse from seeds: what parses writes back, by
// write, to text that parses to the same truth.
func fuzzRoundTrip(f *testing.F, parse func(io.Reader) (*Truth, error), write func(*Truth, io.Writer) error, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := parse(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := write(tr, &buf); err != nil {
			t.Fatalf("write of parsed %+v: %v", tr, err)
		}
		back, err := parse(&buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if !reflect.DeepEqual(back, tr) {
			t.Fatalf("round trip changed %+v to %+v", tr, back)
		}
	})
}
