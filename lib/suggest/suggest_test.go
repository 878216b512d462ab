package suggest

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"kitten", "sitting", 3},
		{"Test001", "Test01", 1}, {"size", "sise", 1}, {"é", "e", 1},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"Test001", "Test002", "Train001"}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"Test01", "Test001", true},
		{"test002", "Test002", true},
		{"Train1", "Train001", true},
		{"street", "", false},
	} {
		got, ok := Closest(tt.name, names)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Closest(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := Closest("x", nil); ok {
		t.Error("Closest of no candidates found one")
	}
}
