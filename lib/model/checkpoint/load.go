// load.go: the flags that take a statistics or calibration file take a
// model file that carries one too, told apart by the file's opening bytes
// (lib/container's Identify), so model.stae can be the one file a detector
// needs.

package checkpoint

import (
	"errors"
	"fmt"
	"io"
	"os"

	"stae/lib/calib"
	"stae/lib/container"
	"stae/lib/norm"
)

// isCheckpoint reports whether the file at path opens as a checkpoint. Only
// a regular file is looked at: reading the opening bytes of a pipe would
// take them from the loader that reads it next.
func isCheckpoint(path string) (bool, error) {
	// Stat before opening: opening a FIFO waits for its writer.
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return false, nil // the loader that reads it next says why
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(Magic))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	k, err := container.Identify(head[:n])
	return err == nil && k == container.Checkpoint, nil
}

// loadIfCheckpoint loads the checkpoint at path, or returns nil if the
// file is not one.
func loadIfCheckpoint(path string) (*Checkpoint, error) {
	if ck, err := isCheckpoint(path); err != nil || !ck {
		return nil, err
	}
	return Load(path)
}

// LoadStats reads normalisation statistics and their file's digest from
// path: a statistics file (frames mean), or a checkpoint that carries them
// (fit --stats), whose digest is then the embedded file's.
func LoadStats(path string) (*norm.Stats, string, error) {
	return loadPart(path, norm.ReadFile,
		func(c *Checkpoint) (*norm.Stats, func() (string, error)) { return c.Stats, c.StatsDigest },
		"the model carries no normalisation statistics: retrain it with fit --stats, or pass the statistics file")
}

// LoadCalibration reads a calibration and its file's digest from path: a
// calibration file (regscore calibrate), or a checkpoint that carries one,
// whose digest is then that of the embedded file's bytes.
func LoadCalibration(path string) (*calib.Calibration, string, error) {
	return loadPart(path, calib.LoadDigest,
		func(c *Checkpoint) (*calib.Calibration, func() (string, error)) {
			return c.Calibration, c.CalibrationDigest
		},
		"the model carries no calibration: pass the calibration file (regscore calibrate)")
}

// loadPart reads a part a checkpoint may carry, and its digest, from path:
// the part's own file (read), or a checkpoint, whose part (nil where it
// carries none, refused with missing) and digest part gives.
func loadPart[T any](path string, read func(string) (*T, string, error),
	part func(*Checkpoint) (*T, func() (string, error)), missing string) (*T, string, error) {
	c, err := loadIfCheckpoint(path)
	switch {
	case err != nil:
		return nil, "", err
	case c == nil:
		return read(path)
	}
	v, digest := part(c)
	if v == nil {
		return nil, "", fmt.Errorf("%s: %s", path, missing)
	}
	d, err := digest()
	return v, d, err
}
