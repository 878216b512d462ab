package video

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hugePNG is a 1x1 PNG whose header claims w x h pixels.
func hugePNG(t *testing.T, w, h uint32) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	// signature (8), IHDR length (4), "IHDR" (4), width, height ...
	binary.BigEndian.PutUint32(p[16:], w)
	binary.BigEndian.PutUint32(p[20:], h)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	return p
}

func TestCheckPixels(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.png")
	os.WriteFile(big, hugePNG(t, 30000, 30000), 0o644)
	if err := checkPixels(big); err == nil || !strings.Contains(err.Error(), "30000x30000") {
		t.Errorf("30000x30000 PNG: %v", err)
	}
	small := filepath.Join(dir, "small.png")
	os.WriteFile(small, hugePNG(t, 1, 1), 0o644)
	if err := checkPixels(small); err != nil {
		t.Errorf("1x1 PNG: %v", err)
	}
}
