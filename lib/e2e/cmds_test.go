// cmds_test.go: testscript commands that check what a tool wrote: a
// stream's record count, no Go panic, lines of JSON, and the figures of
// evalroc's --json report (an AUC at least so much, a model beating its
// baseline).

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

// cmdAUCAtLeast: aucatleast FILE KEY MIN — FILE is one JSON object (as
// evalroc --json writes it) whose number KEY (e.g. auc_micro, detected) is
// at least MIN; negated, below MIN. The value is logged either way, so a
// passing run still shows the figure.
func cmdAUCAtLeast(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: aucatleast FILE KEY MIN")
	}
	want, err := strconv.ParseFloat(args[2], 64)
	ts.Check(err)
	got := jsonNumber(ts, args[0], args[1])
	ts.Logf("%s: %s = %.4f", args[0], args[1], got)
	if (got >= want) == neg {
		ts.Fatalf("%s: %s = %.4f, want %s%g", args[0], args[1], got, map[bool]string{true: "below ", false: "at least "}[neg], want)
	}
}

// cmdAUCBeats: aucbeats FILE OTHER KEY BY — the number KEY of the JSON
// object in FILE is at least OTHER's plus BY (a model beats its no-model
// baseline by a margin); negated, it is not.
func cmdAUCBeats(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: aucbeats FILE OTHER KEY BY")
	}
	by, err := strconv.ParseFloat(args[3], 64)
	ts.Check(err)
	a, b := jsonNumber(ts, args[0], args[2]), jsonNumber(ts, args[1], args[2])
	ts.Logf("%s: %s = %.4f; %s: %.4f", args[0], args[2], a, args[1], b)
	if (a >= b+by) == neg {
		ts.Fatalf("%s = %.4f in %s, %.4f in %s: want the first %sat least %g higher", args[2], a, args[0], b, args[1], map[bool]string{true: "not ", false: ""}[neg], by)
	}
}

// jsonNumber reads FILE as one JSON object and returns its top-level
// number KEY.
func jsonNumber(ts *testscript.TestScript, file, key string) float64 {
	var m map[string]any
	if err := json.Unmarshal([]byte(ts.ReadFile(file)), &m); err != nil {
		ts.Fatalf("%s: %v", file, err)
	}
	v, ok := m[key]
	if !ok {
		ts.Fatalf("%s: no key %q", file, key)
	}
	f, ok := v.(float64)
	if !ok {
		ts.Fatalf("%s: %s is %v, not a number", file, key, v)
	}
	return f
}
