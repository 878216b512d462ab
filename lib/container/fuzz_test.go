// Fuzz test of the container reader: never a panic, Identify and Open
// agree, and what opens and verifies re-encodes to the same bytes.

package container

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"
)

func FuzzOpen(f *testing.F) {
	for _, k := range kinds {
		good := sample(f, k, 1, "payload")
		f.Add(good, false)
		f.Add(good[:len(good)/2], false)
		f.Add(good, true)
	}
	f.Add([]byte("STAECKPT"), false)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, in []byte, fixCRC bool) {
		if fixCRC && len(in) >= TrailSize {
			in = bytes.Clone(in)
			binary.LittleEndian.PutUint32(in[len(in)-TrailSize:], crc32.ChecksumIEEE(in[:len(in)-TrailSize]))
		}
		idk, idErr := Identify(in)
		for _, k := range kinds {
			ours := idErr == nil && idk == k
			file, err := Open(in, k)
			if err == nil && !ours || ours && err != nil && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Identify says %v (%v), Open as %v says %v", idk, idErr, k, err)
			}
			if err != nil || file.Verify() != nil {
				continue
			}
			again := sample(t, k, file.Version, string(file.Payload))
			if !bytes.Equal(again, in) {
				t.Fatalf("re-encoding differs:\n% x\n% x", again, in)
			}
			var w bytes.Buffer
			if err := Encode(&w, k, file.Version, func(w io.Writer) error { _, err := w.Write(file.Payload); return err }); err != nil || !bytes.Equal(w.Bytes(), in) {
				t.Fatalf("Encode differs from Marshal: %v", err)
			}
		}
	})
}
