package protocol

import "testing"

func TestParseBenchmark(t *testing.T) {
	out := []byte("goos: linux\nBenchmarkInfer/227/batch=1-2  \t 5\t 162200000 ns/op\t 97.90 GFLOPS\t 120.5 heapMB\t 0.1622 s/volume\nPASS\n")
	s, err := ParseBenchmark(out)
	if err != nil || s != (Sample{"0.1622", "97.90"}) {
		t.Errorf("got %+v, %v", s, err)
	}
	if _, err := ParseBenchmark([]byte("PASS\n")); err == nil {
		t.Error("no benchmark line: no error")
	}
}

func TestParsePeer(t *testing.T) {
	out := []byte(`{"peer": "pytorch-1.13", "mode": "infer", "size": 227, "s_per_volume": 0.1494, "gflops": 106.3}` + "\n" +
		`{"mode": "train", "s_per_volume": 0.4646, "gflops": 102.6}` + "\n")
	s, err := ParsePeer(out, "train")
	if err != nil || s != (Sample{"0.4646", "102.6"}) {
		t.Errorf("got %+v, %v", s, err)
	}
	if _, err := ParsePeer(out, "other"); err == nil {
		t.Error("no line for the mode: no error")
	}
}

func TestMedian(t *testing.T) {
	id := func(s string) string { return s }
	for _, tc := range []struct {
		in   []string
		want string
	}{{[]string{"0.3", "0.1", "0.2"}, "0.2"}, {[]string{"4", "1", "3", "2"}, "2"}, {[]string{"1e-3"}, "1e-3"}} {
		if got := median(tc.in, id); got != tc.want {
			t.Errorf("median(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := medianInt([]int64{686, 198, 607}); got != 607 {
		t.Errorf("medianInt = %d", got)
	}
}
