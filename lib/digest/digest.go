// Package digest names stae's files by their content: the hex SHA-256 of a
// file's bytes, as stream provenance records it (the statistics' and the
// calibration's digests) and as stae-protocol keys a stage's inputs and
// binaries.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Of is the hex SHA-256 of b.
func Of(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Hash is a writer whose Sum is the hex SHA-256 of what was written to it,
// for the digest of a file read through io.TeeReader or io.Copy.
type Hash struct{ h hash.Hash }

// New returns a Hash of nothing yet.
func New() *Hash { return &Hash{sha256.New()} }

// Write adds p to what the digest covers; it never fails.
func (h *Hash) Write(p []byte) (int, error) { return h.h.Write(p) }

// Sum is the hex SHA-256 of what was written so far.
func (h *Hash) Sum() string { return hex.EncodeToString(h.h.Sum(nil)) }
