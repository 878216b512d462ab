// inspect.go: the `inspect` subcommand every tool carries, so that whatever
// flows between two stages can be looked at with the tool at hand:
//
//	frames data/Test | volumes | volumes inspect --header

package tool

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"stae/lib/inspect"
)

// inspectName is the subcommand's name; Run treats it specially.
const inspectName = "inspect"

// InspectCommand returns the `inspect` subcommand: it reads a stream of any
// kind (stdin, or a FILE argument) and writes it as newline-delimited JSON,
// tensors summarised unless --data, or only the header with --header. A tool
// adds it with app.Commands = append(app.Commands, tool.InspectCommand()).
func InspectCommand() *cli.Command {
	return &cli.Command{
		Name:      inspectName,
		Usage:     "show any stae stream as newline-delimited JSON (header, then one line per record), or a model, statistics or calibration file as one JSON object",
		ArgsUsage: "[FILE]",
		Description: `Reads a stream of any kind (msgpack or NDJSON) from FILE, or stdin when
FILE is absent or -, and writes newline-delimited JSON: the header line
(magic, version, kind, and the provenance: every stage that made it), then
one line per record with the stream's field names. Tensors are summarised
as "data":{"shape":[..],"min":..,"max":..,"mean":..} unless --data.

Any other file stae writes is shown as one JSON object whose "kind" names
it: a checkpoint (fit: configuration, frame description, training
history and options, tensors' names and shapes, the statistics and
calibration it carries, digest), a statistics file (frames mean: size,
planes, frames, std per plane, digest) or a calibration (regscore
calibrate: frames, fps, scoring, quantiles, digest).

INPUT:  a stream of any kind (frame, volume, error, score, event), or a
        checkpoint, statistics or calibration file
OUTPUT: newline-delimited JSON on stdout

EXAMPLES:
   # what flows between volumes and fit: kind, frame size, strides, ...
   frames --stats stats.bin data/Train | volumes --strides 1,2,3 | volumes inspect --header

   # each test volume's shape and value range
   volumes inspect test.volumes | head -3

   # what a model was trained on and how
   fit inspect model.stae`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "header", Usage: "write the header and provenance only; records are not read"},
			&cli.BoolFlag{Name: "data", Usage: "write records whole, tensor data as base64 float32 (a stream any tool reads)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return Usagef("inspect takes at most one FILE, got %d arguments", c.NArg())
			}
			if c.Bool("header") && c.Bool("data") {
				return Usagef("--header and --data exclude each other")
			}
			in := c.App.Reader
			if path := c.Args().First(); path != "" && path != "-" {
				f, err := os.Open(path)
				if err != nil {
					return err // *PathError already names the file
				}
				defer f.Close()
				in = f
			}
			_, err := inspect.Any(in, c.App.Writer, inspect.Options{HeaderOnly: c.Bool("header"), Data: c.Bool("data")})
			if err != nil {
				return fmt.Errorf("inspect: %w", err)
			}
			return nil
		},
	}
}
