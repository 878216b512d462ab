// doc_test.go: the package documentation is the tool's --help.

package main

import (
	"flag"
	"testing"

	"stae/lib/tool/tooltest"
)

var updateDoc = flag.Bool("update", false, "rewrite doc.go from --help")

func TestDocIsHelp(t *testing.T) { tooltest.CheckDoc(t, run, "recon", *updateDoc) }
