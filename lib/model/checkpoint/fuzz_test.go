// Fuzz test of the checkpoint reader: never a panic, and what decodes
// re-encodes to a file that decodes to the same checkpoint. Also the
// checkpoint of a run interrupted in its first epoch, whose best
// validation loss is still +Inf.

package checkpoint

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"path/filepath"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for i, withTrain := range []bool{false, true, false} {
		ck := sample(f, withTrain)
		if i == 2 {
			ck = withSections(f, false, true, true)
		}
		good := encoded(f, ck)
		f.Add(good, false)
		f.Add(good[:len(good)/2], false)
		// Seeds whose checksum the fuzzer keeps right (fixCRC), so that
		// mutations of the header and tensors reach past the checksum.
		f.Add(good, true)
	}
	f.Add([]byte("STAECKPT"), false)
	f.Add([]byte("STAECKPT\x01\x00\x00\x00\x02\x00\x00\x00{}"), true)
	f.Add([]byte("STAECKPT\x01\x00\x00\x00\xff\xff\xff\xff"), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, in []byte, fixCRC bool) {
		if fixCRC && len(in) >= 4 {
			in = bytes.Clone(in)
			binary.LittleEndian.PutUint32(in[len(in)-4:], crc32.ChecksumIEEE(in[:len(in)-4]))
		}
		c, err := Decode(in)
		if err != nil {
			return
		}
		var once bytes.Buffer
		if err := c.Encode(&once); err != nil {
			t.Fatalf("decoded checkpoint does not encode: %v", err)
		}
		again, err := Decode(once.Bytes())
		if err != nil {
			t.Fatalf("re-encoded checkpoint does not decode: %v", err)
		}
		var twice bytes.Buffer
		if err := again.Encode(&twice); err != nil {
			t.Fatal(err)
		}
		// Bytes, not DeepEqual: weights may hold NaN, which never equals itself.
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Fatalf("re-encoding changed the checkpoint (%d bytes, then %d)", once.Len(), twice.Len())
		}
	})
}

func TestFirstEpochInterrupted(t *testing.T) {
	ck := sample(t, true)
	ck.History.Epochs, ck.History.BestEpoch, ck.History.BestValLoss = nil, 0, math.Inf(1)
	path := filepath.Join(t.TempDir(), "m.stae")
	if err := Save(path, ck); err != nil {
		t.Fatalf("saving a first-epoch checkpoint: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(got.History.BestValLoss, 1) {
		t.Errorf("best validation loss %v after load, want +Inf", got.History.BestValLoss)
	}
	got.History.BestValLoss = 0.3
	ck.History.BestValLoss = 0.3
	if !bytes.Equal(encoded(t, got), encoded(t, ck)) {
		t.Errorf("loaded first-epoch checkpoint differs from the saved one")
	}
}
