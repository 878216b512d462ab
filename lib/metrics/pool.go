// Micro and macro pooling of frame-level AUC over several videos.

package metrics

import (
	"errors"
	"fmt"
)

// Video is one video's frame scores and labels, aligned by index.
type Video struct {
	ID     string
	Scores []float64
	Labels []bool
}

// VideoAUC is the AUC of one video. Skipped is set (and AUC is 0) when the
// video holds a single class, so it has no AUC and is left out of the macro
// mean.
type VideoAUC struct {
	ID        string  `json:"video"`
	Frames    int     `json:"frames"`
	Anomalous int     `json:"anomalous"`
	AUC       float64 `json:"auc"`
	Skipped   bool    `json:"skipped,omitempty"`
}

// Micro pools all frames of all videos into one ROC and returns it with its
// AUC.
func Micro(videos []Video) ([]Point, float64, error) {
	var scores []float64
	var labels []bool
	for _, v := range videos {
		if len(v.Scores) != len(v.Labels) {
			return nil, 0, fmt.Errorf("video %s: %d scores but %d labels", v.ID, len(v.Scores), len(v.Labels))
		}
		scores = append(scores, v.Scores...)
		labels = append(labels, v.Labels...)
	}
	pts, err := ROC(scores, labels)
	if err != nil {
		return nil, 0, err
	}
	auc, err := AUC(scores, labels)
	if err != nil {
		return nil, 0, err
	}
	return pts, auc, nil
}

// Macro returns the mean of the per-video AUCs over the videos that hold
// both classes, and every video's AUC in the order given. It fails with
// ErrOneClass when no video holds both classes.
func Macro(videos []Video) (float64, []VideoAUC, error) {
	per := make([]VideoAUC, len(videos))
	var sum float64
	var n int
	for i, v := range videos {
		per[i] = VideoAUC{ID: v.ID, Frames: len(v.Scores)}
		for _, l := range v.Labels {
			if l {
				per[i].Anomalous++
			}
		}
		auc, err := AUC(v.Scores, v.Labels)
		switch {
		case errors.Is(err, ErrOneClass):
			per[i].Skipped = true
			continue
		case err != nil:
			return 0, nil, fmt.Errorf("video %s: %w", v.ID, err)
		}
		per[i].AUC = auc
		sum += auc
		n++
	}
	if n == 0 {
		return 0, per, fmt.Errorf("macro auc: no video holds both classes: %w", ErrOneClass)
	}
	return sum / float64(n), per, nil
}
