// help.go: what every tool's --help and --version show beyond urfave/cli's
// defaults: a default (or "required") beside every flag, and the revision
// the binary was built from.

package tool

import (
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// revision may be set at link time when the build records no VCS
// information (-buildvcs=false, a source tarball):
// -ldflags "-X stae/lib/tool.revision=$(git rev-parse --short=12 HEAD)".
var revision = ""

func init() {
	cli.FlagStringer = flagWithDefault
}

// flagWithDefault is urfave/cli's flag line with the default always said:
// flags without a value by default read "(default: none)", and required
// ones "(required)", so --help answers "what happens if I leave it out".
func flagWithDefault(f cli.Flag) string {
	s := defaultStringer(f)
	if strings.Contains(s, "(default: ") || strings.HasSuffix(s, "(required)") {
		return s
	}
	if bf, ok := f.(*cli.BoolFlag); ok && bf.DisableDefaultText {
		return s // --help, --version
	}
	if rf, ok := f.(cli.RequiredFlag); ok && rf.IsRequired() {
		return s + " (required)"
	}
	return s + " (default: none)"
}

// defaultStringer is urfave/cli's own, kept before init replaces it.
var defaultStringer = cli.FlagStringer

// Revision is the VCS revision the binary was built from (12 hex digits,
// "+dirty" when the tree had changes), or "" when unknown.
func Revision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "+dirty"
			}
			return rev
		}
	}
	return revision
}

// VersionLine is what --version prints: name, version and revision.
func VersionLine(name string) string {
	rev := Revision()
	if rev == "" {
		rev = "unknown (built without VCS information)"
	}
	return name + " " + version + " revision " + rev
}
