// args_test.go: flags before and after arguments, `--`, missing and unknown
// flags as one line, the refusal to write a binary stream to a terminal, and
// the exit status after a signal.

package tool

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/urfave/cli/v2"
)

// demo is the tool the tests build: demo, with stdin, stdout, stderr and
// flags as given.
func demo(stdin string, stdout, stderr io.Writer, flags ...cli.Flag) *cli.App {
	app := NewApp("demo", "a demo tool", "Does nothing.", strings.NewReader(stdin), stdout, stderr)
	app.Flags = flags
	return app
}

// argsApp is shaped like frames: SOURCE arguments, value and bool flags,
// a binary stream on stdout, and a `mean` subcommand with a required flag.
func argsApp(stdout, stderr *bytes.Buffer, got *string) *cli.App {
	app := demo("", stdout, stderr, &cli.StringFlag{Name: "size", Value: "227", Usage: "frame size"}, JSONFlag, QuietFlag)
	app.Action = func(c *cli.Context) error {
		*got = strings.Join([]string{"size=" + c.String("size"), "json=" + bstr(c.Bool("json")), "quiet=" + bstr(c.Bool("quiet")), "args=" + strings.Join(c.Args().Slice(), ",")}, " ")
		return nil
	}
	app.Commands = []*cli.Command{{
		Name: "mean",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "file to write"},
			&cli.StringFlag{Name: "size", Value: "227", Usage: "frame size"},
			QuietFlag,
		},
		Action: func(c *cli.Context) error {
			*got = "mean out=" + c.String("out") + " size=" + c.String("size") + " quiet=" + bstr(c.Bool("quiet")) + " args=" + strings.Join(c.Args().Slice(), ",")
			return nil
		},
	}, InspectCommand()}
	return app
}

func bstr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"flags first", []string{"--size", "67", "A", "B"}, "size=67 json=false quiet=false args=A,B"},
		{"flag after source", []string{"A", "--size", "67"}, "size=67 json=false quiet=false args=A"},
		{"flag between sources", []string{"A", "--size=67", "B"}, "size=67 json=false quiet=false args=A,B"},
		{"short bool then source", []string{"-q", "A"}, "size=227 json=false quiet=true args=A"},
		{"bools after sources", []string{"A", "B", "--json", "--quiet"}, "size=227 json=true quiet=true args=A,B"},
		{"bool does not eat a source", []string{"--json", "A"}, "size=227 json=true quiet=false args=A"},
		{"dash is stdin", []string{"-", "-q"}, "size=227 json=false quiet=true args=-"},
		{"after -- all are sources", []string{"A", "--", "--size", "-q"}, "size=227 json=false quiet=false args=A,--size,-q"},
		{"flags before --", []string{"-q", "--", "-A"}, "size=227 json=false quiet=true args=-A"},
		{"value that looks like a flag", []string{"--size", "-3", "A"}, "size=-3 json=false quiet=false args=A"},
		{"subcommand, flags after", []string{"mean", "A", "--out", "s.bin", "-q"}, "mean out=s.bin size=227 quiet=true args=A"},
		{"subcommand, alias and =", []string{"mean", "-o=s.bin", "A", "--size", "51"}, "mean out=s.bin size=51 quiet=false args=A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var got string
			code := Run(context.Background(), argsApp(&stdout, &stderr, &got), append([]string{"demo"}, tc.args...), &stderr)
			if code != 0 || got != tc.want {
				t.Errorf("exit %d (%s), got %q; want 0, %q", code, stderr.String(), got, tc.want)
			}
		})
	}
}

func TestUsageErrorsAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		name, stderr string
		args         []string
	}{
		{"missing required flag", "demo: mean: missing --out (see demo mean --help)\n", []string{"mean", "A"}},
		{"unknown flag", "demo: unknown flag --sise: did you mean --size? (see demo --help)\n", []string{"A", "--sise", "3"}},
		{"unknown flag, nothing near", "demo: unknown flag --zzzzzz (see demo --help)\n", []string{"--zzzzzz"}},
		{"unknown flag of a subcommand", "demo: mean: unknown flag --jsn (see demo mean --help)\n", []string{"mean", "--out", "x", "--jsn"}},
		{"unknown flag of inspect", "demo: inspect: unknown flag --hedder: did you mean --header? (see demo inspect --help)\n", []string{"inspect", "--hedder"}},
		{"a last flag without its value", "demo: mean: --out needs a value (see demo mean --help)\n", []string{"mean", "A", "--out"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var got string
			code := Run(context.Background(), argsApp(&stdout, &stderr, &got), append([]string{"demo"}, tc.args...), &stderr)
			if code != ExitUsage || stderr.String() != tc.stderr || stdout.Len() != 0 || got != "" {
				t.Errorf("exit %d, stderr %q, stdout %d bytes, ran %q; want 2, %q, nothing", code, stderr.String(), stdout.Len(), got, tc.stderr)
			}
		})
	}
}

func TestBinaryStreamRefusesTerminal(t *testing.T) {
	defer func(f func(io.Writer) bool) { StdoutIsTerminal = f }(StdoutIsTerminal)
	StdoutIsTerminal = func(io.Writer) bool { return true }
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"msgpack to a terminal", []string{"A"}, 2, "demo: stdout is a terminal and demo writes a binary msgpack stream: add --json to read it, or pipe or redirect stdout (see demo --help)\n"},
		{"json to a terminal", []string{"A", "--json"}, 0, ""},
		{"a subcommand writes no stream", []string{"mean", "--out", "x", "A"}, 0, ""},
		{"help still shows", []string{"--help"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var got string
			code := Run(context.Background(), argsApp(&stdout, &stderr, &got), append([]string{"demo"}, tc.args...), &stderr)
			if code != tc.code || stderr.String() != tc.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.code != 0 && got != "" {
				t.Errorf("the action ran: %q", got)
			}
		})
	}
}

func TestExitStatusAfterSignal(t *testing.T) {
	// waits for its context, as a tool's read loop does, and fails.
	interrupted := func(ctx context.Context, _ []string, _ io.Reader, _, _ io.Writer) int {
		<-ctx.Done()
		return ExitFail
	}
	for _, tc := range []struct {
		name string
		sig  os.Signal
		run  RunFunc
		want int
	}{
		{"SIGINT", syscall.SIGINT, interrupted, 130},
		{"SIGTERM", syscall.SIGTERM, interrupted, 143},
		{"no signal", nil, func(context.Context, []string, io.Reader, io.Writer, io.Writer) int { return ExitFail }, 1},
		{"finished despite the signal", syscall.SIGTERM, func(ctx context.Context, _ []string, _ io.Reader, _, _ io.Writer) int {
			<-ctx.Done()
			return ExitOK
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 1)
			if tc.sig != nil {
				sigs <- tc.sig
			}
			if got := runSignalled(tc.run, sigs, []string{"demo"}, nil, io.Discard, io.Discard); got != tc.want {
				t.Errorf("exit %d, want %d", got, tc.want)
			}
		})
	}
}
