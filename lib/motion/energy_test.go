package motion

import "testing"

func TestEnergy(t *testing.T) {
	// Two-pixel planes: gray, diff, then flow's dx and dy.
	chs := []Channel{Gray, Diff, Flow}
	planes := []float32{
		0.5, 0.25, // gray
		0.5, -0.25, // diff: 0.25 + 0.0625
		3, 0, // dx
		-4, 1, // dy: (9 + 16) + (0 + 1)
	}
	for _, tt := range []struct {
		ch   Channel
		want float64
	}{{Diff, 0.3125}, {Flow, 26}, {Gray, 0.3125}} {
		if got := Energy(ChannelData(planes, chs, tt.ch)); got != tt.want {
			t.Errorf("%s energy = %v, want %v", tt.ch, got, tt.want)
		}
	}
	if d := ChannelData(planes, []Channel{Gray, Diff}, Flow); d != nil {
		t.Errorf("missing channel gave %v, want nil", d)
	}
	if d := ChannelData(planes[:7], chs, Diff); d != nil {
		t.Errorf("ragged planes gave %v, want nil", d)
	}
}
