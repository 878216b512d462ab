// preset_test.go: --preset sets its values on the flags not given, a flag
// given wins, the default preset changes nothing, an unknown one is a
// usage error.

package tool

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestPreset(t *testing.T) {
	runWith := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		app := NewApp("t", "test", "a test tool", strings.NewReader(""), &out, &errb)
		app.Flags = []cli.Flag{
			&cli.IntFlag{Name: "size", Value: 227},
			&cli.Float64Flag{Name: "smooth", Value: 0},
			NewPresetFlag("paper", Presets{"cpu": {"size": "67", "smooth": "5"}, "paper": {"size": "227", "smooth": "0"}}),
		}
		app.Action = func(c *cli.Context) error {
			fmt.Fprintf(&out, "size %d smooth %g set %v", c.Int("size"), c.Float64("smooth"), c.IsSet("smooth"))
			return nil
		}
		code := Run(context.Background(), app, append([]string{"t"}, args...), &errb)
		return out.String(), errb.String(), code
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "size 227 smooth 0 set false"},
		{[]string{"--preset", "cpu"}, "size 67 smooth 5 set true"},
		{[]string{"--preset", "cpu", "--size", "115"}, "size 115 smooth 5 set true"},
		{[]string{"--smooth", "2", "--preset=cpu"}, "size 67 smooth 2 set true"},
		{[]string{"--preset", "paper"}, "size 227 smooth 0 set true"},
	} {
		out, errs, code := runWith(c.args...)
		if code != 0 || out != c.want {
			t.Errorf("%v: exit %d, %q (%s); want %q", c.args, code, out, errs, c.want)
		}
	}
	if _, errs, code := runWith("--preset", "gpu"); code != 2 || errs != "t: --preset \"gpu\": want cpu or paper (see t --help)\n" {
		t.Errorf("unknown preset: exit %d, %q", code, errs)
	}
}
