// Tests of split, the helper pool behind parallel and perImage: every
// part runs exactly once, whether the pool is free, busy with another
// caller, or asked again from inside a part.

package ops

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSplitRunsEachPartOnce(t *testing.T) {
	tests := []struct {
		name             string
		parts, callers   int
		nested, sleeping bool
	}{
		{name: "one part", parts: 1, callers: 1},
		{name: "two parts", parts: 2, callers: 1},
		{name: "more parts than helpers so far", parts: 5, callers: 1},
		{name: "concurrent callers", parts: 3, callers: 8},
		{name: "nested split", parts: 2, callers: 1, nested: true},
		{name: "helpers asleep", parts: 2, callers: 1, sleeping: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.sleeping {
				time.Sleep(3 * spinFor) // let the helpers stop spinning
			}
			counts := make([][]atomic.Int32, tc.callers)
			var wg sync.WaitGroup
			for c := range counts {
				counts[c] = make([]atomic.Int32, tc.parts*tc.parts)
				wg.Add(1)
				go func() {
					defer wg.Done()
					for rep := 0; rep < 50; rep++ {
						split(tc.parts, func(i int) {
							if !tc.nested {
								counts[c][i].Add(1)
								return
							}
							split(tc.parts, func(j int) { counts[c][i*tc.parts+j].Add(1) })
						})
					}
				}()
			}
			wg.Wait()
			for c := range counts {
				n := tc.parts
				if tc.nested {
					n = tc.parts * tc.parts
				}
				got := make([]int32, n)
				want := make([]int32, n)
				for i := range got {
					got[i], want[i] = counts[c][i].Load(), 50
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("caller %d: parts ran %v times, want %v", c, got, want)
				}
			}
		})
	}
}
