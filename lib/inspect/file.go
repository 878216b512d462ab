// file.go: the files stae writes besides its streams (a model checkpoint,
// a statistics file, a calibration), each shown as one JSON object, so
// that `fit inspect model.stae` answers like `fit inspect train.volumes
// --header`. The kind is told by the opening bytes: lib/container's magic
// for a checkpoint or statistics, a JSON object whose first key is
// "format" for a calibration, anything else is read as a stream.

package inspect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"unicode"

	"stae/lib/calib"
	"stae/lib/container"
	"stae/lib/digest"
	"stae/lib/model"
	"stae/lib/model/checkpoint"
	"stae/lib/norm"
)

// The kinds of file Any tells apart.
const (
	KindStream      = "stream"
	KindCheckpoint  = "checkpoint"
	KindStats       = "statistics"
	KindCalibration = "calibration"
)

// sniffSize is how much of the input is looked at to tell its kind.
const sniffSize = 4096

// Sniff names the kind of file br holds from its opening bytes, reading
// nothing from it. It peeks no further than it must, so that a live
// stream's header is shown as soon as it arrives.
func Sniff(br *bufio.Reader) string {
	head, _ := br.Peek(len(checkpoint.Magic))
	if k, err := container.Identify(head); err == nil {
		switch k {
		case container.Checkpoint:
			return KindCheckpoint
		case container.Stats:
			return KindStats
		}
	}
	if i := bytes.IndexFunc(head, func(r rune) bool { return !unicode.IsSpace(r) }); i < 0 || head[i] != '{' {
		return KindStream
	}
	// A calibration's first key is "format"; a stream header's is "magic".
	for n := 2 * len(head); ; n *= 2 {
		head, err := br.Peek(min(n, sniffSize))
		d := json.NewDecoder(bytes.NewReader(head))
		if _, terr := d.Token(); terr == nil {
			if key, terr := d.Token(); terr == nil {
				if key == "format" {
					return KindCalibration
				}
				return KindStream
			}
		}
		if err != nil || n >= sniffSize {
			return KindStream
		}
	}
}

// Any writes the view of whatever stae file r holds: a stream as Write
// does, any other file as one JSON object. It returns the records
// written, 0 for a file that is not a stream.
func Any(r io.Reader, w io.Writer, o Options) (int, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	kind := Sniff(br)
	if kind == KindStream {
		return Write(br, w, o)
	}
	if o.Data {
		return 0, fmt.Errorf("--data: the input is a %s, not a stream", kind)
	}
	var v any
	var err error
	switch kind {
	case KindCalibration:
		h := digest.New()
		var c *calib.Calibration
		if c, err = calib.Read(io.TeeReader(br, h)); err == nil {
			cv := CalibrationView(c, h.Sum())
			cv.Kind = KindCalibration
			v = cv
		}
	default:
		var b []byte
		if b, err = io.ReadAll(br); err != nil {
			return 0, err
		}
		if kind == KindCheckpoint {
			v, err = checkpointFile(b)
		} else {
			v, err = statsFile(b)
		}
	}
	if err != nil {
		return 0, err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return 0, enc.Encode(v)
}

// StatsSummary describes normalisation statistics.
type StatsSummary struct {
	Kind     string    `json:"kind,omitempty"`
	Version  uint32    `json:"version"`
	Bytes    int       `json:"bytes"`
	Width    int       `json:"width"`
	Height   int       `json:"height"`
	Planes   int       `json:"planes"`
	Channels []string  `json:"channels,omitempty"`
	Frames   int64     `json:"frames"`
	Std      []float64 `json:"std"`
	Mean     Summary   `json:"mean"`
	Digest   string    `json:"digest"` // sha256 of the file, as streams record it
}

// StatsView summarises statistics whose file's bytes are b.
func StatsView(s *norm.Stats, b []byte) StatsSummary {
	shape := []int{s.Height, s.Width}
	if s.Planes() > 1 {
		shape = []int{s.Planes(), s.Height, s.Width}
	}
	return StatsSummary{Version: binary.LittleEndian.Uint32(b[8:]), Bytes: len(b), Width: s.Width, Height: s.Height,
		Planes: s.Planes(), Channels: s.Channels, Frames: s.Frames, Std: s.Std,
		Mean: Summarise(shape, s.Mean), Digest: norm.Digest(b)}
}

func statsFile(b []byte) (any, error) {
	var s norm.Stats
	if err := s.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	v := StatsView(&s, b)
	v.Kind = KindStats
	return v, nil
}

// CalibrationSummary describes a calibration without its sample.
type CalibrationSummary struct {
	Kind      string             `json:"kind,omitempty"`
	Frames    int64              `json:"frames"`
	FPS       float64            `json:"fps"`
	Seconds   float64            `json:"seconds"`
	Scoring   string             `json:"scoring"`
	Sample    int                `json:"sample"`
	Ordered   bool               `json:"ordered"`
	Quantiles map[string]float64 `json:"quantiles"`
	Digest    string             `json:"digest"` // sha256 of the file, as score streams record it
}

// CalibrationView summarises a calibration whose file's digest is digest.
func CalibrationView(c *calib.Calibration, digest string) CalibrationSummary {
	v := CalibrationSummary{Frames: c.Frames(), FPS: c.FPS(), Seconds: c.Seconds(), Scoring: c.Scoring(),
		Sample: len(c.Sample()), Ordered: c.Ordered(), Quantiles: map[string]float64{}, Digest: digest}
	for _, q := range []struct {
		name string
		q    float64
	}{{"min", 0}, {"0.5", 0.5}, {"0.9", 0.9}, {"0.99", 0.99}, {"max", 1}} {
		if x, err := c.Quantile(q.q); err == nil {
			v.Quantiles[q.name] = x
		}
	}
	return v
}

type (
	tensorView struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
	}
	trainView struct {
		Options   checkpoint.Options `json:"options"`
		Epoch     int                `json:"epoch"`
		Step      int                `json:"step"`
		BadEpochs int                `json:"bad_epochs"`
	}
	checkpointView struct {
		Kind        string              `json:"kind"`
		Version     uint32              `json:"version"`
		Bytes       int                 `json:"bytes"`
		Digest      string              `json:"digest"`
		Config      model.Config        `json:"config"`
		Frame       checkpoint.Frame    `json:"frame"`
		History     checkpoint.History  `json:"history"`
		Train       *trainView          `json:"train,omitempty"` // absent: cannot resume
		Parameters  int                 `json:"parameters"`
		Tensors     []tensorView        `json:"tensors"`
		Stats       *StatsSummary       `json:"stats,omitempty"`
		Calibration *CalibrationSummary `json:"calibration,omitempty"`
	}
)

func checkpointFile(b []byte) (any, error) {
	c, err := checkpoint.Decode(b)
	if err != nil {
		return nil, err
	}
	v := checkpointView{Kind: KindCheckpoint, Version: binary.LittleEndian.Uint32(b[8:]), Bytes: len(b),
		Digest: c.Digest, Config: c.Model.Config, Frame: c.Frame, History: c.History}
	if t := c.Train; t != nil {
		v.Train = &trainView{Options: t.Options, Epoch: t.Epoch, Step: t.Step, BadEpochs: t.BadEpochs}
	}
	for _, t := range c.Model.Params {
		v.Tensors = append(v.Tensors, tensorView{t.Name, t.Shape})
		v.Parameters += len(t.Data)
	}
	if c.Stats != nil {
		sb, err := c.Stats.MarshalBinary()
		if err != nil {
			return nil, err
		}
		s := StatsView(c.Stats, sb)
		v.Stats = &s
	}
	if c.Calibration != nil {
		d, err := c.CalibrationDigest()
		if err != nil {
			return nil, err
		}
		s := CalibrationView(c.Calibration, d)
		v.Calibration = &s
	}
	return v, nil
}
