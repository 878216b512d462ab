// live_test.go: testscript commands for the live-source scripts
// (testdata/script/frames_live*.txtar): a free loopback port for a stream.

package e2e

import (
	"net"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	scriptCommands["freeport"] = cmdFreePort
}

// cmdFreePort: freeport VAR — sets VAR to a UDP and TCP port on 127.0.0.1
// that nothing uses at the moment (the kernel's pick, then released).
func cmdFreePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	for range 20 {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		ts.Check(err)
		port := u.LocalAddr().(*net.UDPAddr).Port
		t, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		u.Close()
		if err != nil {
			continue
		}
		t.Close()
		ts.Setenv(args[0], strconv.Itoa(port))
		return
	}
	ts.Fatalf("freeport: no port free for both udp and tcp")
}
