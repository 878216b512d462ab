// Package suggest finds, for a name that matched nothing (a mistyped flag,
// a video the ground truth lacks), the closest name that would have: "did
// you mean ...".
package suggest

// Closest returns the candidate nearest to name by edit distance, and false
// when none is near enough to be a likely typo: more than a third of the
// longer name's characters (at least 2) would have to change.
func Closest(name string, candidates []string) (string, bool) {
	best, bestD := "", -1
	for _, c := range candidates {
		d := Distance(name, c)
		if d < bestD || bestD < 0 {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, max(len([]rune(name)), len([]rune(best)))/3) {
		return "", false
	}
	return best, true
}

// Distance is the Levenshtein distance between a and b: the fewest
// insertions, deletions and substitutions of characters that turn a into b.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
