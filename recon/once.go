// once.go: the reconstruction path that does each frame's work once.
// Windows at stride 1 share all but one frame with the window before, so
// the spatial encoder runs once a frame (its features kept, by frame
// number, while later windows may need them), the ConvLSTM once a window
// (its state starts from zero at each window's first frame, so it cannot
// be shared), and the decoder only on the outputs whose errors are kept:
// every one for --frame-error mean, which averages a frame over the
// windows covering it, and for last mostly only the window's last frame.
// The errors are those of the whole net run per volume (process's other
// path, kept for tests).

package main

import (
	"slices"

	"stae/lib/stream"
)

// frameCache holds the encoded frames of one video by frame number.
type frameCache struct {
	video  string
	span   int // the widest window of the video so far, last frame less first
	frames map[int]*encoded
}

// encoded is one frame's spatial features.
type encoded struct {
	x []float32 // the frame's input, which a hit must equal
	e []float32 // its features
}

// open starts a window of video over frames, dropping the frames no
// later window can hold: windows come in order of their last frame (as
// volumes cuts them), so one ending on or after this one's last frame
// starts at most span frames before it. A window that needs a dropped
// frame anyway only encodes it again.
func (c *frameCache) open(video string, frames []int) {
	if c.frames == nil || video != c.video {
		c.video, c.span, c.frames = video, 0, map[int]*encoded{}
	}
	first, last := slices.Min(frames), slices.Max(frames)
	c.span = max(c.span, last-first)
	for f := range c.frames {
		if f < last-c.span {
			delete(c.frames, f)
		}
	}
}

// get returns frame fn with input x, or a new entry to encode (and true)
// if there is none with that input.
func (c *frameCache) get(fn int, x []float32) (*encoded, bool) {
	if e := c.frames[fn]; e != nil && slices.Equal(e.x, x) {
		return e, false
	}
	e := &encoded{x: slices.Clone(x)}
	c.frames[fn] = e
	return e, true
}

// processOnce reconstructs a batch of volumes stage by stage and adds the
// frame errors in the order process would.
func (r *recon) processOnce(vs []*stream.Volume) error {
	c := r.st.Model.Config
	fv, T := c.FrameValues(), c.Length
	nf, nh := r.st.FeatureValues(), r.st.HiddenValues()

	// Each window's input frames: cached, or encoded now.
	wins := make([][]*encoded, len(vs))
	var todo []*encoded
	var in []float32
	for k, v := range vs {
		// With --target next the last frame is only a target.
		frames := v.Frames[:T]
		r.enc.open(v.Video, frames)
		for t, fn := range frames {
			e, fresh := r.enc.get(fn, v.Data[t*fv:(t+1)*fv])
			if fresh {
				todo = append(todo, e)
				in = append(in, e.x...)
			}
			wins[k] = append(wins[k], e)
		}
	}
	err := r.st.Encode(in, func(i int, f []float32) {
		for j := range len(f) / nf {
			todo[i+j].e = slices.Clone(f[j*nf : (j+1)*nf])
		}
	})
	if err != nil {
		return err
	}

	// The ConvLSTM over each window; the hidden maps of the outputs that
	// are scored go on to the decoder.
	feats := r.feats[:0]
	for _, w := range wins {
		for _, e := range w {
			feats = append(feats, e.e...)
		}
	}
	r.feats = feats
	scored := r.scored(vs, T)
	var hidden []float32
	err = r.st.LSTM(feats, func(i int, h []float32) {
		for j := range len(h) / (T * nh) {
			for t, ok := range scored[i+j] {
				if ok {
					hidden = append(hidden, h[(j*T+t)*nh:(j*T+t+1)*nh]...)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	ys := make([]float32, 0, len(hidden)/nh*fv)
	if err := r.st.Decode(hidden, func(_ int, y []float32) { ys = append(ys, y...) }); err != nil {
		return err
	}

	// The errors, volume by volume. The outputs stand for the volume's
	// last T frames: all of them, or all but the first when each output
	// predicts the next frame.
	for k, v := range vs {
		if err := r.enter(v); err != nil {
			return err
		}
		end := slices.Max(v.Frames)
		targets := v.Data[len(v.Data)-T*fv:]
		for t, fn := range v.Frames[len(v.Frames)-T:] {
			if scored[k][t] {
				r.add(fn, end, targets[t*fv:(t+1)*fv], ys[:fv])
				ys = ys[fv:]
			}
		}
	}
	return nil
}

// scored says which of each volume's T outputs add will keep, given the
// frames seen before it: all for mean; for last, a frame's first output
// and then only those of windows ending on it.
func (r *recon) scored(vs []*stream.Volume, T int) [][]bool {
	video, before := r.video, r.accs // before: the errors add has so far
	ending := map[int]bool{}         // frames of this batch's video so far
	out := make([][]bool, len(vs))
	for k, v := range vs {
		if v.Video != video {
			video, before = v.Video, nil
			clear(ending)
		}
		end := slices.Max(v.Frames)
		out[k] = make([]bool, T)
		for t, fn := range v.Frames[len(v.Frames)-T:] {
			if v.Video == r.video && fn <= r.written {
				continue // written already: add would pass over it
			}
			e, seen := ending[fn]
			if a := before[fn]; !seen && a != nil && a.n > 0 {
				e, seen = a.ending, true
			}
			if r.skips(seen, e, fn, end) {
				continue
			}
			out[k][t] = true
			ending[fn] = r.last && fn == end
		}
	}
	return out
}
