// concat.go: several streams read as one, as `cat` joins the outputs of
// per-video jobs (one shard each), and what their headers must agree on.
//
// A Reader takes a header where a record is expected as the start of a
// concatenated stream. In NDJSON that is a line with a "magic" field; in
// msgpack a map whose first field is magic (as every stae tool writes a
// header). Each stream's encoding is told from its own first byte, so
// shards written with and without --json concatenate too. The later header
// must agree with the first (Header.Agree), and a video must come whole
// from one stream: a video met in two of them is an error (the Reader
// checks it, whatever the tool). Records read on as if the stream were one:
// Count goes on across streams, Header stays the first's, so a tool that
// writes a header writes one, with the first stream's provenance.

package stream

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Errors of concatenated streams; wrapped with context, test with errors.Is.
var (
	ErrDisagree      = errors.New("headers disagree")
	ErrVideoRepeated = errors.New("video in two concatenated streams")
)

// sourceParams describe the video a stream was made from rather than how it
// was processed: the frame rate and size of the source. frames over a
// folder records its first clip's and they stand for every clip, so a
// stream concatenated from per-video shards keeps the first shard's too.
// Two shards disagree on one only when both give it and the values differ
// (an image folder has no frame rate, a video file has one).
var sourceParams = map[string]bool{"fps": true, "source_width": true, "source_height": true}

// Agree reports how next, the header of a stream concatenated after the
// one h opened, disagrees with h: nil when they agree, else an error
// wrapping ErrDisagree that names the first difference. They agree when
//
//   - their kinds are the same;
//   - their provenances list the same tools in the same order, each of
//     the same version;
//   - each stage sets the same parameters to the same values (numbers
//     compared as numbers, whichever encoding carried them; lists and maps
//     element by element). The frame description, the volume description,
//     the model digest and the scoring parameters are all parameters. The
//     source's frame rate and size (fps, source_width, source_height) are
//     compared only where both stages give them.
//
// Arguments are not compared: they name what differs from shard to shard
// (the source path given to frames) and flags that do not change the
// records (--quiet, --json). Parameters are compared in stage order, and
// within a stage in the order of their names.
func (h *Header) Agree(next *Header) error {
	if next.Kind != h.Kind {
		return fmt.Errorf("%w: kind is %s, the first stream's %s", ErrDisagree, next.Kind, h.Kind)
	}
	if next.Version != h.Version {
		return fmt.Errorf("%w: stream form version %d, the first stream's %d (volumes --expand writes version %d)", ErrDisagree, next.Version, h.Version, Version)
	}
	if !slices.EqualFunc(h.Provenance, next.Provenance, func(a, b Stage) bool { return a.Tool == b.Tool }) {
		return fmt.Errorf("%w: made by %s, the first stream by %s", ErrDisagree, pipeline(next), pipeline(h))
	}
	for i, st := range h.Provenance {
		nst := next.Provenance[i]
		if nst.Version != st.Version {
			return fmt.Errorf("%w: %s version is %q, the first stream's %q", ErrDisagree, st.Tool, nst.Version, st.Version)
		}
		var keys []string
		for k := range st.Params {
			keys = append(keys, k)
		}
		for k := range nst.Params {
			if _, ok := st.Params[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			v, ok := st.Params[k]
			nv, nok := nst.Params[k]
			switch {
			case ok && nok && sameValue(v, nv):
			case sourceParams[k] && ok != nok:
			case !nok:
				return fmt.Errorf("%w: %s %s is missing, the first stream's %s", ErrDisagree, st.Tool, k, paramText(v))
			case !ok:
				return fmt.Errorf("%w: %s %s is %s, the first stream has none", ErrDisagree, st.Tool, k, paramText(nv))
			default:
				return fmt.Errorf("%w: %s %s is %s, the first stream's %s", ErrDisagree, st.Tool, k, paramText(nv), paramText(v))
			}
		}
	}
	return nil
}

// pipeline names a header's stages as a shell pipeline of their tools.
func pipeline(h *Header) string {
	tools := make([]string, len(h.Provenance))
	for i, st := range h.Provenance {
		tools[i] = st.Tool
	}
	if len(tools) == 0 {
		return "no tool"
	}
	return strings.Join(tools, " | ")
}

// sameValue compares two parameter values as decoded from either encoding
// or set in memory: numbers by value (msgpack gives int64 or float64, JSON
// float64, a tool int), lists and maps element by element.
func sameValue(a, b any) bool {
	x, aNum := number(a)
	y, bNum := number(b)
	if aNum || bNum {
		return aNum && bNum && x == y
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	list := func(v reflect.Value) bool { return v.Kind() == reflect.Slice || v.Kind() == reflect.Array }
	switch {
	case list(va) && list(vb):
		if va.Len() != vb.Len() {
			return false
		}
		for i := range va.Len() {
			if !sameValue(va.Index(i).Interface(), vb.Index(i).Interface()) {
				return false
			}
		}
		return true
	case va.Kind() == reflect.Map && vb.Kind() == reflect.Map:
		if va.Len() != vb.Len() || va.Type().Key() != vb.Type().Key() {
			return false
		}
		for it := va.MapRange(); it.Next(); {
			w := vb.MapIndex(it.Key())
			if !w.IsValid() || !sameValue(it.Value().Interface(), w.Interface()) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// paramText is a parameter value as JSON, for messages.
func paramText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
