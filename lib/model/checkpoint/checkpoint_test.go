// Tests for the checkpoint format: exact round trips, and refusal of
// foreign, future, truncated and damaged files.

package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"stae/lib/model"
)

func sample(t testing.TB, withTrain bool) *Checkpoint {
	t.Helper()
	c := model.Config{Height: 35, Width: 43, Length: 3, Conv1: 2, Conv2: 2, LSTM: []int{2, 1, 2}, Deconv1: 2, Peephole: true}
	best, err := model.New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	ck := &Checkpoint{
		Model: best,
		Frame: Frame{Width: 43, Height: 35, Normalised: true, StatsDigest: "abc123"},
		History: History{Seed: 9, DataDigest: "d00d", Volumes: 20, ValVolumes: 3,
			Epochs: []Epoch{{1, 0.5, 0.6}, {2, 0.25, 0.3}}, BestEpoch: 2, BestValLoss: 0.3},
	}
	if withTrain {
		cur, _ := model.New(c, 2)
		adam := model.NewAdam(cur, 1e-4)
		adam.Step = 7
		for i := range adam.M {
			for j := range adam.M[i] {
				adam.M[i][j], adam.V[i][j] = float32(i+j), float32(i*j)
			}
		}
		ck.Train = &Train{Options: Options{Epochs: 50, Batch: 64, MicroBatch: 4, LR: 1e-4, Patience: 10, ValShare: 0.15},
			Epoch: 3, Step: 1, LossSum: 0.2, BadEpochs: 0, Adam: *adam, Current: cur}
	}
	return ck
}

// encoded is ck as Encode writes it.
func encoded(t testing.TB, ck *Checkpoint) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ck.Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// saveAndLoad saves ck into a fresh folder, checks that nothing but the
// checkpoint is left there, and loads it again; it returns what it loaded
// and the file's bytes.
func saveAndLoad(t *testing.T, ck *Checkpoint) (*Checkpoint, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.stae")
	if err := Save(path, ck); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("%d files in the folder after saving, want 1", len(ents))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return got, b
}

func TestRoundTrip(t *testing.T) {
	for _, withTrain := range []bool{false, true} {
		name := "weights only"
		if withTrain {
			name = "with training state"
		}
		t.Run(name, func(t *testing.T) {
			ck := sample(t, withTrain)
			got, _ := saveAndLoad(t, ck)
			if got.Digest != ck.Digest || len(got.Digest) != 16 {
				t.Errorf("digest %q after load, %q after save", got.Digest, ck.Digest)
			}
			got.Digest, ck.Digest = "", ""
			if !reflect.DeepEqual(got, ck) {
				t.Errorf("loaded checkpoint differs from the saved one")
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	b := encoded(t, sample(t, true))
	future := append([]byte{}, b...)
	binary.LittleEndian.PutUint32(future[8:], 3)
	flipped := append([]byte{}, b...)
	flipped[len(b)-100] ^= 1
	hugeHeader := append([]byte{}, b...)
	binary.LittleEndian.PutUint32(hugeHeader[12:], 1<<31)
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrNotCheckpoint, "not a stae checkpoint"},
		{"a msgpack stream", []byte("\x84\xa5magic\xa4stae"), ErrNotCheckpoint, "not a stae checkpoint"},
		{"future version", future, ErrVersion, "unsupported checkpoint format version 3 (this build reads 1 and 2)"},
		{"cut in the fixed header", b[:12], ErrCorrupt, "truncated or damaged checkpoint: 12 bytes, shorter than the fixed header"},
		{"header length beyond the file", hugeHeader, ErrCorrupt, ""},
		{"cut in the tensors", b[:len(b)-1000], ErrCorrupt, ""},
		{"one bit flipped", flipped, ErrCorrupt, ""},
		{"trailing bytes", append(append([]byte{}, b...), 0), ErrCorrupt, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.msg != "" && err.Error() != c.msg {
				t.Errorf("message %q, want %q", err, c.msg)
			}
		})
	}
}
