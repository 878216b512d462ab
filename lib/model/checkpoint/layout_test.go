// The checkpoint's bytes are those of files written before it moved onto
// lib/container: users' model.stae files must keep reading.

package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"math"
	"testing"
)

// legacy is how checkpoints were encoded before lib/container.
func legacy(t *testing.T, c *Checkpoint) []byte {
	dir, data := c.tensors()
	hj, err := json.Marshal(header{Config: c.Model.Config, Frame: c.Frame, History: c.History, Train: c.Train, Tensors: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte(nil), "STAECKPT"...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(hj)))
	b = append(b, hj...)
	for _, d := range data {
		for _, v := range d {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestLayoutUnchanged(t *testing.T) {
	for _, withTrain := range []bool{false, true} {
		c := sample(t, withTrain)
		old := legacy(t, c)
		got := encoded(t, c)
		if !bytes.Equal(got, old) {
			t.Fatalf("train %v: encoding changed (%d bytes, legacy %d)", withTrain, len(got), len(old))
		}
		back, err := Decode(old)
		if err != nil {
			t.Fatalf("train %v: a file in the old layout does not read: %v", withTrain, err)
		}
		if (back.Train != nil) != withTrain || len(back.Model.Params) != len(c.Model.Params) {
			t.Errorf("train %v: read back %+v", withTrain, back)
		}
	}
}
