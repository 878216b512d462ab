// Channel names: what each plane of a [C,H,W] frame holds, and how a
// list of them is written on a command line or in a header.

package motion

import (
	"errors"
	"fmt"
	"strings"
)

// Channel names one kind of input plane(s). The names are stored in
// stream headers and checkpoints: append new ones, never rename.
type Channel string

const (
	// Gray is appearance: the gray [0,1] frame at the output size. One
	// plane.
	Gray Channel = "gray"
	// Diff is the frame difference d_t = x_t - x_{t-1} of the gray [0,1]
	// frames at the output size, in [-1,1]; d_0 = 0. One plane.
	Diff Channel = "diff"
	// Flow is dense optical flow from frame t-1 to frame t, in pixels of
	// the output size per frame: two planes, dx (positive rightwards) then
	// dy (positive downwards); flow_0 = 0.
	Flow Channel = "flow"
)

// Errors ParseChannels and Validate wrap; test with errors.Is.
var (
	ErrNoChannels       = errors.New("no channels")
	ErrUnknownChannel   = errors.New("unknown channel (want gray, diff or flow)")
	ErrDuplicateChannel = errors.New("channel named twice")
)

// Planes is how many [H,W] planes the channel takes: 2 for Flow (dx, dy),
// 1 for the others, 0 for an unknown name.
func (c Channel) Planes() int {
	switch c {
	case Gray, Diff:
		return 1
	case Flow:
		return 2
	}
	return 0
}

// Planes is the number of planes chs take together: the C of [C,H,W].
func Planes(chs []Channel) int {
	n := 0
	for _, c := range chs {
		n += c.Planes()
	}
	return n
}

// Offset is the index of ch's first plane among chs' planes, or -1 when
// chs lacks ch.
func Offset(chs []Channel, ch Channel) int {
	n := 0
	for _, c := range chs {
		if c == ch {
			return n
		}
		n += c.Planes()
	}
	return -1
}

// ParseChannels reads a comma-separated list such as "gray,diff" or
// "gray, flow". Planes come in the order listed. An empty list, an empty
// or unknown name and a name given twice are errors.
func ParseChannels(s string) ([]Channel, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("channels %q: %w", s, ErrNoChannels)
	}
	var chs []Channel
	for i, f := range strings.Split(s, ",") {
		chs = append(chs, Channel(strings.TrimSpace(f)))
		if chs[i] == "" {
			return nil, fmt.Errorf("channels %q: item %d is empty: %w", s, i+1, ErrUnknownChannel)
		}
	}
	if err := Validate(chs); err != nil {
		return nil, fmt.Errorf("channels %q: %w", s, err)
	}
	return chs, nil
}

// Validate checks a channel list read from elsewhere (a stream header, a
// checkpoint): not empty, every name known, none twice.
func Validate(chs []Channel) error {
	if len(chs) == 0 {
		return ErrNoChannels
	}
	for i, c := range chs {
		if c.Planes() == 0 {
			return fmt.Errorf("%q: %w", string(c), ErrUnknownChannel)
		}
		for _, d := range chs[:i] {
			if d == c {
				return fmt.Errorf("%q: %w", string(c), ErrDuplicateChannel)
			}
		}
	}
	return nil
}

// Format writes chs as ParseChannels reads them: "gray,diff".
func Format(chs []Channel) string {
	s := make([]string, len(chs))
	for i, c := range chs {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}

// PlaneNames names each plane chs produce, in order: a channel of one
// plane by its own name, flow's two as flow.dx and flow.dy. Stream headers,
// statistics files and checkpoints record frames by these names.
func PlaneNames(chs []Channel) []string {
	var names []string
	for _, c := range chs {
		if c == Flow {
			names = append(names, string(c)+".dx", string(c)+".dy")
		} else {
			names = append(names, string(c))
		}
	}
	return names
}

// FromPlaneNames is the inverse of PlaneNames: the channels whose planes
// names lists, or an error when names is not such a list.
func FromPlaneNames(names []string) ([]Channel, error) {
	var chs []Channel
	for i := 0; i < len(names); {
		c := Channel(names[i])
		if names[i] == string(Flow)+".dx" && i+1 < len(names) && names[i+1] == string(Flow)+".dy" {
			c = Flow
		} else if c.Planes() != 1 {
			return nil, fmt.Errorf("plane %q: %w", names[i], ErrUnknownChannel)
		}
		chs = append(chs, c)
		i += c.Planes()
	}
	if err := Validate(chs); err != nil {
		return nil, err
	}
	return chs, nil
}
