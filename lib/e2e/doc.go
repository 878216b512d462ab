// Package e2e runs the end-to-end scripts in testdata/script (testscript
// txtar files) against the seven tools, built once into a temporary bin/
// that is put on PATH. It has no code of its own beyond the test harness.
package e2e
