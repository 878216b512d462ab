// Tests of concatenated streams: what their headers must agree on
// (Header.Agree) and reading them as one, in both encodings and mixed.

package stream

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// shardHeader is the header of a per-video error shard: frames (given
// source, fps) | volumes | recon, with params changed by edit.
func shardHeader(source string, edit func(h *Header)) Header {
	frames := Stage{Tool: "frames", Version: "v1", Args: []string{"--stats", "stats.bin", source},
		Params: FrameDesc{Width: 35, Height: 35, Normalised: true, StatsDigest: "cf25", SourceWidth: 64, SourceHeight: 64}.Params()}
	h := NewHeader(KindFrame, nil, frames)
	h = NewHeader(KindVolume, &h, Stage{Tool: "volumes", Version: "v1", Params: VolumeDesc{Length: 10, Strides: []int{1}, Hop: 1}.Params()})
	h = NewHeader(KindError, &h, Stage{Tool: "recon", Version: "v1", Args: []string{"--model", "m.stae"},
		Params: map[string]any{"error": "sum", "frame_error": "mean", "model_digest": "5592"}})
	if edit != nil {
		edit(&h)
	}
	return h
}

// param sets stage i's parameter key (deleting it when v is nil).
func param(i int, key string, v any) func(h *Header) {
	return func(h *Header) {
		p := map[string]any{}
		for k, x := range h.Provenance[i].Params {
			p[k] = x
		}
		if v == nil {
			delete(p, key)
		} else {
			p[key] = v
		}
		h.Provenance[i].Params = p
	}
}

func TestAgree(t *testing.T) {
	first := shardHeader("Test/Test001", nil)
	tests := []struct {
		name string
		next Header
		want string // "" when they agree
	}{
		{"other sources and flags", shardHeader("Test/Test002", func(h *Header) { h.Provenance[2].Args = []string{"--quiet"} }), ""},
		{"a frame rate where the first has none", shardHeader("Test005.avi", param(0, "fps", 10.0)), ""},
		{"no source size where the first has one", shardHeader("x", param(0, "source_width", nil)), ""},
		{"kind", shardHeader("x", func(h *Header) { h.Kind = KindScore }), "headers disagree: kind is score, the first stream's error"},
		{"another pipeline", shardHeader("x", func(h *Header) { h.Provenance = h.Provenance[1:] }),
			"headers disagree: made by volumes | recon, the first stream by frames | volumes | recon"},
		{"another build", shardHeader("x", func(h *Header) { h.Provenance[2].Version = "v2" }),
			`headers disagree: recon version is "v2", the first stream's "v1"`},
		{"frame size", shardHeader("x", param(0, "width", 51)), "headers disagree: frames width is 51, the first stream's 35"},
		{"statistics", shardHeader("x", param(0, "stats_digest", "0000")), `headers disagree: frames stats_digest is "0000", the first stream's "cf25"`},
		{"strides", shardHeader("x", param(1, "strides", []int{1, 2})), "headers disagree: volumes strides is [1,2], the first stream's [1]"},
		{"model", shardHeader("x", param(2, "model_digest", "baseline")),
			`headers disagree: recon model_digest is "baseline", the first stream's "5592"`},
		{"a parameter more", shardHeader("x", param(2, "regions", 3)), "headers disagree: recon regions is 3, the first stream has none"},
		{"a parameter less", shardHeader("x", param(2, "frame_error", nil)), `headers disagree: recon frame_error is missing, the first stream's "mean"`},
		{"source size", shardHeader("x", param(0, "source_width", 80)), "headers disagree: frames source_width is 80, the first stream's 64"},
		{"the first difference in name order", shardHeader("x", func(h *Header) { param(0, "width", 51)(h); param(0, "height", 51)(h) }),
			"headers disagree: frames height is 51, the first stream's 35"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := first.Agree(&tc.next)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want agreement", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("got %v, want %s", err, tc.want)
			case tc.want != "" && !errors.Is(err, ErrDisagree):
				t.Errorf("%v does not wrap ErrDisagree", err)
			}
		})
	}
	t.Run("frame rates that differ", func(t *testing.T) {
		a, b := shardHeader("a.avi", param(0, "fps", 25)), shardHeader("b.avi", param(0, "fps", 30))
		if err := a.Agree(&b); err == nil || err.Error() != "headers disagree: frames fps is 30, the first stream's 25" {
			t.Errorf("got %v", err)
		}
	})
}

// TestAgreeAcrossEncodings: a header read back from msgpack (int64) or
// NDJSON (float64), or as a tool built it (int, []int), agrees with itself.
func TestAgreeAcrossEncodings(t *testing.T) {
	h := shardHeader("x", param(2, "nested", map[string]any{"q": []any{1, 0.5, "a"}}))
	read := map[string]*Header{"memory": &h}
	for _, enc := range []string{"msgpack", "json"} {
		r, err := NewReader(bytes.NewReader(encode(t, h, nil, enc == "json")))
		if err != nil {
			t.Fatal(err)
		}
		read[enc] = r.Header()
	}
	for an, a := range read {
		for bn, b := range read {
			if err := a.Agree(b); err != nil {
				t.Errorf("%s against %s: %v", an, bn, err)
			}
		}
	}
}

// errorShard is a shard of error records, one video of n frames each.
func errorShard(t *testing.T, h Header, asJSON bool, n int, videos ...string) []byte {
	var recs []Record
	for _, v := range videos {
		for f := range n {
			recs = append(recs, &Error{Video: v, Frame: f, Error: float64(f) + 0.5})
		}
	}
	return encode(t, h, recs, asJSON)
}

var encodings = []struct {
	name string
	json [2]bool // of the first and second shard
}{
	{"msgpack", [2]bool{false, false}},
	{"json", [2]bool{true, true}},
	{"msgpack then json", [2]bool{false, true}},
	{"json then msgpack", [2]bool{true, false}},
}

func TestConcatenated(t *testing.T) {
	for _, enc := range encodings {
		t.Run(enc.name, func(t *testing.T) {
			first := shardHeader("Test/Test001", nil)
			in := slices.Concat(
				errorShard(t, first, enc.json[0], 2, "Test001"),
				errorShard(t, shardHeader("Test/Test002", nil), enc.json[1], 0), // a shard of no records
				errorShard(t, shardHeader("Test/Test003", nil), enc.json[1], 3, "Test003", "Test004"),
			)
			r, err := NewReader(bytes.NewReader(in), KindError)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			err = EachVideo(context.Background(), r, func(video string, recs []*Error) error {
				got = append(got, video+":"+string(rune('0'+len(recs))))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"Test001:2", "Test003:3", "Test004:3"}; !reflect.DeepEqual(got, want) {
				t.Errorf("videos: got %v, want %v", got, want)
			}
			if r.Count() != 8 {
				t.Errorf("count: got %d records, want 8", r.Count())
			}
			if args := r.Header().Provenance[0].Args; args[len(args)-1] != "Test/Test001" {
				t.Errorf("header: got frames args %v, want the first stream's", args)
			}
		})
	}
}

func TestConcatenatedRefused(t *testing.T) {
	first := shardHeader("Test/Test001", nil)
	other := shardHeader("Test/Test002", param(0, "width", 51))
	tests := []struct {
		name   string
		shards func(json [2]bool) [][]byte
		want   string
	}{
		{"headers disagree", func(j [2]bool) [][]byte {
			return [][]byte{errorShard(t, first, j[0], 2, "Test001"), errorShard(t, other, j[1], 2, "Test002")}
		}, "concatenated stream 2 (after record 2): headers disagree: frames width is 51, the first stream's 35"},
		{"the first stream empty", func(j [2]bool) [][]byte {
			return [][]byte{errorShard(t, first, j[0], 0), errorShard(t, other, j[1], 2, "Test002")}
		}, "concatenated stream 2: headers disagree: frames width is 51, the first stream's 35"},
		{"a video in two streams", func(j [2]bool) [][]byte {
			return [][]byte{errorShard(t, first, j[0], 2, "Test001", "Test002"), errorShard(t, first, j[1], 2, "Test003", "Test001")}
		}, "record 7: video in two concatenated streams: Test001, in streams 1 and 2"},
		{"a video going on in the next stream", func(j [2]bool) [][]byte {
			return [][]byte{errorShard(t, first, j[0], 2, "Test001"), errorShard(t, first, j[1], 2, "Test001")}
		}, "record 3: video in two concatenated streams: Test001, in streams 1 and 2"},
		{"a video in the first and third", func(j [2]bool) [][]byte {
			return [][]byte{errorShard(t, first, j[0], 1, "A"), errorShard(t, first, j[1], 1, "B"), errorShard(t, first, j[1], 1, "A")}
		}, "record 3: video in two concatenated streams: A, in streams 1 and 3"},
		{"another kind", func(j [2]bool) [][]byte {
			scores := NewHeader(KindScore, &first, Stage{Tool: "regscore", Version: "v1"})
			return [][]byte{errorShard(t, first, j[0], 1, "A"), encode(t, scores, nil, j[1])}
		}, "concatenated stream 2 (after record 1): headers disagree: kind is score, the first stream's error"},
		{"a later header cut short", func(j [2]bool) [][]byte {
			b := errorShard(t, first, j[1], 1, "B")
			return [][]byte{errorShard(t, first, j[0], 1, "A"), b[:20]}
		}, ""}, // worded by the encoding; checked to be an error
	}
	for _, tc := range tests {
		for _, enc := range encodings {
			t.Run(tc.name+"/"+enc.name, func(t *testing.T) {
				r, err := NewReader(bytes.NewReader(slices.Concat(tc.shards(enc.json)...)))
				if err != nil {
					t.Fatal(err)
				}
				err = EachVideo(context.Background(), r, func(string, []Record) error { return nil })
				switch {
				case err == nil:
					t.Fatalf("read, want an error %q", tc.want)
				case tc.want != "" && err.Error() != tc.want:
					t.Errorf("got %v, want %s", err, tc.want)
				case strings.Contains(err.Error(), "\n"):
					t.Errorf("error of several lines: %q", err)
				}
			})
		}
	}
}

// TestConcatenatedHeaderOutOfOrder: a msgpack header whose first field is
// not magic is refused, not taken for a record.
func TestConcatenatedHeaderOutOfOrder(t *testing.T) {
	in := slices.Concat(errorShard(t, shardHeader("x", nil), false, 1, "A"),
		rawRecord("version", 1, "magic", Magic, "kind", "error"))
	_, _, err := decodeAll(bytes.NewReader(in))
	if want := "record 2: invalid record: a stream header here must begin with its magic field"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
