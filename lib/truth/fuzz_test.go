// Fuzz tests of both ground-truth parsers: never panic, and what parses
// writes back to text that parses to the same truth.

package truth

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseM(f *testing.F) {
	for _, s := range []string{
		"TestVideoFile = {};\nTestVideoFile{end+1}.gt_frame = [61:180];\n",
		"TestVideoFile{end+1}.gt_frame = [1:146, 160:180];\nTestVideoFile{end+1}.gt_frame = [];\n",
		"% c\nX{end+1}.gt_frame=[5 7:9,12]\r\n",
		"X{end+1}.gt_frame = [9:3];",
		"X{end+1}.gt_frame = [0:1073741825];",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ParseM(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := tr.WriteM(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := ParseM(&buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if !reflect.DeepEqual(back, tr) {
			t.Fatalf("round trip changed %+v to %+v", tr, back)
		}
	})
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"video,first,last\nTest001,61,180\nTest001,190,200\nTest002,,\n",
		"# c\n a , 1 , 1 \r\n",
		"a,0,2\n",
		"a,5,2\n",
		"a,1\n",
		"video,first,last\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tr, err := ParseCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := tr.WriteCSV(&buf); err != nil {
			t.Fatalf("write of parsed %+v: %v", tr, err)
		}
		back, err := ParseCSV(&buf)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", buf.String(), err)
		}
		if !reflect.DeepEqual(back, tr) {
			t.Fatalf("round trip changed %+v to %+v", tr, back)
		}
	})
}
