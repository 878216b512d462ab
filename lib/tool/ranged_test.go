package tool

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func rangedApp(stdout, stderr *bytes.Buffer, got *string) *cli.App {
	app := demo("", stdout, stderr, IntFlag("length", 10, 1, 1000, "frames", "t"), FloatFlag("scale", 1, 0.01, 4, "factor"))
	app.Action = func(c *cli.Context) error {
		*got = c.String("length") + " " + c.String("scale")
		if c.Int("length") == 0 || c.Float64("scale") == 0 {
			*got = "lost"
		}
		return nil
	}
	return app
}

func TestRangedFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // the action's view, or stderr
	}{
		{"defaults", nil, 0, "10 1"},
		{"in range", []string{"-t", "1000", "--scale=0.25"}, 0, "1000 0.25"},
		{"zero", []string{"--length", "0"}, 2, `demo: --length "0": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"negative", []string{"--length", "-5"}, 2, `demo: --length "-5": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"1e18", []string{"--length", "1e18"}, 2, `demo: --length "1e18": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"huge", []string{"--length", "1000000000000000000"}, 2, `demo: --length "1000000000000000000": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"2^63", []string{"--length=9223372036854775808"}, 2, `demo: --length "9223372036854775808": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"alias", []string{"-t", "1001"}, 2, `demo: -t "1001": want a whole number from 1 to 1000 (see demo --help)` + "\n"},
		{"inf", []string{"--scale", "inf"}, 2, `demo: --scale "inf": want a number from 0.01 to 4 (see demo --help)` + "\n"},
		{"nan", []string{"--scale", "NaN"}, 2, `demo: --scale "NaN": want a number from 0.01 to 4 (see demo --help)` + "\n"},
		{"too small", []string{"--scale", "1e-300"}, 2, `demo: --scale "1e-300": want a number from 0.01 to 4 (see demo --help)` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var got string
			code := Run(context.Background(), rangedApp(&stdout, &stderr, &got), append([]string{"demo"}, tc.args...), &stderr)
			view := got
			if tc.code != 0 {
				view = stderr.String()
			}
			if code != tc.code || view != tc.want {
				t.Errorf("exit %d, got %q (stderr %q); want %d, %q", code, view, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

func TestReportEscapesControlBytes(t *testing.T) {
	var b bytes.Buffer
	Report(&b, "demo", errors.New("video \"a\x00b\x1b[31m\u0085\" bad\nsecond line"))
	want := `demo: video "a\x00b\x1b[31m\u0085" bad; second line` + "\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestHelpIntoFullDevice(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full")
	}
	defer full.Close()
	for _, arg := range []string{"--help", "--version"} {
		var stderr bytes.Buffer
		app := demo("", full, &stderr)
		app.Action = func(*cli.Context) error { return nil }
		code := Run(context.Background(), app, []string{"demo", arg}, &stderr)
		if code != ExitFail || !strings.HasPrefix(stderr.String(), "demo: writing stdout: ") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want 1, one line", arg, code, stderr.String())
		}
	}
}
