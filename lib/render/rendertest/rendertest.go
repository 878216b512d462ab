// Package rendertest reads back the pictures render writes, for tests, so
// each test does not carry its own copy of the open-and-decode.
package rendertest

import (
	"image"
	"image/png"
	"os"
	"testing"
)

// ReadPNG decodes the PNG file at path; any error fails t.
func ReadPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}
