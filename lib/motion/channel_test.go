package motion

import (
	"errors"
	"slices"
	"testing"
)

func TestParseChannels(t *testing.T) {
	tests := []struct {
		in     string
		want   []Channel
		planes int
	}{
		{"gray", []Channel{Gray}, 1},
		{"gray,diff", []Channel{Gray, Diff}, 2},
		{" flow , gray ", []Channel{Flow, Gray}, 3},
		{"gray,diff,flow", []Channel{Gray, Diff, Flow}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseChannels(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if n := Planes(got); n != tt.planes {
				t.Errorf("Planes = %d, want %d", n, tt.planes)
			}
			again, err := ParseChannels(Format(got))
			if err != nil || !slices.Equal(again, got) {
				t.Errorf("Format round trip: %v, %v", again, err)
			}
		})
	}
}

func TestParseChannelsErrors(t *testing.T) {
	tests := []struct {
		in   string
		is   error
		want string
	}{
		{"", ErrNoChannels, `channels "": no channels`},
		{"  ", ErrNoChannels, `channels "  ": no channels`},
		{"gray,", ErrUnknownChannel, `channels "gray,": item 2 is empty: unknown channel (want gray, diff or flow)`},
		{"Gray", ErrUnknownChannel, `channels "Gray": "Gray": unknown channel (want gray, diff or flow)`},
		{"gray,flw", ErrUnknownChannel, `channels "gray,flw": "flw": unknown channel (want gray, diff or flow)`},
		{"diff,gray,diff", ErrDuplicateChannel, `channels "diff,gray,diff": "diff": channel named twice`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseChannels(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestOffset(t *testing.T) {
	chs := []Channel{Flow, Gray, Diff}
	for _, tt := range []struct {
		ch   Channel
		want int
	}{{Flow, 0}, {Gray, 2}, {Diff, 3}} {
		if got := Offset(chs, tt.ch); got != tt.want {
			t.Errorf("Offset(%s) = %d, want %d", tt.ch, got, tt.want)
		}
	}
	if got := Offset([]Channel{Gray}, Flow); got != -1 {
		t.Errorf("Offset of a missing channel = %d, want -1", got)
	}
}

func TestPlaneNames(t *testing.T) {
	chs := []Channel{Gray, Flow, Diff}
	names := PlaneNames(chs)
	if want := []string{"gray", "flow.dx", "flow.dy", "diff"}; !slices.Equal(names, want) {
		t.Fatalf("PlaneNames = %v, want %v", names, want)
	}
	back, err := FromPlaneNames(names)
	if err != nil || !slices.Equal(back, chs) {
		t.Errorf("FromPlaneNames = %v, %v; want %v", back, err, chs)
	}
	for _, bad := range [][]string{{"flow.dx"}, {"flow.dy", "flow.dx"}, {"gray", "gray"}, {"depth"}, nil} {
		if _, err := FromPlaneNames(bad); err == nil {
			t.Errorf("FromPlaneNames(%q) accepted", bad)
		}
	}
}
