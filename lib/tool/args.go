// args.go: flags anywhere on the command line. urfave/cli v2 stops reading
// flags at the first argument (`frames Test001 --size 67` would take
// "--size" for a SOURCE), so Run moves every flag ahead of the arguments
// first, using the app's and the subcommand's own flag definitions to know
// which flags take a value. A lone `--` ends the flags: what follows is an
// argument even if it starts with "-".

package tool

import (
	"strings"

	"github.com/urfave/cli/v2"

	"stae/lib/suggest"
)

// arranged is a command line with its flags moved ahead of its arguments.
type arranged struct {
	args    []string     // program, app flags, [command, its flags], arguments
	command *cli.Command // the subcommand named, or nil
	err     error        // the first unknown flag, or one that lacks its value
	in      *cli.Command // where err arose (nil: the app)
}

// arrange moves the flags of args (args[0] is the program) ahead of the
// arguments, for the app and for the subcommand its first argument names.
func arrange(app *cli.App, args []string) arranged {
	if len(args) == 0 {
		return arranged{args: args}
	}
	isCommand := func(s string) bool { return app.Command(s) != nil }
	flags, rest, sub, err := split(args[1:], app.Flags, isCommand, true)
	a := arranged{args: append([]string{args[0]}, flags...), err: err}
	if sub != nil {
		a.command = app.Command(sub[0])
		cflags, crest, _, cerr := split(sub[1:], a.command.Flags, nil, false)
		if a.err == nil && cerr != nil {
			a.err, a.in = cerr, a.command
		}
		a.args = append(append(append(a.args, sub[0]), cflags...), crest...)
		return a
	}
	a.args = append(a.args, rest...)
	return a
}

// split returns the flags of args (with their values) and the arguments,
// the latter behind a "--" when one of them starts with "-". With stop, it
// ends when the first argument is one stop accepts (a subcommand's name):
// sub is args from there on. err is a usage error for the first flag defs
// lack, or a last flag that lacks its value.
func split(args []string, defs []cli.Flag, stop func(string) bool, root bool) (flags, positional, sub []string, err error) {
	dashed := false // an argument starts with "-": keep it from the flag parser
	for i := 0; i < len(args); i++ {
		s := args[i]
		if s == "--" {
			for _, p := range args[i+1:] {
				dashed = dashed || strings.HasPrefix(p, "-")
			}
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(s) < 2 || s[0] != '-' {
			if stop != nil && len(positional) == 0 && stop(s) {
				return flags, nil, args[i:], err
			}
			positional = append(positional, s)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(s, "-"), "=")
		flags = append(flags, s)
		f, known := lookup(defs, name, root)
		if !known && err == nil {
			err = unknownFlag(s, name, defs)
		}
		if f != nil && takesValue(f) && !hasValue {
			if i+1 == len(args) {
				if err == nil {
					err = Usagef("%s needs a value", s)
				}
				break
			}
			i++
			flags = append(flags, args[i])
		}
	}
	if len(positional) > 0 && dashed {
		flags = append(flags, "--")
	}
	return flags, positional, nil, err
}

// unknownFlag is the usage error for flag s, called name, that defs lack,
// naming the closest one they have.
func unknownFlag(s, name string, defs []cli.Flag) error {
	var names []string
	for _, f := range defs {
		names = append(names, f.Names()...)
	}
	if near, ok := suggest.Closest(name, names); ok {
		return Usagef("unknown flag %s: did you mean %s?", s, dashed(near))
	}
	return Usagef("unknown flag %s", s)
}

// dashed is a flag name as typed: -q, --quiet.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// lookup finds the flag called name; --help (and, on the app, --version)
// are known without a definition, since urfave/cli adds them itself.
func lookup(defs []cli.Flag, name string, root bool) (cli.Flag, bool) {
	for _, f := range defs {
		for _, n := range f.Names() {
			if n == name {
				return f, true
			}
		}
	}
	switch name {
	case "help", "h":
		return nil, true
	case "version", "v":
		return nil, root
	}
	return nil, false
}

// takesValue reports whether f reads the next argument as its value (every
// flag but a bool).
func takesValue(f cli.Flag) bool {
	if v, ok := f.(cli.DocGenerationFlag); ok {
		return v.TakesValue()
	}
	return true
}
