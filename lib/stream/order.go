// order.go: the contract that one video's records are contiguous and in
// frame order, checked once for every tool that reads video by video.

package stream

import "fmt"

// Order checks records against those before them: a video, once left, never
// comes back, and within a video frame numbers increase. The zero value is
// ready to use.
type Order struct {
	video string
	last  int
	seen  map[string]bool
}

// Next checks the record (video, frame) and reports whether it begins a new
// video.
func (o *Order) Next(video string, frame int) (newVideo bool, err error) {
	if video == o.video && o.seen != nil {
		if frame <= o.last {
			return false, fmt.Errorf("%s frame %d follows frame %d; frames must increase", video, frame, o.last)
		}
		o.last = frame
		return false, nil
	}
	if _, err := o.NextVideo(video); err != nil {
		return false, err
	}
	o.last = frame
	return true, nil
}

// NextVideo checks only the contiguity of videos, for records that carry no
// single frame number (volumes, events), and reports whether video begins a
// new one.
func (o *Order) NextVideo(video string) (newVideo bool, err error) {
	if video == o.video && o.seen != nil {
		return false, nil
	}
	if o.seen[video] {
		return false, fmt.Errorf("video %s appears again after %s; a video's records must be contiguous", video, o.video)
	}
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	o.seen[video] = true
	o.video = video
	return true, nil
}
