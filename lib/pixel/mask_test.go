// Tests of mask reading: both UCSD naming conventions, BMP and PNG, the
// folder errors, the header bound, and (when present) the Ped2 masks.

package pixel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

// writeMask writes m to dir/name as BMP or PNG by the name's extension.
func writeMask(t *testing.T, dir, name string, m *Mask) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".png") {
		err = png.Encode(f, m.Image())
	} else {
		err = bmp.Encode(f, m.Image())
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Fatal(err)
	}
}

// threeMasks are 3 frames of 4x3 (W x H): empty, one pixel, a column.
func threeMasks() []*Mask {
	return []*Mask{
		grid("....", "....", "...."),
		grid("....", ".#..", "...."),
		grid("...#", "...#", "...#"),
	}
}

func TestReadFolderNaming(t *testing.T) {
	for _, tc := range []struct {
		name   string
		format string // file name for 1-based n
	}{
		{"NNN.bmp", "%03d.bmp"},
		{"frameNNN.bmp", "frame%03d.bmp"},
		{"NNN.png", "%03d.png"},
		{"frameNNN.png", "frame%03d.png"},
		{"unpadded", "%d.bmp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			want := threeMasks()
			for i, m := range want {
				writeMask(t, dir, fmt.Sprintf(tc.format, i+1), m)
			}
			os.WriteFile(filepath.Join(dir, "Thumbs.db"), []byte("not a mask"), 0o644)
			got, err := ReadFolder(dir, 3)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if all, err := ReadFolder(dir, 0); err != nil || len(all) != 3 {
				t.Errorf("frames 0: got %d masks, %v; want 3", len(all), err)
			}
			if two, err := ReadFolder(dir, 2); err != nil || !reflect.DeepEqual(two, want[:2]) {
				t.Errorf("frames 2: got %v, %v; want the first two", two, err)
			}
		})
	}
}

func TestReadFolderErrors(t *testing.T) {
	big := grid("......", "......", "......")
	for _, tc := range []struct {
		name   string
		files  map[string]*Mask
		frames int
		is     error
		want   string // after "mask folder DIR: "
	}{
		{"gap", map[string]*Mask{"001.bmp": threeMasks()[0], "002.bmp": threeMasks()[1], "004.bmp": threeMasks()[2]}, 0,
			ErrMissing, "missing mask for frame 2 (file number 003; the last file is 004.bmp)"},
		{"short", map[string]*Mask{"frame001.bmp": threeMasks()[0], "frame002.bmp": threeMasks()[1]}, 3,
			ErrMissing, "missing mask for frame 2 (file number 003): the folder holds 2 masks, the video 3 frames"},
		{"no first", map[string]*Mask{"002.bmp": threeMasks()[0]}, 0,
			ErrMissing, "missing mask for frame 0 (file number 001; the last file is 002.bmp)"},
		{"size", map[string]*Mask{"001.bmp": threeMasks()[0], "002.bmp": big}, 2,
			ErrSize, "frame 1: mask size differs: 002.bmp is 6x3, 001.bmp is 4x3"},
		{"duplicate", map[string]*Mask{"001.bmp": threeMasks()[0], "frame001.png": threeMasks()[0]}, 0,
			ErrDuplicate, "two masks for one frame 0: 001.bmp and frame001.png"},
		{"empty", map[string]*Mask{}, 0,
			ErrNoMasks, "no masks (no NNN.bmp, frameNNN.bmp or .png files)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, m := range tc.files {
				writeMask(t, dir, name, m)
			}
			_, err := ReadFolder(dir, tc.frames)
			want := "mask folder " + dir + ": " + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("got  %v\nwant %s", err, want)
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("got %v, want it to wrap %v", err, tc.is)
			}
		})
	}
}

func TestReadMaskRefusesHugeHeader(t *testing.T) {
	// A 4x3 BMP whose header then claims 30000x30000: refused from the
	// header, before 900 M pixels are allocated.
	dir := t.TempDir()
	writeMask(t, dir, "001.bmp", threeMasks()[1])
	p := filepath.Join(dir, "001.bmp")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(b[18:], 30000) // BITMAPINFOHEADER width
	binary.LittleEndian.PutUint32(b[22:], 30000) // and height
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFolder(dir, 1)
	want := "mask folder " + dir + ": frame 0: 001.bmp: mask image too large: bmp 30000x30000 (at most 8192 a side, 16777216 pixels)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrTooLarge) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

func TestFindFolder(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"Test001", "Test001_gt", "Test002"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ id, want string }{
		{"Test001", "Test001_gt"}, // _gt wins over the frames folder
		{"Test002", "Test002"},
	} {
		got, err := FindFolder(dir, tc.id)
		if err != nil || got != filepath.Join(dir, tc.want) {
			t.Errorf("%s: got %q, %v; want %s", tc.id, got, err, tc.want)
		}
	}
	_, err := FindFolder(dir, "Test003")
	want := "video Test003: no masks: neither Test003_gt nor Test003 is a folder in " + dir
	if err == nil || err.Error() != want || !errors.Is(err, ErrNoMasks) {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// TestPed2Masks reads the masks UCSD ships for Ped2's 12 test videos.
func TestPed2Masks(t *testing.T) {
	dir := "/work/shared/datasets/UCSDped2/Test"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no Ped2 test set: %v", err)
	}
	// Frames with a true pixel, video by video: the spans of UCSDped2.m.
	wantAnomalous := []int{120, 86, 146, 150, 129, 159, 135, 180, 120, 150, 180, 93}
	total, anomalous := 0, 0
	for v := 1; v <= 12; v++ {
		id := fmt.Sprintf("Test%03d", v)
		folder, err := FindFolder(dir, id)
		if err != nil {
			t.Fatal(err)
		}
		masks, err := ReadFolder(folder, 0)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, m := range masks {
			if m.W != 360 || m.H != 240 {
				t.Fatalf("%s frame %d: %dx%d, want 360x240", id, i, m.W, m.H)
			}
			if m.Anomalous() {
				n++
			}
		}
		if n != wantAnomalous[v-1] {
			t.Errorf("%s: %d anomalous masks, want %d", id, n, wantAnomalous[v-1])
		}
		total += len(masks)
		anomalous += n
	}
	if total != 2010 {
		t.Errorf("got %d masks, want 2010", total)
	}
	t.Logf("%d masks, %d anomalous", total, anomalous)
}
