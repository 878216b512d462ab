// Per-frame energies: the scores of the no-model motion baselines, where a
// frame is as abnormal as the amount of motion in it.

package motion

// ChannelData is ch's part of planes, [C,H,W] laid out as chs says: one
// plane for Gray and Diff, two (dx then dy) for Flow; nil when chs lacks
// ch or planes does not split into Planes(chs) equal planes.
func ChannelData(planes []float32, chs []Channel, ch Channel) []float32 {
	off, n := Offset(chs, ch), Planes(chs)
	if off < 0 || n == 0 || len(planes)%n != 0 {
		return nil
	}
	size := len(planes) / n
	return planes[off*size : (off+ch.Planes())*size]
}

// Energy is the sum of squares of a channel's data, accumulated in
// float64: Σ d² over the pixels for Diff, Σ dx²+dy² for Flow (its two
// planes together). Being a sum, it grows with the output size; compare
// energies at one size only.
func Energy(data []float32) float64 {
	var e float64
	for _, v := range data {
		e += float64(v) * float64(v)
	}
	return e
}
