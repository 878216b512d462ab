// Fuzz test of mask decoding: never panic, and what decodes is within the
// bounds with one value a pixel.

package pixel

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
)

func FuzzReadMask(f *testing.F) {
	m := grid("#..", ".#.")
	var b, p bytes.Buffer
	bmp.Encode(&b, m.Image())
	png.Encode(&p, m.Image())
	f.Add(b.Bytes())
	f.Add(p.Bytes())
	f.Add([]byte("BM"))
	path := filepath.Join(f.TempDir(), "001.bmp")
	f.Fuzz(func(t *testing.T, in []byte) {
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadMask(path)
		if err != nil {
			return
		}
		if m.W < 1 || m.H < 1 || m.W > MaxSide || m.H > MaxSide || len(m.Pix) != m.W*m.H {
			t.Fatalf("decoded %dx%d with %d pixels", m.W, m.H, len(m.Pix))
		}
	})
}
