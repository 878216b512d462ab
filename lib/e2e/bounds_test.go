// bounds_test.go: testscript commands for the hostile-input scripts
// (testdata/script/bound_*.txtar): streams with integer extremes, deep
// nesting and oversized parts, and running a tool under a watch on its
// peak memory.

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/vmihailenco/msgpack/v5"

	"stae/lib/stream"
)

// hostileCases lists what mkhostile makes, for which kinds.
var hostileCases = map[string][]stream.Kind{
	"bigframe":  {stream.KindVolume, stream.KindError, stream.KindScore, stream.KindEvent},
	"hugeframe": {stream.KindVolume, stream.KindError, stream.KindScore, stream.KindEvent},
	"videoend":  {stream.KindEvent},
	"hdrframes": {stream.KindEvent},
	"deephdr":   stream.Kinds,
	"deepfield": stream.Kinds,
	"bighdr":    stream.Kinds,
	"longid":    stream.Kinds,
}

// cmdMkHostile: mkhostile [-json] KIND CASE FILE — writes a stream of KIND
// whose header or first record is hostile:
//
//	bigframe   a frame number of 2^62 (volume: in its frames list; event: its end)
//	hugeframe  a frame number of 10^12
//	videoend   a VideoEnd of 10^12 frames
//	hdrframes  a header whose video_frames says 10^12 frames
//	deephdr    header parameters nested 4 million deep (1.5 million in NDJSON)
//	deepfield  a record with an unknown field nested 4 million deep
//	bighdr     a header of 40 MB
//	longid     a video id of 10000 bytes
func cmdMkHostile(ts *testscript.TestScript, neg bool, args []string) {
	kind, name, file, asJSON := makerArgs(ts, neg, "mkhostile", hostileCases, args)
	b, err := hostile(kind, name, asJSON)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(file), b, 0o644))
}

// hostile builds the bytes: records are written field by field (raw, so
// that nothing refuses them on the way), in msgpack or NDJSON.
func hostile(kind stream.Kind, name string, asJSON bool) ([]byte, error) {
	const depth = 4 << 20
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	// value writes v; a rawJSON or rawMsg is written as it is.
	type rawJSON string
	type rawMsg []byte
	var value func(v any)
	value = func(v any) {
		switch x := v.(type) {
		case rawJSON:
			if asJSON {
				buf.WriteString(string(x))
			}
		case rawMsg:
			if !asJSON {
				buf.Write(x)
			}
		case [2]any: // the JSON form, then the msgpack one
			if asJSON {
				value(x[0])
			} else {
				value(x[1])
			}
		default:
			if asJSON {
				b, _ := jsonMarshal(v)
				buf.Write(b)
			} else {
				enc.Encode(v)
			}
		}
	}
	object := func(kv ...any) {
		if asJSON {
			buf.WriteByte('{')
		} else {
			enc.EncodeMapLen(len(kv) / 2)
		}
		for i := 0; i < len(kv); i += 2 {
			if asJSON {
				if i > 0 {
					buf.WriteByte(',')
				}
				fmt.Fprintf(&buf, "%q:", kv[i])
			} else {
				enc.EncodeString(kv[i].(string))
			}
			value(kv[i+1])
		}
		if asJSON {
			buf.WriteString("}\n")
		}
	}
	deep := [2]any{rawJSON(strings.Repeat("[", depth) + strings.Repeat("]", depth)), rawMsg(append(bytes.Repeat([]byte{0x91}, depth), 0xc0))}
	params := map[string]any{"width": craftSide, "height": craftSide, "normalised": false, "length": craftLength}
	var extra []any
	switch name {
	case "hdrframes":
		params["videos"] = []string{craftVideo}
		params["video_frames"] = []int64{1e12}
	case "bighdr":
		extra = []any{"notes", strings.Repeat("n", 40<<20)}
	}
	stage := []any{"tool", "mkhostile", "version", "test", "args", []string{name}}
	if name == "deephdr" {
		// 3 MB of brackets in JSON, inside the header line's bound, so
		// that the depth is what refuses it.
		const d = 1500000
		jdeep := strings.Repeat("[", d) + strings.Repeat("]", d)
		stage = append(stage, "params", [2]any{rawJSON(`{"x":` + jdeep + `}`), rawMsg(append([]byte{0x81, 0xa1, 'x'}, deep[1].(rawMsg)...))})
	} else {
		stage = append(stage, "params", params)
	}
	hdr := []any{"magic", stream.Magic, "version", stream.Version, "kind", string(kind)}
	hdr = append(hdr, extra...)
	// The stage is one object inside a one-element list.
	if asJSON {
		buf.WriteString(`{`)
		for i := 0; i < len(hdr); i += 2 {
			fmt.Fprintf(&buf, "%q:", hdr[i])
			value(hdr[i+1])
			buf.WriteByte(',')
		}
		buf.WriteString(`"provenance":[`)
		object(stage...)
		buf.Truncate(buf.Len() - 1) // the object's newline
		buf.WriteString("]}\n")
	} else {
		enc.EncodeMapLen(len(hdr)/2 + 1)
		for i := 0; i < len(hdr); i += 2 {
			enc.EncodeString(hdr[i].(string))
			value(hdr[i+1])
		}
		enc.EncodeString("provenance")
		enc.EncodeArrayLen(1)
		object(stage...)
	}
	if name == "hdrframes" || name == "deephdr" || name == "bighdr" {
		return buf.Bytes(), nil
	}
	frame := any(0)
	switch name {
	case "bigframe":
		frame = int64(1) << 62
	case "hugeframe":
		frame = int64(1e12)
	}
	video := any(craftVideo)
	if name == "longid" {
		video = strings.Repeat("v", 10000)
	}
	var later []any
	if name == "deepfield" {
		later = []any{"later", deep}
	}
	side := craftSide
	var rec []any
	switch kind {
	case stream.KindFrame:
		rec = []any{"video", video, "frame", frame, "shape", []int{side, side}, "data", [2]any{floatB64(side * side), floatBytes(make([]float32, side*side))}}
	case stream.KindVolume:
		frames := []any{0, 1, 2, frame}
		rec = []any{"video", video, "frames", frames, "shape", []int{craftLength, side, side},
			"data", [2]any{floatB64(craftLength * side * side), floatBytes(make([]float32, craftLength*side*side))}}
	case stream.KindError:
		rec = []any{"video", video, "frame", frame, "error", 1.5}
	case stream.KindScore:
		rec = []any{"video", video, "frame", frame, "error", 1.5, "abnormality", 0.5, "regularity", 0.5}
	case stream.KindEvent:
		if name == "videoend" {
			rec = []any{"video", video, "video_frames", int64(1e12)}
		} else {
			rec = []any{"video", video, "start", 0, "end", frame, "deepest", 0, "regularity", 0.1, "persistence", 0.5}
		}
	}
	// A good record first (but for an id or a frame list, which the first
	// record carries), then the hostile one.
	if kind == stream.KindScore || kind == stream.KindError {
		if name != "longid" {
			good := append([]any{}, rec...)
			good[3] = 0
			object(good...)
		}
	}
	object(append(rec, later...)...)
	return buf.Bytes(), nil
}

func floatB64(n int) string {
	b, _ := jsonMarshal(floatBytes(make([]float32, n)))
	return strings.Trim(string(b), `"`)
}

// cmdMemRun: memrun MB [-stdin FILE] CMD ARGS... — runs CMD, its stdout and
// stderr becoming the script's, and fails if its peak resident memory
// passed MB megabytes. Under !, CMD must fail with exit status 1.
func cmdMemRun(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: memrun MB [-stdin FILE] CMD ARGS...")
	}
	mb, err := strconv.Atoi(args[0])
	ts.Check(err)
	args = args[1:]
	var stdin *os.File
	if args[0] == "-stdin" && len(args) > 2 {
		stdin, err = os.Open(ts.MkAbs(args[1]))
		ts.Check(err)
		defer stdin.Close()
		args = args[2:]
	}
	cmd := exec.Command(lookPath(ts, args[0]), args[1:]...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = scriptEnv(ts)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	ts.Check(cmd.Start())
	// The peak is watched in /proc (VmHWM) while the tool runs: the
	// rusage of a child started from this process counts this process's
	// own peak, which it shares until exec.
	exe := cmd.Path
	done := make(chan struct{})
	peak := make(chan int64, 1)
	go func() {
		var hwm int64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb, ok := vmHWM(cmd.Process.Pid, exe); ok && kb > hwm {
				hwm = kb
			}
			select {
			case <-done:
				peak <- hwm
				return
			case <-tick.C:
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	if mbs := <-peak / 1024; mbs > int64(mb) {
		ts.Fatalf("%s: peak memory %d MB, more than %d", args[0], mbs, mb)
	}
	var ee *exec.ExitError
	switch {
	case neg && errors.As(err, &ee):
		if ee.ExitCode() != 1 {
			ts.Fatalf("%s: exit status %d, want 1", args[0], ee.ExitCode())
		}
	case neg && err == nil:
		ts.Fatalf("%s: succeeded, want a failure", args[0])
	case err != nil:
		ts.Fatalf("%s: %v", args[0], err)
	}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// vmHWM is the peak resident size, in kB, of process pid once it runs exe.
func vmHWM(pid int, exe string) (int64, bool) {
	if p, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || p != exe {
		return 0, false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
