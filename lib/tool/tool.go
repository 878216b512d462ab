// Package tool holds what every stae program shares around its logic: the
// thin main, exit codes, the one-line error report, the urfave/cli app wired
// to the streams it is given, and the provenance stage a tool appends.
package tool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"stae/lib/stream"
)

// Exit statuses, as in Go's own tools.
const (
	ExitOK    = 0 // success
	ExitFail  = 1 // bad data or a failure
	ExitUsage = 2 // bad flags or arguments
)

// ExitCodesHelp is the exit-code section every tool's help ends with.
const ExitCodesHelp = `EXIT STATUS:
   0  success
   1  bad input data or a failure (one line on stderr says what and where)
   2  usage error (bad flag or argument)`

// RunFunc is a tool's testable logic: it reads stdin, writes stdout, reports
// on stderr and returns the exit status. It never calls os.Exit.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// Main runs run on the process's streams with a context that SIGINT and
// SIGTERM cancel, then exits with its status. SIGPIPE keeps Go's default, so
// `tool | head` ends quietly.
func Main(run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// version and revision may be set at link time:
// -ldflags "-X stae/lib/tool.version=v0.1.0".
var version = "devel"

// Version is the toolkit's version and, when the build recorded it, the VCS
// revision.
func Version() string {
	if rev := Revision(); rev != "" {
		return version + " " + rev
	}
	return version
}

// Stage is this tool's provenance entry: name, version, arguments (without
// the program path) and the parameters later stages need.
func Stage(name string, args []string, params map[string]any) stream.Stage {
	if len(args) > 0 {
		args = args[1:]
	}
	return stream.Stage{Tool: name, Version: Version(), Args: append([]string{}, args...), Params: params}
}

// UsageError marks an error in how the tool was called (exit status 2).
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError.
func Usagef(format string, args ...any) error {
	return UsageError{fmt.Errorf(format, args...)}
}

// NewApp returns a cli app wired to the given streams, printing help and
// version there, and never exiting the process.
func NewApp(name, usage, description string, stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:                   name,
		Usage:                  usage,
		Description:            strings.TrimSpace(description) + "\n\n" + ExitCodesHelp,
		Version:                Version(),
		Reader:                 stdin,
		Writer:                 stdout,
		ErrWriter:              stderr,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		ExitErrHandler:         func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return UsageError{err}
		},
	}
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintln(c.App.Writer, VersionLine(c.App.Name))
	}
	return app
}

// Run runs app on args and turns its error into the tool's one stderr line
// and exit status. An error that arises before the tool's own action runs
// (an unknown flag, a missing required flag) is a usage error.
func Run(ctx context.Context, app *cli.App, args []string, stderr io.Writer) int {
	ran := false
	wrap := func(a cli.ActionFunc) cli.ActionFunc {
		if a == nil {
			return nil
		}
		return func(c *cli.Context) error {
			ran = true
			return a(c)
		}
	}
	if len(args) > 1 && args[1] == inspectName && app.Command(inspectName) != nil {
		// `tool inspect ...` gives the tool's own flags no part, and
		// urfave/cli would otherwise demand its required ones (fit --out,
		// recon --model, evalroc --truth) before reaching the subcommand.
		app.Flags = nil
	}
	app.Action = wrap(app.Action)
	for _, cmd := range app.Commands {
		cmd.Action = wrap(cmd.Action)
	}
	err := app.RunContext(ctx, args)
	if err == nil {
		return ExitOK
	}
	var ue UsageError
	usage := errors.As(err, &ue) || !ran
	if usage {
		err = fmt.Errorf("%w (see %s --help)", err, app.Name)
	}
	Report(stderr, app.Name, err)
	if usage {
		return ExitUsage
	}
	return ExitFail
}

// Report writes err as the tool's one line: "name: message".
func Report(stderr io.Writer, name string, err error) {
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	fmt.Fprintf(stderr, "%s: %s\n", name, msg)
}

// ContextErr turns a cancelled context into stream.ErrInterrupted, what a
// tool's action returns when its context is cancelled, else nil.
func ContextErr(ctx context.Context) error {
	if ctx.Err() != nil {
		return stream.ErrInterrupted
	}
	return nil
}

// Common flags.
var (
	JSONFlag  = &cli.BoolFlag{Name: "json", Usage: "write newline-delimited JSON instead of msgpack"}
	QuietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on stderr (else a bar on a terminal, a line every $STAE_PROGRESS_EVERY, default 3s, elsewhere)"}
)
