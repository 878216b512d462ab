package stream

import "testing"

func TestOrder(t *testing.T) {
	type rec struct {
		video string
		frame int
	}
	tests := []struct {
		name    string
		recs    []rec
		starts  []bool
		wantErr string
	}{
		{"two videos in order", []rec{{"A", 0}, {"A", 1}, {"B", 0}, {"B", 5}}, []bool{true, false, true, false}, ""},
		{"gaps are allowed", []rec{{"A", 3}, {"A", 7}}, []bool{true, false}, ""},
		{"a video comes back", []rec{{"A", 0}, {"B", 0}, {"A", 1}}, []bool{true, true},
			"video A appears again after B; a video's records must be contiguous"},
		{"a frame repeats", []rec{{"A", 0}, {"A", 0}}, []bool{true}, "A frame 0 follows frame 0; frames must increase"},
		{"frames go back", []rec{{"A", 4}, {"A", 2}}, []bool{true}, "A frame 2 follows frame 4; frames must increase"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o Order
			var err error
			for i, r := range tc.recs {
				var start bool
				start, err = o.Next(r.video, r.frame)
				if err != nil {
					break
				}
				if start != tc.starts[i] {
					t.Errorf("record %d: new video %v, want %v", i, start, tc.starts[i])
				}
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Errorf("got error %q, want %q", got, tc.wantErr)
			}
		})
	}
}
