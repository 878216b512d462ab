// inspect_test.go: the inspect subcommand reached from a tool whose root
// takes positional arguments and has required flags, and the flag defaults
// and version line every --help shows.

package tool

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

const scores = `{"magic":"stae","version":1,"kind":"score","provenance":[{"tool":"t","version":"1","args":[]}]}
{"video":"A","frame":0,"error":1,"abnormality":0,"regularity":1}
`

// demoApp is shaped like frames and evalroc: positional SOURCE arguments, a
// required flag, an optional one without a default, and inspect.
func demoApp(stdin string, stdout, stderr *bytes.Buffer, ran *[]string) *cli.App {
	app := demo(stdin, stdout, stderr,
		&cli.StringFlag{Name: "truth", Required: true, Usage: "truth file"},
		&cli.StringFlag{Name: "roc", Usage: "ROC file"},
		&cli.IntFlag{Name: "size", Value: 227, Usage: "frame size"},
		JSONFlag)
	app.ArgsUsage = "SOURCE..."
	app.Action = func(c *cli.Context) error {
		*ran = append(*ran, c.Args().Slice()...)
		return nil
	}
	app.Commands = append(app.Commands, InspectCommand())
	return app
}

func TestInspectSubcommand(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderr     string
		rootSource []string
	}{
		{"records", []string{"inspect"}, 0, scores, "", nil},
		{"header only", []string{"inspect", "--header"}, 0, strings.SplitAfter(scores, "\n")[0], "", nil},
		{"stdin as -", []string{"inspect", "-"}, 0, scores, "", nil},
		{"both views", []string{"inspect", "--header", "--data"}, 2, "", "demo: inspect: --header and --data exclude each other (see demo inspect --help)\n", nil},
		{"missing file", []string{"inspect", "nosuchfile"}, 1, "", "demo: open nosuchfile: no such file or directory\n", nil},
		{"root still takes sources", []string{"--truth", "t.m", "clip1", "clip2"}, 0, "", "", []string{"clip1", "clip2"}},
		{"root still needs its flags", []string{"clip1"}, 2, "", "demo: missing --truth (see demo --help)\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var ran []string
			app := demoApp(scores, &stdout, &stderr, &ran)
			code := Run(context.Background(), app, append([]string{"demo"}, tc.args...), &stderr)
			if code != tc.code || stderr.String() != tc.stderr {
				t.Errorf("exit %d, stderr %q; want %d, %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.code == 0 && stdout.String() != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
			if strings.Join(ran, " ") != strings.Join(tc.rootSource, " ") {
				t.Errorf("root action got %q, want %q", ran, tc.rootSource)
			}
		})
	}
}

func TestHelpShowsEveryDefault(t *testing.T) {
	var stdout, stderr bytes.Buffer
	var ran []string
	app := demoApp("", &stdout, &stderr, &ran)
	if code := Run(context.Background(), app, []string{"demo", "--help"}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{
		"--truth value  truth file (required)\n",
		"--roc value    ROC file (default: none)\n",
		"--size value   frame size (default: 227)\n",
		"--json         write newline-delimited JSON instead of msgpack (default: false)\n",
		"--help, -h     show help\n",
		"inspect  show any stae stream",
		"EXIT STATUS:",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestVersionLine(t *testing.T) {
	for _, tc := range []struct {
		name, revision, want string
	}{
		{"no revision", "", "demo devel revision unknown (built without VCS information)\n"},
		{"stamped at link time", "0123456789ab", "demo devel revision 0123456789ab\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if Revision() != "" && revision == "" {
				t.Skip("this test binary carries VCS information")
			}
			defer func(r string) { revision = r }(revision)
			revision = tc.revision
			var stdout, stderr bytes.Buffer
			var ran []string
			app := demoApp("", &stdout, &stderr, &ran)
			if code := Run(context.Background(), app, []string{"demo", "--version"}, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			if stdout.String() != tc.want {
				t.Errorf("got %q, want %q", stdout.String(), tc.want)
			}
		})
	}
}
