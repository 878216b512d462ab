// faults_test.go: testscript commands for the bad-input and fault scripts
// (testdata/script/bad_*.txtar and fault_*.txtar): crafted streams and
// checkpoints, an empty video, running a tool without the right to read, and
// signalling a running tool.

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/vmihailenco/msgpack/v5"
	"gocv.io/x/gocv"

	"stae/lib/stream"
)

// cmdOneLine: oneline TOOL [REGEX] — the last command's stderr is exactly
// one line, "TOOL: ..." (matching REGEX if given), with no Go panic or
// goroutine dump.
func cmdOneLine(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: oneline TOOL [REGEX]")
	}
	text := ts.ReadFile("stderr")
	for _, bad := range []string{"panic:", "goroutine ", "runtime error", "SIGSEGV"} {
		if strings.Contains(text, bad) {
			ts.Fatalf("stderr shows %q:\n%s", bad, text)
		}
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" || len(lines) != 1 {
		ts.Fatalf("stderr has %d lines, want one:\n%s", len(lines), text)
	}
	if !strings.HasPrefix(lines[0], args[0]+": ") {
		ts.Fatalf("stderr %q does not begin with %q", lines[0], args[0]+": ")
	}
	if len(args) == 2 && !regexp.MustCompile(args[1]).MatchString(lines[0]) {
		ts.Fatalf("stderr %q does not match %q", lines[0], args[1])
	}
}

// cmdNoTemp: notemp [DIR] — DIR (default the current one) holds no
// temporary file left by an atomic write (.NAME.tmp*, .tmp-*).
func cmdNoTemp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: notemp [DIR]")
	}
	dir := "."
	if len(args) == 1 {
		dir = args[0]
	}
	ents, err := os.ReadDir(ts.MkAbs(dir))
	ts.Check(err)
	for _, e := range ents {
		if e.IsDir() && e.Name() == ".tmp" {
			continue // testscript's own $TMPDIR
		}
		if n := e.Name(); strings.HasPrefix(n, ".") && strings.Contains(n, ".tmp") || strings.HasPrefix(n, ".tmp-") {
			ts.Fatalf("temporary file %s left in %s", n, dir)
		}
	}
}

// Geometry of crafted streams: 27x27 frames (the smallest side the model
// takes), volumes of 4 frames, one video of 12 frames.
const (
	craftSide   = 27
	craftLength = 4
	craftFrames = 12
	craftVideo  = "Test001"
)

// field is one key and value of a crafted record, kept in order so a case
// can put "data" before "shape".
type field struct {
	key string
	val any
}

// rawBin is a msgpack bin header declaring n bytes, followed by only a few:
// the "huge" case.
type rawBin struct{ n uint32 }

// rawStr is a msgpack str header declaring n bytes, followed by a few.
type rawStr struct{ n uint32 }

// craftCases lists what mkstream can make, and for which kinds.
var craftCases = map[string][]stream.Kind{
	"valid":       stream.Kinds,
	"truncated":   stream.Kinds,
	"version":     stream.Kinds,
	"wrongshape":  {stream.KindFrame, stream.KindVolume, stream.KindError},
	"headershape": {stream.KindFrame, stream.KindVolume},
	"nan":         stream.Kinds,
	"inf":         stream.Kinds,
	"huge":        stream.Kinds,
}

// cmdMkStream: mkstream [-json] KIND CASE FILE — writes a stream of KIND
// (frame, volume, error, score, event) for CASE:
//
//	valid        a well-formed stream
//	truncated    cut inside its last record
//	version      a header of format version 2
//	wrongshape   record 2's data disagrees with its shape (frame, volume, error)
//	headershape  records are 20x20 but the header says 27x27 (frame, volume)
//	nan, inf     record 2 holds a NaN or +Inf value
//	huge         record 2 declares a 4 GB bin (or str) and ends a few bytes later (msgpack only)
func cmdMkStream(ts *testscript.TestScript, neg bool, args []string) {
	kind, name, file, asJSON := makerArgs(ts, neg, "mkstream", craftCases, args)
	if name == "huge" && asJSON {
		ts.Fatalf("mkstream: NDJSON declares no lengths; huge is msgpack only")
	}
	b, err := craft(kind, name, asJSON)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(file), b, 0o644))
}

// makerArgs parses the arguments of cmd, a stream maker: [-json] KIND CASE
// FILE, where cases lists the kinds each CASE makes.
func makerArgs(ts *testscript.TestScript, neg bool, cmd string, cases map[string][]stream.Kind, args []string) (kind stream.Kind, name, file string, asJSON bool) {
	if neg {
		ts.Fatalf("unsupported: ! %s", cmd)
	}
	asJSON = len(args) > 0 && args[0] == "-json"
	if asJSON {
		args = args[1:]
	}
	if len(args) != 3 {
		ts.Fatalf("usage: %s [-json] KIND CASE FILE", cmd)
	}
	kind, name, file = stream.Kind(args[0]), args[1], args[2]
	kinds, ok := cases[name]
	if !ok {
		ts.Fatalf("%s: unknown case %q", cmd, name)
	}
	if !slices.Contains(kinds, kind) {
		ts.Fatalf("%s: case %s does not apply to %s streams", cmd, name, kind)
	}
	return kind, name, file, asJSON
}

// craft builds the bytes of a crafted stream.
func craft(kind stream.Kind, name string, asJSON bool) ([]byte, error) {
	side := craftSide
	if name == "headershape" {
		side = 20
	}
	params := map[string]any{"width": craftSide, "height": craftSide, "normalised": false}
	switch kind {
	case stream.KindVolume:
		params["length"] = craftLength
	case stream.KindEvent:
		params["videos"] = []string{craftVideo}
		params["video_frames"] = []int{craftFrames}
	}
	h := stream.Header{Magic: stream.Magic, Version: stream.Version, Kind: kind,
		Provenance: []stream.Stage{{Tool: "mkstream", Version: "test", Args: []string{string(kind), name}, Params: params}}}
	if name == "version" {
		h.Version = stream.VersionWindows + 1 // a version after every one this build reads
	}
	var recs [][]field
	switch kind {
	case stream.KindFrame:
		for i := range craftFrames {
			recs = append(recs, []field{{"video", craftVideo}, {"frame", i}, {"shape", []int{side, side}}, {"data", pixels(side*side, i)}})
		}
	case stream.KindVolume:
		for i := range craftFrames - craftLength + 1 {
			frames := make([]int, craftLength)
			for t := range frames {
				frames[t] = i + t
			}
			recs = append(recs, []field{{"video", craftVideo}, {"frames", frames}, {"shape", []int{craftLength, side, side}},
				{"data", pixels(craftLength*side*side, i)}})
		}
	case stream.KindError:
		for i := range craftFrames {
			recs = append(recs, []field{{"video", craftVideo}, {"frame", i}, {"error", float64(1 + i%5)}})
		}
	case stream.KindScore:
		for i := range craftFrames {
			a := float64(i%5) / 4
			recs = append(recs, []field{{"video", craftVideo}, {"frame", i}, {"error", float64(1 + i%5)},
				{"abnormality", a}, {"regularity", 1 - a}})
		}
	case stream.KindEvent:
		recs = [][]field{
			{{"video", craftVideo}, {"start", 2}, {"end", 4}, {"deepest", 3}, {"regularity", 0.1}, {"persistence", 0.5}},
			{{"video", craftVideo}, {"start", 8}, {"end", 9}, {"deepest", 9}, {"regularity", 0.2}, {"persistence", 0.3}},
		}
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	bad := recs[1] // the second record carries the fault
	set := func(key string, v any) {
		for i := range bad {
			if bad[i].key == key {
				bad[i].val = v
				return
			}
		}
		panic("no field " + key)
	}
	value := func(x float64) {
		switch kind {
		case stream.KindFrame, stream.KindVolume:
			d := bad[3].val.([]float32)
			d[5] = float32(x)
		case stream.KindError:
			set("error", x)
		case stream.KindScore:
			set("abnormality", x)
		case stream.KindEvent:
			set("regularity", x)
		}
	}
	switch name {
	case "wrongshape":
		switch kind {
		case stream.KindFrame, stream.KindVolume:
			d := bad[3].val.([]float32)
			bad[3].val = d[:len(d)-side]
		case stream.KindError:
			recs[1] = append(bad, field{"shape", []int{side, side}}, field{"data", pixels(side*side-1, 1)})
		}
	case "nan":
		value(math.NaN())
	case "inf":
		value(math.Inf(1))
	case "huge":
		switch kind {
		case stream.KindFrame, stream.KindVolume, stream.KindError:
			// data before shape, so only the global bound can refuse it
			recs[1] = []field{{"video", craftVideo}, {"data", rawBin{0xfffffff0}}}
		default:
			recs[1] = []field{{"video", rawStr{0xfffffff0}}}
		}
		recs = recs[:2]
	}
	var buf bytes.Buffer
	if asJSON {
		hj, err := json.Marshal(h)
		if err != nil {
			return nil, err
		}
		buf.Write(hj)
		buf.WriteByte('\n')
		var last int
		for _, r := range recs {
			last = buf.Len()
			writeJSONRecord(&buf, r)
		}
		if name == "truncated" {
			buf.Truncate(last + (buf.Len()-last)/2)
		}
		return buf.Bytes(), nil
	}
	enc := msgpack.NewEncoder(&buf)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	for _, r := range recs {
		if err := writeMsgpackRecord(enc, &buf, r); err != nil {
			return nil, err
		}
	}
	if name == "truncated" {
		buf.Truncate(buf.Len() - 5)
	}
	return buf.Bytes(), nil
}

// pixels is n deterministic values in [-1, 1].
func pixels(n, seed int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(math.Sin(float64(i*7+seed*13) / 10))
	}
	return d
}

func floatBytes(d []float32) []byte {
	b := make([]byte, 4*len(d))
	for i, x := range d {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func writeMsgpackRecord(enc *msgpack.Encoder, buf *bytes.Buffer, r []field) error {
	if err := enc.EncodeMapLen(len(r)); err != nil {
		return err
	}
	for _, f := range r {
		if err := enc.EncodeString(f.key); err != nil {
			return err
		}
		var err error
		switch v := f.val.(type) {
		case string:
			err = enc.EncodeString(v)
		case int:
			err = enc.EncodeInt(int64(v))
		case float64:
			err = enc.EncodeFloat64(v)
		case []int:
			if err = enc.EncodeArrayLen(len(v)); err == nil {
				for _, x := range v {
					if err = enc.EncodeInt(int64(x)); err != nil {
						break
					}
				}
			}
		case []float32:
			err = enc.EncodeBytes(floatBytes(v))
		case rawBin:
			buf.Write([]byte{0xc6, byte(v.n >> 24), byte(v.n >> 16), byte(v.n >> 8), byte(v.n)})
			buf.WriteString("abcd")
		case rawStr:
			buf.Write([]byte{0xdb, byte(v.n >> 24), byte(v.n >> 16), byte(v.n >> 8), byte(v.n)})
			buf.WriteString("abcd")
		default:
			err = fmt.Errorf("field %s: cannot encode %T", f.key, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeJSONRecord writes one NDJSON line; NaN and Inf are written as the
// bare words NaN and +Inf, which no JSON reader accepts.
func writeJSONRecord(buf *bytes.Buffer, r []field) {
	buf.WriteByte('{')
	for i, f := range r {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(buf, "%q:", f.key)
		switch v := f.val.(type) {
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				fmt.Fprintf(buf, "%v", v)
				continue
			}
			b, _ := json.Marshal(v)
			buf.Write(b)
		case []float32:
			fmt.Fprintf(buf, "%q", base64.StdEncoding.EncodeToString(floatBytes(v)))
		default:
			b, _ := json.Marshal(v)
			buf.Write(b)
		}
	}
	buf.WriteString("}\n")
}

// cmdCkptEdit: ckptedit IN CASE OUT — writes a damaged copy of checkpoint
// IN: truncate (its first half), version (format version 2), flip (one
// bit of the tensor data flipped).
func cmdCkptEdit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: ckptedit IN truncate|version|flip OUT")
	}
	b, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	if len(b) < 64 {
		ts.Fatalf("ckptedit: %s has only %d bytes", args[0], len(b))
	}
	switch args[1] {
	case "truncate":
		b = b[:len(b)/2]
	case "version":
		binary.LittleEndian.PutUint32(b[8:], 3) // a version after this build's
	case "flip":
		b[len(b)-64] ^= 1
	default:
		ts.Fatalf("ckptedit: unknown case %q", args[1])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), b, 0o644))
}

// cmdMkVideo: mkvideo FILE — writes a video container with no frames.
func cmdMkVideo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkvideo FILE")
	}
	vw, err := gocv.VideoWriterFile(ts.MkAbs(args[0]), "FFV1", 10, 32, 32, false)
	ts.Check(err)
	if !vw.IsOpened() {
		vw.Close()
		ts.Fatalf("mkvideo: opencv cannot write %s", args[0])
	}
	ts.Check(vw.Close())
}

// cmdAsNobody: [!] asnobody CMD ARGS... — runs CMD like exec, but without
// the right to read files it may not read: as root (CI), file permissions do
// not stop reads, so the command runs through setpriv with the capabilities
// that override them (dac_override, dac_read_search) dropped.
func cmdAsNobody(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: asnobody CMD ARGS...")
	}
	if os.Geteuid() == 0 {
		args = append([]string{"setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"}, args...)
	}
	err := ts.Exec(args[0], args[1:]...)
	switch {
	case err == nil && neg:
		ts.Fatalf("unexpected command success")
	case err != nil && !neg:
		ts.Fatalf("unexpected command failure: %v", err)
	}
}

// cmdInterrupt: interrupt [-stdin FILE [-hold]] [-wait REGEX | -wait-stdout]
// [-status N] SIGNAL CMD ARGS... — starts CMD, waits until it is busy, sends
// SIGNAL (INT or TERM), and checks that it exits within 20 s with status N
// (default 128 plus the signal's number, as shells report it: 130, 143). Its stdout and stderr become the script's.
//
// Busy means: its stderr matches REGEX (-wait), it has written to stdout
// (-wait-stdout), or else all of FILE has been written to its stdin. With
// -hold, stdin stays open after FILE (a live upstream that has gone quiet),
// so a tool blocked reading it must still exit.
func cmdInterrupt(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! interrupt")
	}
	var stdinFile, wait string
	hold, waitOut, status := false, false, -1
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-stdin":
			stdinFile, args = args[1], args[2:]
		case "-hold":
			hold, args = true, args[1:]
		case "-wait":
			wait, args = args[1], args[2:]
		case "-wait-stdout":
			waitOut, args = true, args[1:]
		case "-status":
			n, err := strconv.Atoi(args[1])
			ts.Check(err)
			status, args = n, args[2:]
		default:
			ts.Fatalf("interrupt: unknown option %s", args[0])
		}
	}
	if len(args) < 2 {
		ts.Fatalf("usage: interrupt [-stdin FILE [-hold]] [-wait REGEX | -wait-stdout] [-status N] INT|TERM CMD ARGS...")
	}
	sig := map[string]syscall.Signal{"INT": syscall.SIGINT, "TERM": syscall.SIGTERM}[args[0]]
	if sig == 0 {
		ts.Fatalf("interrupt: unknown signal %s", args[0])
	}
	if status < 0 {
		status = 128 + int(sig)
	}
	var waitRE *regexp.Regexp
	if wait != "" {
		waitRE = regexp.MustCompile(wait)
	}
	path := lookPath(ts, args[1])
	cmd := exec.Command(path, args[2:]...)
	cmd.Dir = ts.MkAbs(".")
	cmd.Env = scriptEnv(ts)
	var out, errb lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	fed := make(chan struct{})
	var stdin io.WriteCloser
	if stdinFile != "" {
		data, err := os.ReadFile(ts.MkAbs(stdinFile))
		ts.Check(err)
		stdin, err = cmd.StdinPipe()
		ts.Check(err)
		go func() {
			stdin.Write(data)
			close(fed)
			if !hold {
				stdin.Close()
			}
		}()
	} else {
		close(fed)
	}
	ts.Check(cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	finish := func() {
		if stdin != nil {
			stdin.Close()
		}
		fmt.Fprint(ts.Stdout(), out.String())
		fmt.Fprint(ts.Stderr(), errb.String())
	}

	// Wait until busy.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ready := false
		switch {
		case waitRE != nil:
			ready = waitRE.MatchString(errb.String())
		case waitOut:
			ready = out.Len() > 0
		default:
			select {
			case <-fed:
				ready = true
			default:
			}
		}
		if ready && catches(cmd.Process.Pid, sig) {
			if waitRE == nil && !waitOut {
				// Fed is not proof that main has begun; give it a moment.
				time.Sleep(200 * time.Millisecond)
			}
			break
		}
		select {
		case err := <-done:
			finish()
			ts.Fatalf("interrupt: %s ended before it was signalled (%v)", args[1], err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			finish()
			ts.Fatalf("interrupt: %s not busy after 60s", args[1])
		}
	}
	ts.Check(cmd.Process.Signal(sig))
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		finish()
		ts.Fatalf("interrupt: %s did not exit within 20s of SIG%s", args[1], args[0])
	}
	finish()
	got := cmd.ProcessState.ExitCode()
	if got == -1 {
		ts.Fatalf("interrupt: %s was killed by the signal instead of handling it (%v)", args[1], err)
	}
	if got != status {
		ts.Fatalf("interrupt: %s exited with status %d, want %d", args[1], got, status)
	}
}

// catches tells whether process pid has a handler for sig (Linux: the
// SigCgt mask in /proc/PID/status); true where that cannot be read.
func catches(pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(b), "\n") {
		if hex, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err != nil || mask&(1<<(uint(sig)-1)) != 0
		}
	}
	return true
}

// lookPath finds name on the script's PATH.
func lookPath(ts *testscript.TestScript, name string) string {
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	ts.Fatalf("%s: not found on PATH", name)
	return ""
}

// scriptEnv is the process environment with the script's PATH and the
// variables the tools read.
func scriptEnv(ts *testscript.TestScript) []string {
	env := []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + ts.Getenv("HOME"), "TMPDIR=" + ts.Getenv("TMPDIR")}
	for _, k := range []string{"STAE_PROGRESS_EVERY", "OPENCV_LOG_LEVEL"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}
