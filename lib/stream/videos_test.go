// Tests of EachVideo (a stream read video by video, its order checked) and
// of the VideoEnd record's round trip.

package stream

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
)

func TestEachVideo(t *testing.T) {
	score := func(video string, frame int) Record { return &Score{Video: video, Frame: frame} }
	tests := []struct {
		name    string
		recs    []Record
		failOn  string // f fails on this video
		want    []string
		wantErr string
	}{
		{"two videos", []Record{score("A", 0), score("A", 1), score("B", 0)}, "", []string{"A:2", "B:1"}, ""},
		{"a video comes back", []Record{score("A", 0), score("B", 0), score("A", 1)}, "", []string{"A:1"},
			"record 3: video A appears again after B; a video's records must be contiguous"},
		{"f fails between videos", []Record{score("A", 0), score("B", 0)}, "A", nil, "record 2: no"},
		{"f fails at the end", []Record{score("A", 0), score("B", 0)}, "B", []string{"A:1"}, "no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(encode(t, testHeader(KindScore), tc.recs, false)))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = EachVideo(context.Background(), r, func(video string, recs []Record) error {
				if video == tc.failOn {
					return errors.New("no")
				}
				got = append(got, video+":"+string(rune('0'+len(recs))))
				return nil
			})
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if !reflect.DeepEqual(got, tc.want) || gotErr != tc.wantErr {
				t.Errorf("got %v %q, want %v %q", got, gotErr, tc.want, tc.wantErr)
			}
		})
	}
}

func TestVideoEndRoundTrip(t *testing.T) {
	recs := []Record{&Event{Video: "A", Start: 1, End: 2, Deepest: 1}, &VideoEnd{Video: "A", Frames: 9}, &VideoEnd{Video: "B", Frames: 3}}
	for _, asJSON := range []bool{false, true} {
		_, got, err := decodeAll(bytes.NewReader(encode(t, testHeader(KindEvent), recs, asJSON)), KindEvent)
		if err != nil || !reflect.DeepEqual(got, recs) {
			t.Errorf("json %v: got %+v %v, want %+v", asJSON, got, err, recs)
		}
	}
}
