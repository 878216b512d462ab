package digest

import (
	"io"
	"strings"
	"testing"
)

func TestDigest(t *testing.T) {
	// The SHA-256 test vector of "abc" (FIPS 180-2).
	const abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := Of([]byte("abc")); got != abc {
		t.Errorf("Of(abc) = %s, want %s", got, abc)
	}
	h := New()
	if _, err := io.Copy(h, io.MultiReader(strings.NewReader("a"), strings.NewReader("bc"))); err != nil {
		t.Fatal(err)
	}
	if got := h.Sum(); got != abc {
		t.Errorf("Hash of a, bc = %s, want %s", got, abc)
	}
	if got, want := New().Sum(), Of(nil); got != want {
		t.Errorf("Hash of nothing = %s, want Of(nil) = %s", got, want)
	}
}
