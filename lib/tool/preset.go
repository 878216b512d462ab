// preset.go: --preset, a named set of flag values (the recommended CPU
// detector, the paper's reproduction), given once instead of flag by flag.

package tool

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Presets maps each preset's name to the flag values it sets. A flag the
// user gives wins over its preset's value.
type Presets map[string]map[string]string

// PresetFlag is --preset over presets; def names the one in force when
// --preset is not given, whose values must be the flags' own defaults.
type PresetFlag struct {
	cli.StringFlag
	Presets Presets
}

// NewPresetFlag returns --preset for presets with def as the default.
func NewPresetFlag(def string, presets Presets) *PresetFlag {
	var lines []string
	for _, n := range sortedKeys(presets) {
		var vs []string
		for _, k := range sortedKeys(presets[n]) {
			vs = append(vs, "--"+k+" "+presets[n][k])
		}
		lines = append(lines, n+": "+strings.Join(vs, " "))
	}
	return &PresetFlag{StringFlag: cli.StringFlag{Name: "preset", Value: def,
		Usage: "settings given at once, each overridden by its own flag (" + strings.Join(lines, "; ") + ")"}, Presets: presets}
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// applyPreset sets the chosen preset's values on the flags c was not
// given.
func applyPreset(c *cli.Context, flags []cli.Flag) error {
	for _, f := range flags {
		p, ok := f.(*PresetFlag)
		if !ok || !c.IsSet(p.Name) {
			continue // the flags' own defaults are the default preset's
		}
		name := c.String(p.Name)
		values, ok := p.Presets[name]
		if !ok {
			return Usagef("--preset %q: want %s", name, strings.Join(sortedKeys(p.Presets), " or "))
		}
		for _, k := range sortedKeys(values) {
			if c.IsSet(k) {
				continue
			}
			if err := c.Set(k, values[k]); err != nil {
				return fmt.Errorf("--preset %s: --%s %s: %w", name, k, values[k], err)
			}
		}
	}
	return nil
}
