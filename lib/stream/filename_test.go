package stream

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestFileName(t *testing.T) {
	for _, tc := range []struct{ id, want string }{
		{"Test001", "Test001"},
		{"..", "%2E."},
		{".", "%2E"},
		{".hidden", "%2Ehidden"},
		{"a.b", "a.b"},
		{"a/b", "a%2Fb"},
		{"a_b", "a_b"},
		{"a%2Fb", "a%252Fb"},
		{"../up/and\\back", "%2E.%2Fup%2Fand%5Cback"},
		{"nul\x00bell\x07del\x7f", "nul%00bell%07del%7F"},
		{"Überwachung 1", "Überwachung 1"},
		{"", "%"},
	} {
		if got := FileName(tc.id); got != tc.want {
			t.Errorf("FileName(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

// TestFileNameSafeAndInjective: over ids built from the awkward bytes,
// no name is a path of more than one element, leaves its folder or hides,
// and no two ids share a name.
func TestFileNameSafeAndInjective(t *testing.T) {
	parts := []string{"a", "_", "%", "%2F", "/", "\\", ".", "..", "\x00", "\n", "roc"}
	seen := map[string]string{}
	var ids []string
	for _, x := range parts {
		for _, y := range parts {
			ids = append(ids, x, x+y)
			for _, z := range parts {
				ids = append(ids, x+y+z)
			}
		}
	}
	for _, id := range ids {
		n := FileName(id)
		if prev, ok := seen[n]; ok && prev != id {
			t.Fatalf("%q and %q both name %q", prev, id, n)
		}
		seen[n] = id
		if strings.ContainsAny(n, "/\\\x00\n") || strings.HasPrefix(n, ".") || filepath.Base(filepath.Join("dir", n)) != n {
			t.Errorf("FileName(%q) = %q is not one plain file name", id, n)
		}
	}
}

// FuzzFileName: any id gives one plain name, and the name decodes back.
func FuzzFileName(f *testing.F) {
	f.Add("a/b")
	f.Add("..")
	f.Fuzz(func(t *testing.T, id string) {
		n := FileName(id)
		if id == "" {
			return
		}
		if strings.ContainsAny(n, "/\\\x00") || strings.HasPrefix(n, ".") {
			t.Fatalf("FileName(%q) = %q", id, n)
		}
		var back strings.Builder
		for i := 0; i < len(n); i++ {
			if n[i] == '%' {
				var c byte
				for _, h := range n[i+1 : i+3] {
					c = c*16 + byte(strings.IndexRune("0123456789ABCDEF", h))
				}
				back.WriteByte(c)
				i += 2
				continue
			}
			back.WriteByte(n[i])
		}
		if back.String() != id {
			t.Fatalf("FileName(%q) = %q decodes to %q", id, n, back.String())
		}
	})
}
