// main.go: the thin main; the manual is doc.go, made from --help.

package main

import "stae/lib/tool"

func main() { tool.Main(run) }
