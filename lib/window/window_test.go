package window

import (
	"reflect"
	"testing"
)

func TestAll(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		n    int
		want [][]int
	}{
		{"stride 1", Spec{Length: 3, Strides: []int{1}, Hop: 1}, 5, [][]int{{0, 1, 2}, {1, 2, 3}, {2, 3, 4}}},
		{"stride 2", Spec{Length: 3, Strides: []int{2}, Hop: 1}, 6, [][]int{{0, 2, 4}, {1, 3, 5}}},
		{"stride 3", Spec{Length: 2, Strides: []int{3}, Hop: 1}, 5, [][]int{{0, 3}, {1, 4}}},
		{"strides 1,2,3 in order of last frame", Spec{Length: 2, Strides: []int{1, 2, 3}, Hop: 1}, 4,
			[][]int{{0, 1}, {1, 2}, {0, 2}, {2, 3}, {1, 3}, {0, 3}}},
		{"hop 2", Spec{Length: 3, Strides: []int{1}, Hop: 2}, 7, [][]int{{0, 1, 2}, {2, 3, 4}, {4, 5, 6}}},
		{"hop 3 leaves a tail", Spec{Length: 2, Strides: []int{1}, Hop: 3}, 6, [][]int{{0, 1}, {3, 4}}},
		{"exactly one window", Spec{Length: 10, Strides: []int{1}, Hop: 1}, 10, [][]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}},
		{"shorter than a window", Spec{Length: 10, Strides: []int{1}, Hop: 1}, 9, nil},
		{"long enough for stride 1 only", Spec{Length: 3, Strides: []int{1, 2}, Hop: 1}, 4, [][]int{{0, 1, 2}, {1, 2, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.spec.All(tc.n); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCountMatchesUCSDPed2(t *testing.T) {
	// 12 test videos of Ped2: 2010 frames give 2010 - 12*9 volumes at T=10.
	lengths := []int{180, 180, 150, 180, 150, 180, 180, 180, 120, 150, 180, 180}
	spec := Spec{Length: 10, Strides: []int{1}, Hop: 1}
	total := 0
	for _, n := range lengths {
		total += len(spec.All(n))
	}
	if total != 2010-12*9 {
		t.Errorf("got %d volumes, want %d", total, 2010-12*9)
	}
}

func TestValidate(t *testing.T) {
	bad := []Spec{
		{Length: 0, Strides: []int{1}, Hop: 1},
		{Length: 10, Strides: nil, Hop: 1},
		{Length: 10, Strides: []int{0}, Hop: 1},
		{Length: 10, Strides: []int{1, 1}, Hop: 1},
		{Length: 10, Strides: []int{1}, Hop: 0},
	}
	for _, s := range bad {
		if s.Validate() == nil {
			t.Errorf("%+v: want an error", s)
		}
	}
	if err := (Spec{Length: 10, Strides: []int{1, 2, 3}, Hop: 1}).Validate(); err != nil {
		t.Errorf("paper's spec: %v", err)
	}
}
