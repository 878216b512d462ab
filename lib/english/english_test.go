package english

import "testing"

func TestCount(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Frames(0), "0 frames"}, {Frames(1), "1 frame"}, {Frames(2), "2 frames"},
		{Videos(1), "1 video"}, {Videos(12), "12 videos"},
		{Count(1, "entry", "entries"), "1 entry"}, {Count(3, "entry", "entries"), "3 entries"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
