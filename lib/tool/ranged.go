// ranged.go: numeric flags with an explicit accepted range. A value outside
// it (0, negative, 1e18, 2^63, inf, nan) is a usage error that names the
// range, raised while the flags are parsed, before any work: no flag value
// ever reaches a make() or a loop bound unchecked.

package tool

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// IntFlag is an integer flag accepting lo..hi only; c.Int reads it.
func IntFlag(name string, value, lo, hi int, usage string, aliases ...string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: name, Aliases: aliases, Usage: usage,
		Value: &intValue{n: value, lo: lo, hi: hi}}
}

// FloatFlag is a finite number flag accepting lo..hi only; c.Float64 reads
// it. NaN and the infinities are never accepted.
func FloatFlag(name string, value, lo, hi float64, usage string, aliases ...string) *cli.GenericFlag {
	return &cli.GenericFlag{Name: name, Aliases: aliases, Usage: usage,
		Value: &floatValue{x: value, lo: lo, hi: hi}}
}

type intValue struct{ n, lo, hi int }

func (v *intValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	if err != nil || n < int64(v.lo) || n > int64(v.hi) {
		return fmt.Errorf("want a whole number from %d to %d", v.lo, v.hi)
	}
	v.n = int(n)
	return nil
}

func (v *intValue) String() string { return strconv.Itoa(v.n) }
func (v *intValue) Get() any       { return v.n }

type floatValue struct{ x, lo, hi float64 }

func (v *floatValue) Set(s string) error {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < v.lo || x > v.hi {
		return fmt.Errorf("want a number from %s to %s", fmtFloat(v.lo), fmtFloat(v.hi))
	}
	v.x = x
	return nil
}

func (v *floatValue) String() string { return fmtFloat(v.x) }
func (v *floatValue) Get() any       { return v.x }

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// CheckInt is the range check of IntFlag for a number that is not a flag
// of its own (one of a list, a product of flags): a usage error naming what
// and the range.
func CheckInt(what string, n, lo, hi int) error {
	if n < lo || n > hi {
		return Usagef("%s %d: want a whole number from %d to %d", what, n, lo, hi)
	}
	return nil
}

// flagValueError rewrites the flag package's `invalid value "x" for flag
// -name: why` as `--name "x": why`, the way every other usage line names a
// flag.
func flagValueError(err error) error {
	s := err.Error()
	rest, ok := strings.CutPrefix(s, "invalid value ")
	if !ok {
		return err
	}
	val, err2 := strconv.QuotedPrefix(rest)
	if err2 != nil {
		return err
	}
	name, why, ok := strings.Cut(strings.TrimPrefix(rest[len(val):], " for flag -"), ": ")
	if !ok || name == "" || strings.ContainsAny(name, " ") {
		return err
	}
	return fmt.Errorf("%s %s: %s", dashed(name), val, why)
}
