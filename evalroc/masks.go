// masks.go: reading an error stream with per-pixel maps against the pixel
// masks of --masks, one video's masks at a time, each map reduced to one
// number as soon as it is read.

package main

import (
	"context"
	"errors"
	"fmt"

	"stae/lib/pixel"
	"stae/lib/stream"
)

// errNoMaps refuses an error stream written without recon --maps.
var errNoMaps = errors.New("--masks needs per-pixel maps: run recon --maps")

// readMaps reads an error stream video by video. A video's masks are read
// (pixel.FindFolder, pixel.ReadFolder) when its first record arrives and
// dropped when the next video begins; each record's map is brought to the
// mask's size and reduced to its frame's pixel-level score (pixel.Reduce)
// at once, so memory holds one video's masks and one map. With keep, the
// frame errors e(t) are kept as a score series for the frame-level report.
// Frames the stream lacks are not evaluated; a frame without a mask is an
// error.
func readMaps(ctx context.Context, r *stream.Reader, dir string, keep bool) (*pixel.Collector, *scoreData, error) {
	col := &pixel.Collector{}
	d := &scoreData{}
	vr := stream.NewVideoReader[*stream.Error](ctx, r)
	for vr.NextVideo() {
		id := vr.Video()
		var masks []*pixel.Mask
		var folder string
		cur := &series{ID: id}
		for e, ok := vr.Next(); ok; e, ok = vr.Next() {
			if len(e.Shape) == 0 || len(e.Data) == 0 {
				if r.Count() == 1 {
					return nil, nil, errNoMaps
				}
				return nil, nil, fmt.Errorf("record %d: %w", r.Count(), errNoMaps)
			}
			if masks == nil {
				var err error
				if folder, err = pixel.FindFolder(dir, id); err != nil {
					return nil, nil, err
				}
				if masks, err = pixel.ReadFolder(folder, 0); err != nil {
					return nil, nil, fmt.Errorf("video %s: %w", id, err)
				}
			}
			if e.Frame >= len(masks) {
				return nil, nil, fmt.Errorf("record %d: video %s frame %d: %w (file number %03d): %s holds %d masks",
					r.Count(), id, e.Frame, pixel.ErrMissing, e.Frame+1, folder, len(masks))
			}
			f, err := pixel.Reduce(masks[e.Frame], e.Shape, e.Data)
			if err != nil {
				return nil, nil, fmt.Errorf("record %d: video %s frame %d: %w", r.Count(), id, e.Frame, err)
			}
			col.Add(id, f)
			if keep {
				cur.Frames = append(cur.Frames, e.Frame)
				cur.Score = append(cur.Score, e.Error)
			}
		}
		if vr.Err() != nil {
			break
		}
		if keep {
			d.videos = append(d.videos, cur)
		}
	}
	if err := vr.Err(); err != nil {
		return nil, nil, err
	}
	if r.Count() == 0 {
		return nil, nil, errors.New("the error stream holds no records")
	}
	return col, d, nil
}
