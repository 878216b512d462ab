// report.go: what evalroc's reports share. Each mode has its own report, in
// its own file: frame.go (score streams: frame-level ROC), event.go (event
// streams: event counts) and pixel.go (error streams with --masks:
// pixel-level ROC). Each renders as a table for people and as one JSON
// object for programs (--json).

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"stae/lib/stream"
)

// report is what evaluate returns: one of *frameReport, *eventReport or
// *pixelReport. Its JSON form is the --json output.
type report interface {
	kind() stream.Kind
	writeTable(w io.Writer) error
}

// writeJSON writes a report as one indented JSON object.
func writeJSON(w io.Writer, rep report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeHead writes the lines every table opens with: the stream and the
// ground truth it is compared with.
func writeHead(w io.Writer, kind stream.Kind, prov []stream.Stage, truthPath string) {
	fmt.Fprintf(w, "stream:  %s stream from %s\n", kind, pipeline(prov))
	if truthPath != "" {
		fmt.Fprintf(w, "truth:   %s\n", truthPath)
	}
}

// pipeline renders the provenance as the command line that made the stream.
func pipeline(prov []stream.Stage) string {
	parts := make([]string, len(prov))
	for i, s := range prov {
		parts[i] = strings.Join(append([]string{s.Tool}, s.Args...), " ")
	}
	return strings.Join(parts, " | ")
}

func ptr[T any](v T) *T { return &v }

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// frames renders a frame count, "?" when unknown (0).
func frames(n int) string {
	if n == 0 {
		return "?"
	}
	return strconv.Itoa(n)
}
