// live_test.go: testscript commands for the live-source scripts
// (testdata/script/frames_live*.txtar): a free loopback port for a stream,
// and a pause while a background tool starts listening.

package e2e

import (
	"net"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdSleep: sleep DURATION — pauses the script (a Go duration, e.g. 1s).
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	time.Sleep(d)
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
