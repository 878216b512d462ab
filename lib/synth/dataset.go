// The committed synthetic dataset (testdata/synth): which clips it holds,
// and how its ground truth is written in the two forms stae reads.

package synth

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// TrainClips are the normal clips under testdata/synth/Train.
func TrainClips() []Clip {
	var cs []Clip
	for i := 1; i <= 4; i++ {
		cs = append(cs, Clip{Name: fmt.Sprintf("Train%03d", i), Frames: 80, Seed: uint64(100 + i)})
	}
	return cs
}

// TestClips are the clips under testdata/synth/Test, one per anomaly kind,
// in the order their ground truth lists them.
func TestClips() []Clip {
	return []Clip{
		{Name: "Test001", Frames: 90, Seed: 201, Anomaly: Fast, Enter: 40},
		{Name: "Test002", Frames: 90, Seed: 202, Anomaly: Against, Enter: 30},
		{Name: "Test003", Frames: 90, Seed: 203, Anomaly: Across, Enter: 35},
		{Name: "Test004", Frames: 90, Seed: 204, Anomaly: Large, Enter: 25},
		{Name: "Test005", Frames: 90, Seed: 207, Anomaly: Against, Enter: 45},
	}
}

// AsVideo reports whether the committed copy of a clip is a video file
// (FFV1 .avi) rather than a folder of PNG images: all training clips, and
// one test clip so that a dataset folder mixing both forms is exercised.
func AsVideo(name string) bool {
	return strings.HasPrefix(name, "Train") || name == "Test005"
}

// WriteTruthM writes the frame-level ground truth in the UCSD .m form:
// one `TestVideoFile{end+1}.gt_frame = [first:last];` line per clip, 1-based
// and inclusive, in the order given. A clip without an abnormal range gets
// an empty range `[]`.
func WriteTruthM(w io.Writer, rs []Result) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "TestVideoFile = {};")
	for _, r := range rs {
		if r.First < 0 {
			fmt.Fprintln(bw, "TestVideoFile{end+1}.gt_frame = [];")
			continue
		}
		fmt.Fprintf(bw, "TestVideoFile{end+1}.gt_frame = [%d:%d];\n", r.First+1, r.Last+1)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}

// WriteTruthCSV writes the ground truth as CSV `video,first,last` with a
// header line, 1-based and inclusive; clips without an abnormal range are
// left out.
func WriteTruthCSV(w io.Writer, rs []Result) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "video,first,last")
	for _, r := range rs {
		if r.First < 0 {
			continue
		}
		fmt.Fprintf(bw, "%s,%d,%d\n", r.Name, r.First+1, r.Last+1)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write truth: %w", err)
	}
	return nil
}
