// Package checkpoint stores a trained model in a file that describes
// itself: magic and format version, a JSON header (model configuration,
// the frame size and normalisation of the data it was trained on, the
// training history, the optimiser state for resuming, and the directory
// of named tensors with shapes), the float32 tensor data, and a CRC-32 of
// everything before it. Files are written whole or not at all.
//
// A checkpoint is a lib/container file of kind Checkpoint; its payload is
//
//	uint32 header length | header JSON |
//	tensors, float32 little-endian, in directory order |
//	sections, in the header's "sections" order (version 2 only)
//
// so the whole file reads
//
//	"STAECKPT" | uint32 version | payload | uint32 CRC-32 (IEEE)
//
// Version 1 has no sections and is still written whenever a checkpoint
// carries none, so such files keep their bytes and digests. Version 2
// adds optional sections, each named in the header with its length:
// "stats", the whole statistics file (lib/norm) the training frames were
// normalised with, and "calibration", a calibration file's bytes
// (lib/calib JSON and a newline). Either makes model.stae the one file a
// detector needs (see LoadStats and LoadCalibration).
package checkpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"stae/lib/calib"
	"stae/lib/container"
	"stae/lib/fileio"
	"stae/lib/model"
	"stae/lib/norm"
	"stae/lib/stream"
)

// Magic opens every checkpoint; Version is the format this build writes
// and reads.
const (
	Magic     = "STAECKPT"
	Version   = 2
	versionV1 = 1
)

// Section names, append-only, in the order they are written.
const (
	SectionStats       = "stats"
	SectionCalibration = "calibration"
)

// fixedSize is the smallest file: the container's frame and the header
// length.
const fixedSize = container.HeadSize + 4 + container.TrailSize

// maxHeader bounds the header length read from a file before trusting it.
const maxHeader = 16 << 20

// The errors match lib/container's ErrNotOurs, ErrVersion and ErrCorrupt
// too.
var (
	// ErrNotCheckpoint: the file is not a stae checkpoint at all.
	ErrNotCheckpoint = container.Sentinel("not a stae checkpoint", container.ErrNotOurs)
	// ErrVersion: a stae checkpoint in a format this build does not read.
	ErrVersion = container.Sentinel("unsupported checkpoint format version", container.ErrVersion)
	// ErrCorrupt: a stae checkpoint that is truncated or damaged.
	ErrCorrupt = container.Sentinel("truncated or damaged checkpoint", container.ErrCorrupt)
)

// Frame is what the model expects of its input frames, copied from the
// volume stream's provenance at training time: the stream's own frame
// description, so the two cannot drift apart.
type Frame = stream.FrameDesc

// Epoch is one epoch's mean training and validation loss.
type Epoch struct {
	Epoch   int     `json:"epoch"`
	Loss    float64 `json:"loss"`
	ValLoss float64 `json:"val_loss"`
}

// History is how the model was trained.
type History struct {
	Seed        uint64  `json:"seed"`
	DataDigest  string  `json:"data_digest"`
	Volumes     int     `json:"volumes"`
	ValVolumes  int     `json:"val_volumes"`
	Epochs      []Epoch `json:"epochs"`
	BestEpoch   int     `json:"best_epoch"`
	BestValLoss float64 `json:"best_val_loss"`
	Stopped     string  `json:"stopped,omitempty"` // why training ended, if it did
}

// MarshalJSON writes h; a best validation loss of +Inf (no epoch finished
// yet: a run interrupted in its first epoch) travels as null, JSON having
// no infinity.
func (h History) MarshalJSON() ([]byte, error) {
	type plain History
	aux := struct {
		plain
		BestValLoss *float64 `json:"best_val_loss"`
	}{plain: plain(h)}
	if !math.IsInf(h.BestValLoss, 1) {
		aux.BestValLoss = &h.BestValLoss
	}
	return json.Marshal(aux)
}

// UnmarshalJSON reads h, a null best validation loss as +Inf.
func (h *History) UnmarshalJSON(b []byte) error {
	type plain History
	aux := struct {
		*plain
		BestValLoss *float64 `json:"best_val_loss"`
	}{plain: (*plain)(h)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	h.BestValLoss = math.Inf(1)
	if aux.BestValLoss != nil {
		h.BestValLoss = *aux.BestValLoss
	}
	return nil
}

// Options are the training settings a resumed run must keep.
type Options struct {
	Epochs     int     `json:"epochs"`
	Batch      int     `json:"batch"`
	MicroBatch int     `json:"micro_batch"`
	LR         float64 `json:"lr"`
	Patience   int     `json:"patience"`
	ValShare   float64 `json:"val_share"`
}

// Train is the state a resumed run continues from: the current (not the
// best) weights, Adam's moments, and where in which epoch it stopped.
type Train struct {
	Options   Options      `json:"options"`
	Epoch     int          `json:"epoch"` // 1-based epoch in progress or next
	Step      int          `json:"step"`  // mini-batches of it already done
	LossSum   float64      `json:"loss_sum"`
	BadEpochs int          `json:"bad_epochs"` // epochs since the best
	Adam      model.Adam   `json:"adam"`       // M and V travel as tensors
	Current   *model.Model `json:"-"`
}

// Checkpoint is a file's content. Model holds the best-validation weights.
type Checkpoint struct {
	Model   *model.Model
	Frame   Frame
	History History
	Train   *Train // nil when the file cannot resume training
	// Stats are the statistics the training frames were normalised with
	// (fit --stats), nil when the file does not carry them; their file's
	// digest is Frame.StatsDigest.
	Stats *norm.Stats
	// Calibration describes the model's errors on normal footage, nil
	// when the file does not carry one.
	Calibration *calib.Calibration
	Digest      string // of the file, set by Load and Save
}

// Section is one entry of the header's section list.
type Section struct {
	Name  string `json:"name"`
	Bytes int    `json:"bytes"`
}

type tensorEntry struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	DType string `json:"dtype"`
}

type header struct {
	Config  model.Config  `json:"config"`
	Frame   Frame         `json:"frame"`
	History History       `json:"history"`
	Train   *Train        `json:"train,omitempty"`
	Tensors []tensorEntry `json:"tensors"`
	// Sections is absent in version 1 files.
	Sections []Section `json:"sections,omitempty"`
}

// sections returns the optional sections' names and bytes, in file order.
func (c *Checkpoint) sections() ([]Section, [][]byte, error) {
	var dir []Section
	var data [][]byte
	if c.Stats != nil {
		b, err := c.Stats.MarshalBinary()
		if err != nil {
			return nil, nil, fmt.Errorf("encoding the statistics section: %w", err)
		}
		dir, data = append(dir, Section{SectionStats, len(b)}), append(data, b)
	}
	if c.Calibration != nil {
		b, err := calibrationBytes(c.Calibration)
		if err != nil {
			return nil, nil, fmt.Errorf("encoding the calibration section: %w", err)
		}
		dir, data = append(dir, Section{SectionCalibration, len(b)}), append(data, b)
	}
	return dir, data, nil
}

// calibrationBytes is the calibration as its file holds it (lib/calib's
// Save), so that its digest is the file's.
func calibrationBytes(c *calib.Calibration) ([]byte, error) {
	b, err := c.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// StatsDigest is the digest of the embedded statistics file (lib/norm's
// Digest), "" when there is none.
func (c *Checkpoint) StatsDigest() (string, error) {
	if c.Stats == nil {
		return "", nil
	}
	b, err := c.Stats.MarshalBinary()
	if err != nil {
		return "", err
	}
	return norm.Digest(b), nil
}

// CalibrationDigest is the sha256 (hex) of the embedded calibration's file
// bytes, as lib/calib's LoadDigest gives for the file, "" when there is
// none.
func (c *Checkpoint) CalibrationDigest() (string, error) {
	if c.Calibration == nil {
		return "", nil
	}
	b, err := calibrationBytes(c.Calibration)
	if err != nil {
		return "", err
	}
	return norm.Digest(b), nil
}

// tensors lists what a checkpoint stores, in file order.
func (c *Checkpoint) tensors() ([]tensorEntry, [][]float32) {
	var dir []tensorEntry
	var data [][]float32
	add := func(prefix string, m *model.Model, pick func(i int) []float32) {
		for i, t := range m.Params {
			dir = append(dir, tensorEntry{Name: prefix + t.Name, Shape: t.Shape, DType: "float32"})
			data = append(data, pick(i))
		}
	}
	add("", c.Model, func(i int) []float32 { return c.Model.Params[i].Data })
	if c.Train != nil {
		add("current/", c.Train.Current, func(i int) []float32 { return c.Train.Current.Params[i].Data })
		add("adam.m/", c.Model, func(i int) []float32 { return c.Train.Adam.M[i] })
		add("adam.v/", c.Model, func(i int) []float32 { return c.Train.Adam.V[i] })
	}
	return dir, data
}

// Encode writes c.
func (c *Checkpoint) Encode(w io.Writer) error {
	payload, version, err := c.payload()
	if err != nil {
		return err
	}
	return container.Encode(w, container.Checkpoint, version, payload)
}

// payload returns the writer of c's payload and the format version it is
// in: 1 without sections, as before they existed.
func (c *Checkpoint) payload() (func(w io.Writer) error, uint32, error) {
	dir, data := c.tensors()
	secs, secData, err := c.sections()
	if err != nil {
		return nil, 0, err
	}
	version := uint32(versionV1)
	if len(secs) > 0 {
		version = Version
	}
	h := header{Config: c.Model.Config, Frame: c.Frame, History: c.History, Train: c.Train, Tensors: dir, Sections: secs}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, 0, fmt.Errorf("encoding checkpoint header: %w", err)
	}
	return func(w io.Writer) error {
		if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(hj)))); err != nil {
			return err
		}
		if _, err := w.Write(hj); err != nil {
			return err
		}
		buf := make([]byte, 0, 1<<16)
		for _, d := range data {
			for _, v := range d {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) == cap(buf) {
					if _, err := w.Write(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		for _, b := range secData {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	}, version, nil
}

// Save writes c to path atomically and sets c.Digest.
func Save(path string, c *Checkpoint) error {
	payload, version, err := c.payload()
	if err != nil {
		return err
	}
	b, err := container.WriteFile(path, 0o644, container.Checkpoint, version, payload)
	if err != nil {
		return err
	}
	c.Digest = digest(b)
	return nil
}

// MaxFileBytes bounds the checkpoint file Load reads, far above the
// paper's model (a few MB) and below what a tool should hold in memory.
const MaxFileBytes = 256 << 20

// Load reads the checkpoint at path: a regular file of at most
// MaxFileBytes, so that /dev/zero or a pipe is refused before it is read.
func Load(path string) (*Checkpoint, error) {
	b, err := fileio.ReadFile(path, MaxFileBytes)
	if err != nil {
		return nil, err
	}
	c, err := Decode(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// maxSide bounds every size in a configuration read from a file, before
// anything computes with it (model.Config.Validate searches for the nearest
// valid side and must not start from near the largest int).
const maxSide = 1 << 16

// plausible checks a decoded configuration's numbers against maxSide.
func plausible(c model.Config) error {
	if len(c.LSTM) > 64 {
		return fmt.Errorf("%d ConvLSTM layers", len(c.LSTM))
	}
	for _, d := range []struct {
		name string
		n    int
	}{{"height", c.Height}, {"width", c.Width}, {"length", c.Length}, {"conv1", c.Conv1}, {"conv2", c.Conv2}, {"deconv1", c.Deconv1}} {
		if d.n < 1 || d.n > maxSide {
			return fmt.Errorf("%s %d outside 1..%d", d.name, d.n, maxSide)
		}
	}
	for _, n := range c.LSTM {
		if n < 1 || n > maxSide {
			return fmt.Errorf("ConvLSTM width %d outside 1..%d", n, maxSide)
		}
	}
	return nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// Decode parses a whole checkpoint file, refusing anything that is not
// exactly one checkpoint of this format.
func Decode(b []byte) (*Checkpoint, error) {
	f, err := container.Open(b, container.Checkpoint)
	if errors.Is(err, container.ErrNotOurs) {
		return nil, ErrNotCheckpoint
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the fixed header", ErrCorrupt, len(b))
	}
	if f.Version != Version && f.Version != versionV1 {
		return nil, fmt.Errorf("%w %d (this build reads %d and %d)", ErrVersion, f.Version, versionV1, Version)
	}
	p := f.Payload
	if len(b) < fixedSize {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the fixed header", ErrCorrupt, len(b))
	}
	hl := int(binary.LittleEndian.Uint32(p))
	if hl > maxHeader || 4+hl > len(p) {
		return nil, fmt.Errorf("%w: header of %d bytes in a file of %d", ErrCorrupt, hl, len(b))
	}
	var h header
	if err := json.Unmarshal(p[4:4+hl], &h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrCorrupt, err)
	}
	if err := plausible(h.Config); err != nil {
		return nil, fmt.Errorf("%w: configuration: %v", ErrCorrupt, err)
	}
	if err := h.Config.Validate(); err != nil {
		return nil, fmt.Errorf("%w: configuration: %v", ErrCorrupt, err)
	}
	want := fixedSize + hl
	for _, t := range h.Tensors {
		n := 1
		for _, s := range t.Shape {
			if s < 1 || s > 1<<28 || n > (1<<30)/s {
				return nil, fmt.Errorf("%w: tensor %s has shape %v", ErrCorrupt, t.Name, t.Shape)
			}
			n *= s
		}
		if t.DType != "float32" {
			return nil, fmt.Errorf("%w: tensor %s has dtype %q", ErrCorrupt, t.Name, t.DType)
		}
		want += 4 * n
	}
	if err := checkSections(f.Version, h.Sections); err != nil {
		return nil, err
	}
	for _, s := range h.Sections {
		want += s.Bytes
	}
	if len(b) != want {
		return nil, fmt.Errorf("%w: %d bytes, the header promises %d", ErrCorrupt, len(b), want)
	}
	var sumErr *container.ChecksumError
	if err := f.Verify(); errors.As(err, &sumErr) {
		return nil, fmt.Errorf("%w: checksum %08x, file says %08x", ErrCorrupt, sumErr.Computed, sumErr.Stored)
	}
	pos := 4 + hl
	byName := map[string]model.Tensor{}
	for _, t := range h.Tensors {
		n := 1
		for _, s := range t.Shape {
			n *= s
		}
		d := make([]float32, n)
		for i := range d {
			d[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[pos+4*i:]))
		}
		pos += 4 * n
		byName[t.Name] = model.Tensor{Name: t.Name, Shape: t.Shape, Data: d}
	}
	pick := func(prefix string) (*model.Model, error) {
		m := &model.Model{Config: h.Config}
		for _, p := range h.Config.Params() {
			t, ok := byName[prefix+p.Name]
			if !ok {
				return nil, fmt.Errorf("%w: no tensor %s", ErrCorrupt, prefix+p.Name)
			}
			t.Name = p.Name
			m.Params = append(m.Params, t)
		}
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return m, nil
	}
	c := &Checkpoint{Frame: h.Frame, History: h.History, Train: h.Train, Digest: digest(b)}
	if err := c.readSections(h.Sections, p[pos:]); err != nil {
		return nil, err
	}
	if c.Model, err = pick(""); err != nil {
		return nil, err
	}
	if c.Train != nil {
		if c.Train.Current, err = pick("current/"); err != nil {
			return nil, err
		}
		ms, err := pick("adam.m/")
		if err != nil {
			return nil, err
		}
		vs, err := pick("adam.v/")
		if err != nil {
			return nil, err
		}
		c.Train.Adam.M, c.Train.Adam.V = nil, nil
		for i := range ms.Params {
			c.Train.Adam.M = append(c.Train.Adam.M, ms.Params[i].Data)
			c.Train.Adam.V = append(c.Train.Adam.V, vs.Params[i].Data)
		}
	}
	return c, nil
}

// checkSections checks a header's section list before any length in it is
// used: none in version 1, otherwise known names, once each, in order,
// each within its bound.
func checkSections(version uint32, secs []Section) error {
	if version == versionV1 && len(secs) > 0 {
		return fmt.Errorf("%w: sections in a version 1 file", ErrCorrupt)
	}
	order := []string{SectionStats, SectionCalibration}
	bound := map[string]int{SectionStats: math.MaxInt32, SectionCalibration: calib.MaxJSONBytes}
	next := 0
	for _, s := range secs {
		i := next
		for i < len(order) && order[i] != s.Name {
			i++
		}
		if i == len(order) {
			return fmt.Errorf("%w: section %q unknown, repeated or out of order", ErrCorrupt, s.Name)
		}
		if s.Bytes < 1 || s.Bytes > bound[s.Name] {
			return fmt.Errorf("%w: section %s of %d bytes", ErrCorrupt, s.Name, s.Bytes)
		}
		next = i + 1
	}
	return nil
}

// readSections decodes the sections in p, which checkSections and the
// file's size have bounded, and validates each: a section must be exactly
// what encoding its content gives, so that its digest is well defined.
func (c *Checkpoint) readSections(secs []Section, p []byte) error {
	for _, s := range secs {
		b := p[:s.Bytes]
		p = p[s.Bytes:]
		var again []byte
		switch s.Name {
		case SectionStats:
			var st norm.Stats
			if err := st.UnmarshalBinary(b); err != nil {
				return fmt.Errorf("%w: statistics section: %v", ErrCorrupt, err)
			}
			c.Stats = &st
			again, _ = st.MarshalBinary()
		case SectionCalibration:
			var cal calib.Calibration
			if err := cal.UnmarshalJSON(b); err != nil {
				return fmt.Errorf("%w: calibration section: %v", ErrCorrupt, err)
			}
			c.Calibration = &cal
			again, _ = calibrationBytes(&cal)
		}
		if !bytes.Equal(again, b) {
			return fmt.Errorf("%w: %s section is not in its canonical form", ErrCorrupt, s.Name)
		}
	}
	return nil
}
