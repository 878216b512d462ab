// file_test.go: Any tells the file kinds apart by their opening bytes and
// shows each non-stream file as one JSON object.

package inspect

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"stae/lib/calib"
	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/norm"
	"stae/lib/stream"
	"stae/lib/stream/streamtest"
)

func testStats(t *testing.T) (*norm.Stats, []byte) {
	t.Helper()
	s := &norm.Stats{Width: 43, Height: 35, Frames: 7, Std: []float64{0.5}, Mean: make([]float32, 43*35)}
	s.Mean[0] = 1
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func testCalibration(t *testing.T) (*calib.Calibration, []byte) {
	t.Helper()
	c, err := calib.FromErrors([]float64{1, 2, 3, 4}, calib.Options{FPS: 10, Scoring: "s"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	return c, b.Bytes()
}

func testCheckpoint(t *testing.T, sections bool) []byte {
	t.Helper()
	m, err := model.New(model.Config{Height: 35, Width: 43, Length: 3, Conv1: 2, Conv2: 2, LSTM: []int{2, 1, 2}, Deconv1: 2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ck := &checkpoint.Checkpoint{Model: m, Frame: checkpoint.Frame{Width: 43, Height: 35}}
	if sections {
		ck.Stats, _ = testStats(t)
		ck.Calibration, _ = testCalibration(t)
	}
	var b bytes.Buffer
	if err := ck.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	_, sb := testStats(t)
	_, cb := testCalibration(t)
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"msgpack stream", encode(t, stream.KindScore), KindStream},
		{"NDJSON stream", streamtest.Encode(t, streamtest.Header(stream.KindScore, "test", nil), true), KindStream},
		{"empty", nil, KindStream},
		{"checkpoint", testCheckpoint(t, false), KindCheckpoint},
		{"statistics", sb, KindStats},
		{"calibration", cb, KindCalibration},
		{"calibration, indented", append([]byte(" \n{\n  \"format\" :"), cb[11:]...), KindCalibration},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Sniff(bufio.NewReader(bytes.NewReader(c.in))); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestAnyFiles(t *testing.T) {
	_, sb := testStats(t)
	_, cb := testCalibration(t)
	for _, c := range []struct {
		name string
		in   []byte
		want []string // substrings of the one line
	}{
		{"statistics", sb, []string{`{"kind":"statistics","version":1,"bytes":6060,"width":43,"height":35,"planes":1,"frames":7,"std":[0.5],"mean":{"shape":[35,43],"min":0,"max":1,`, `"digest":"` + norm.Digest(sb) + `"}`}},
		{"calibration", cb, []string{`{"kind":"calibration","frames":4,"fps":10,"seconds":0.4,"scoring":"s","sample":4,"ordered":true,"quantiles":{`, `"max":4,"min":1}`}},
		{"checkpoint", testCheckpoint(t, false), []string{`{"kind":"checkpoint","version":1,`, `"tensors":[{"name":"conv1.w","shape":[2,1,11,11]}`}},
		{"checkpoint with sections", testCheckpoint(t, true), []string{`{"kind":"checkpoint","version":2,`, `"stats":{"version":1,"bytes":6060,`, `"calibration":{"frames":4,"fps":10,`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			if n, err := Any(bytes.NewReader(c.in), &out, Options{}); err != nil || n != 0 {
				t.Fatalf("n %d, err %v", n, err)
			}
			line := out.String()
			if strings.Count(line, "\n") != 1 || !json.Valid([]byte(line)) {
				t.Fatalf("not one JSON line: %q", line)
			}
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("%s\nlacks %s", line, w)
				}
			}
		})
	}
	if _, err := Any(bytes.NewReader(sb), &bytes.Buffer{}, Options{Data: true}); err == nil || err.Error() != "--data: the input is a statistics, not a stream" {
		t.Errorf("--data on a statistics file: %v", err)
	}
}
