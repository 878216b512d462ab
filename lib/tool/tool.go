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
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/urfave/cli/v2"

	"stae/lib/progress"
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
   2  usage error (bad flag or argument)
   130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM`

// ConcatenatedHelp follows the INPUT line of each tool that reads its stream
// video by video (recon, regscore, events, evalroc): several streams joined
// with cat read as one (lib/stream, Header.Agree).
const ConcatenatedHelp = `        or several streams concatenated (cat of per-video shards): read as
        one when their headers agree (same tools, versions and parameters;
        arguments may differ) and no video is in two of them`

// RunFunc is a tool's testable logic: it reads stdin, writes stdout, reports
// on stderr and returns the exit status. It never calls os.Exit.
type RunFunc func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int

// Main runs run on the process's streams with a context that SIGINT and
// SIGTERM cancel, then exits with its status: 128 plus the signal's number
// (130, 143) when a signal interrupted the run, as shells report a process
// a signal ended. SIGPIPE keeps Go's default, so `tool | head` ends quietly.
func Main(run RunFunc) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	code := runSignalled(run, sigs, os.Args, os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

// runSignalled runs run with a context cancelled by the first signal on
// sigs, and returns its status, or 128 plus the signal's number when the
// signal cut the run short (it failed after the signal came). Once one
// signal has come, signal.Stop lets a second end the process outright.
func runSignalled(run RunFunc, sigs chan os.Signal, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got atomic.Value // os.Signal
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			got.Store(s)
			signal.Stop(sigs)
			cancel()
		case <-done:
		}
	}()
	code := run(ctx, args, stdin, stdout, stderr)
	close(done)
	signal.Stop(sigs)
	if s, ok := got.Load().(syscall.Signal); ok && code != ExitOK {
		return 128 + int(s)
	}
	return code
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

// CheckFPS refuses, as a usage error, an --fps that is not a usable frame
// rate (stream.ValidFPS).
func CheckFPS(fps float64) error {
	if !stream.ValidFPS(fps) {
		return Usagef("--fps %g: want a positive frame rate", fps)
	}
	return nil
}

// StdinOnly is action for a command, who, that reads only stdin: an
// argument is a usage error.
func StdinOnly(who string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.NArg() > 0 {
			return Usagef("unexpected argument %q: %s reads stdin", c.Args().First(), who)
		}
		return action(c)
	}
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
		Writer:                 &checkedWriter{w: stdout},
		ErrWriter:              stderr,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		ExitErrHandler:         func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return UsageError{flagValueError(err)}
		},
	}
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintln(c.App.Writer, VersionLine(c.App.Name))
	}
	return app
}

// Run runs app on args and turns its error into the tool's one stderr line
// and exit status. Flags may come before or after the arguments (see
// arrange). An error that arises before the tool's own action runs (an
// unknown flag, a missing required flag) is a usage error: one line, never
// the whole help. A tool whose flags include JSONFlag writes a binary stream
// and refuses, before any work, to write it to a terminal.
func Run(ctx context.Context, app *cli.App, args []string, stderr io.Writer) int {
	a := arrange(app, args)
	ran := false
	wrap := func(action cli.ActionFunc, flags []cli.Flag, binary bool) cli.ActionFunc {
		if action == nil {
			return nil
		}
		required := unrequire(flags)
		return func(c *cli.Context) error {
			if err := applyPreset(c, flags); err != nil {
				return err
			}
			var missing []string
			for _, name := range required {
				if !c.IsSet(name) {
					missing = append(missing, "--"+name)
				}
			}
			if len(missing) > 0 {
				return Usagef("missing %s", strings.Join(missing, ", "))
			}
			if binary && !c.Bool(JSONFlag.Name) && StdoutIsTerminal(unwrapWriter(c.App.Writer)) {
				return Usagef("stdout is a terminal and %s writes a binary msgpack stream: add --json to read it, or pipe or redirect stdout", c.App.Name)
			}
			ran = true
			return action(c)
		}
	}
	if a.command != nil && a.command.Name == inspectName {
		// `tool inspect ...` gives the tool's own flags no part, and
		// would otherwise demand its required ones (fit --out, recon
		// --model, evalroc --truth) before reaching the subcommand.
		app.Flags = nil
	}
	app.Action = wrap(app.Action, app.Flags, hasFlag(app.Flags, JSONFlag))
	for _, cmd := range app.Commands {
		cmd.Action = wrap(cmd.Action, cmd.Flags, false)
		cmd.OnUsageError = app.OnUsageError
	}
	var err error
	if a.err != nil {
		err = a.err
	} else {
		err = app.RunContext(ctx, a.args)
	}
	if err == nil {
		// --help and --version write to app.Writer, and urfave/cli
		// drops the write's error: a full disk or a closed pipe must
		// not look like success.
		if cw, ok := app.Writer.(*checkedWriter); ok && cw.err != nil {
			Report(stderr, app.Name, fmt.Errorf("writing stdout: %w", cw.err))
			return ExitFail
		}
		return ExitOK
	}
	var ue UsageError
	usage := errors.As(err, &ue) || !ran
	if usage {
		help := app.Name
		if cmd := a.command; cmd != nil && (a.err == nil || a.in == cmd) {
			help += " " + cmd.Name
			if !strings.HasPrefix(err.Error(), cmd.Name+": ") {
				err = fmt.Errorf("%s: %w", cmd.Name, err)
			}
		}
		err = fmt.Errorf("%w (see %s --help)", err, help)
	}
	Report(stderr, app.Name, err)
	if usage {
		return ExitUsage
	}
	return ExitFail
}

// StdoutIsTerminal reports whether a tool's stdout is a terminal; tests
// replace it to see the refusal to write a binary stream there.
var StdoutIsTerminal = progress.IsTerminal

// unrequire clears the Required mark of flags and returns their names, so
// that Run, not urfave/cli, reports a missing one (urfave/cli prints the
// whole help to stdout). --help still says "(required)": the mark moves to
// the flag's usage text, where flagWithDefault finds it.
func unrequire(flags []cli.Flag) []string {
	var names []string
	for _, f := range flags {
		rf, ok := f.(cli.RequiredFlag)
		if !ok || !rf.IsRequired() {
			continue
		}
		v := reflect.ValueOf(f).Elem()
		req, usage := v.FieldByName("Required"), v.FieldByName("Usage")
		if !req.IsValid() || !req.CanSet() || req.Kind() != reflect.Bool {
			continue // a flag type of its own: urfave/cli checks it
		}
		req.SetBool(false)
		if usage.IsValid() && usage.Kind() == reflect.String && !strings.HasSuffix(usage.String(), "(required)") {
			usage.SetString(usage.String() + " (required)")
		}
		names = append(names, f.Names()[0])
	}
	return names
}

// hasFlag reports whether flags holds f itself.
func hasFlag(flags []cli.Flag, f cli.Flag) bool {
	for _, g := range flags {
		if g == f {
			return true
		}
	}
	return false
}

// Report writes err as the tool's one line: "name: message". Line breaks
// become "; " and every other control byte (a NUL in a video id, an
// escape sequence) is written as \xNN, so the line stays one printable
// line whatever the input held.
func Report(stderr io.Writer, name string, err error) {
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\r\n", "\n")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fmt.Fprintf(stderr, "%s: %s\n", name, printable(msg))
}

// printable escapes the control characters of s (C0, DEL, C1) as \xNN
// (\u00NN for C1, which is two bytes in UTF-8).
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// checkedWriter keeps the first error of the writes through it: urfave/cli
// ignores the errors of writing help and version.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// unwrapWriter is the writer a checkedWriter wraps (the *os.File a
// terminal check needs), or w itself.
func unwrapWriter(w io.Writer) io.Writer {
	if c, ok := w.(*checkedWriter); ok {
		return c.w
	}
	return w
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
	QuietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress or notes on stderr (progress: a bar on a terminal, a line every $STAE_PROGRESS_EVERY, default 3s, elsewhere)"}
)

// Notes is where a tool writes its notes and warnings: stderr, or nowhere
// with --quiet. Errors still reach stderr through Run.
func Notes(c *cli.Context, stderr io.Writer) io.Writer {
	if c.Bool(QuietFlag.Name) {
		return io.Discard
	}
	return stderr
}
