// The statistics file's bytes are those of files written before it moved
// onto lib/container: users' stats.bin files must keep reading.

package norm

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"testing"
)

// legacy is how statistics files were encoded before lib/container.
func legacy(s *Stats) []byte {
	b := append([]byte(nil), "staenorm"...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Width))
	b = binary.LittleEndian.AppendUint32(b, uint32(s.Height))
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Frames))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.Std[0]))
	for _, m := range s.Mean {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(m))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestLayoutUnchanged(t *testing.T) {
	s := &Stats{Width: 3, Height: 2, Frames: 7, Mean: []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, Std: []float64{0.25}}
	old := legacy(s)
	got, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, old) {
		t.Fatalf("encoding changed:\n got % x\nwant % x", got, old)
	}
	var back Stats
	if err := back.UnmarshalBinary(old); err != nil {
		t.Fatalf("a file in the old layout does not read: %v", err)
	}
	if back.Width != 3 || back.Height != 2 || back.Frames != 7 || back.Std[0] != 0.25 || back.Mean[5] != 0.6 {
		t.Errorf("read back %+v", back)
	}
}
