// Package inspect shows what flows in a stae stream of any kind, as
// newline-delimited JSON: the header line (magic, version, kind, provenance),
// then one line per record with the stream's own field names. Tensors are
// summarised as {"shape":..,"min":..,"max":..,"mean":..} so a 10x227x227
// volume fits on a line; with Data the records are written whole (tensor
// data as base64 float32 bytes, exactly as `--json` writes them, so the view
// is itself a stream another tool reads). With HeaderOnly only the header is
// written and no record is read, so `frames ... | volumes | volumes inspect
// --header` answers at once.
package inspect

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"stae/lib/stream"
)

// Options select the view.
type Options struct {
	HeaderOnly bool // the header and provenance alone; records are not read
	Data       bool // records whole, tensor data included
}

// Summary describes a tensor without its data. Min, Max and Mean are absent
// for a tensor without elements.
type Summary struct {
	Shape []int    `json:"shape"`
	Min   *float64 `json:"min,omitempty"`
	Max   *float64 `json:"max,omitempty"`
	Mean  *float64 `json:"mean,omitempty"`
}

// Summarise returns the shape, least, greatest and mean value of a tensor.
// The mean is summed in float64 so large tensors keep their precision.
func Summarise(shape []int, data []float32) Summary {
	s := Summary{Shape: shape}
	if s.Shape == nil {
		s.Shape = []int{}
	}
	if len(data) == 0 {
		return s
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range data {
		x := float64(v)
		lo, hi, sum = min(lo, x), max(hi, x), sum+x
	}
	lo, hi, mean := short(lo), short(hi), short(sum/float64(len(data)))
	s.Min, s.Max, s.Mean = &lo, &hi, &mean
	return s
}

// short rounds x to float32 precision, the data's own, so the view reads
// 0.20784314 and not 0.2078431397676468.
func short(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', -1, 32), 64)
	return y
}

// The summarised records: the stream's JSON field names, with the tensor's
// data replaced by its Summary.
type (
	frameView struct {
		Video string  `json:"video"`
		Frame int     `json:"frame"`
		Shape []int   `json:"shape"`
		Data  Summary `json:"data"`
	}
	volumeView struct {
		Video  string  `json:"video"`
		Frames []int   `json:"frames"`
		Shape  []int   `json:"shape"`
		Data   Summary `json:"data"`
	}
	errorView struct {
		Video string   `json:"video"`
		Frame int      `json:"frame"`
		Error float64  `json:"error"`
		Shape []int    `json:"shape,omitempty"`
		Data  *Summary `json:"data,omitempty"`
	}
	scoreView struct {
		Video       string  `json:"video"`
		Frame       int     `json:"frame"`
		Error       float64 `json:"error"`
		Abnormality float64 `json:"abnormality"`
		Regularity  float64 `json:"regularity"`
	}
	videoEndView struct {
		Video       string `json:"video"`
		VideoFrames int    `json:"video_frames"`
	}
	eventView struct {
		Video       string  `json:"video"`
		Start       int     `json:"start"`
		End         int     `json:"end"`
		Deepest     int     `json:"deepest"`
		Regularity  float64 `json:"regularity"`
		Persistence float64 `json:"persistence"`
	}
)

// View returns the summarised JSON form of a record.
func View(r stream.Record) any {
	switch x := r.(type) {
	case *stream.Frame:
		return frameView{x.Video, x.Frame, x.Shape, Summarise(x.Shape, x.Data)}
	case *stream.Volume:
		return volumeView{x.Video, x.Frames, x.Shape, Summarise(x.Shape, x.Data)}
	case *stream.Error:
		v := errorView{Video: x.Video, Frame: x.Frame, Error: x.Error, Shape: x.Shape}
		if x.Shape != nil {
			s := Summarise(x.Shape, x.Data)
			v.Data = &s
		}
		return v
	case *stream.Score:
		return scoreView{x.Video, x.Frame, x.Error, x.Abnormality, x.Regularity}
	case *stream.Event:
		return eventView{x.Video, x.Start, x.End, x.Deepest, x.Regularity, x.Persistence}
	case *stream.VideoEnd:
		return videoEndView{x.Video, x.Frames}
	}
	return nil
}

// Write reads the stream on r (msgpack or NDJSON, any kind) and writes its
// view to w. It returns the number of records written.
func Write(r io.Reader, w io.Writer, o Options) (int, error) {
	sr, err := stream.NewReader(r)
	if err != nil {
		return 0, err
	}
	if o.HeaderOnly {
		return 0, writeHeader(w, sr.Header())
	}
	if o.Data {
		return copyWhole(sr, w)
	}
	return summarised(sr, w)
}

// summarised writes the header, then each record's View.
func summarised(sr *stream.Reader, w io.Writer) (n int, err error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	defer func() {
		// Flush even after a bad record, so the view shows what came before.
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
	}()
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sr.Header()); err != nil {
		return 0, fmt.Errorf("writing header: %w", err)
	}
	for {
		rec, err := sr.Next()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if err := enc.Encode(View(rec)); err != nil {
			return n, fmt.Errorf("writing record %d: %w", sr.Count(), err)
		}
		n++
	}
}

func writeHeader(w io.Writer, h *stream.Header) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return fmt.Errorf("writing header: %w", err)
	}
	return nil
}

// copyWhole re-encodes the stream as NDJSON, record for record; a volume
// stream of the windows form comes out expanded, each volume whole, as
// the reader hands its volumes out.
func copyWhole(sr *stream.Reader, w io.Writer) (int, error) {
	h := *sr.Header()
	h.Version = stream.Version
	sw, err := stream.NewWriter(w, h, true)
	if err != nil {
		return 0, err
	}
	for {
		rec, err := sr.Next()
		if errors.Is(err, io.EOF) {
			return sw.Count(), sw.Close()
		}
		if err != nil {
			_ = sw.Close() // show what was read before the bad record
			return sw.Count(), err
		}
		if err := sw.Write(rec); err != nil {
			return sw.Count(), err
		}
	}
}
