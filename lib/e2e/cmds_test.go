package e2e

import (
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"stae/lib/stream"
)

// cmdCountRecords: countrecords FILE KIND N — FILE is a stream of KIND
// holding exactly N records of that kind (an event stream's records that
// close each video, stream.VideoEnd, are not events and do not count).
func cmdCountRecords(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: countrecords FILE KIND N")
	}
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	f, err := os.Open(ts.MkAbs(args[0]))
	ts.Check(err)
	defer f.Close()
	r, err := stream.NewReader(f, stream.Kind(args[1]))
	ts.Check(err)
	n := 0
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		ts.Check(err)
		if _, ok := rec.(*stream.VideoEnd); !ok {
			n++
		}
	}
	if (n == want) == neg {
		ts.Fatalf("%s: %d %s records, want %s%d", args[0], n, args[1], map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdNoPanic: nopanic FILE — FILE (usually stderr) shows no Go panic or
// goroutine dump.
func cmdNoPanic(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: nopanic FILE")
	}
	text := ts.ReadFile(args[0])
	for _, bad := range []string{"panic:", "goroutine ", "runtime error", "SIGSEGV"} {
		if strings.Contains(text, bad) {
			ts.Fatalf("%s shows %q:\n%s", args[0], bad, text)
		}
	}
}

// cmdIsJSON: isjson FILE — every non-empty line of FILE is a JSON object.
func cmdIsJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: isjson FILE")
	}
	for i, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			ts.Fatalf("%s line %d: %v", args[0], i+1, err)
		}
	}
}
