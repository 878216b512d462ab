// Matching ground truth to the videos of a stream.

package truth

import (
	"stae/lib/english"
	"stae/lib/suggest"

	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrNoTruth reports a video of the stream that the ground truth lacks.
var ErrNoTruth = errors.New("video has no ground truth")

// Match pairs each stream video id with its ground truth and returns them in
// the order of ids, with the names of truth videos the stream lacks (a
// warning or an error, as the caller decides).
//
// Named (CSV) truth is matched by id. Positional (.m) truth is matched by
// number when every id ends in a distinct number of at least 1 (Test003 is
// entry 3, so a stream holding a subset of the test videos still matches);
// otherwise the n-th id in sorted order takes the n-th entry.
func (t *Truth) Match(ids []string) (videos []Video, unused []string, err error) {
	if t.Format == FormatCSV {
		return t.matchNamed(ids)
	}
	return t.matchPositional(ids)
}

func (t *Truth) matchNamed(ids []string) ([]Video, []string, error) {
	byID := make(map[string]int, len(t.Videos))
	for i, v := range t.Videos {
		byID[v.ID] = i
	}
	out := make([]Video, len(ids))
	used := make([]bool, len(t.Videos))
	for k, id := range ids {
		i, ok := byID[id]
		if !ok {
			return nil, nil, fmt.Errorf("video %s: %w%s", id, ErrNoTruth, t.known(id))
		}
		out[k] = t.Videos[i]
		used[i] = true
	}
	var unused []string
	for i, v := range t.Videos {
		if !used[i] {
			unused = append(unused, v.ID)
		}
	}
	return out, unused, nil
}

func (t *Truth) matchPositional(ids []string) ([]Video, []string, error) {
	entry := make(map[string]int, len(ids)) // id -> 1-based entry
	seen := map[int]bool{}
	numbered := true
	for _, id := range ids {
		n, ok := trailingNumber(id)
		if !ok || seen[n] {
			numbered = false
			break
		}
		seen[n] = true
		entry[id] = n
	}
	if !numbered {
		sorted := append([]string(nil), ids...)
		sort.Strings(sorted)
		for i, id := range sorted {
			entry[id] = i + 1
		}
	}
	out := make([]Video, len(ids))
	used := make([]bool, len(t.Videos))
	for k, id := range ids {
		n := entry[id]
		if n > len(t.Videos) {
			return nil, nil, fmt.Errorf("video %s would be entry %d but the truth has %s: %w", id, n, english.Count(len(t.Videos), "entry", "entries"), ErrNoTruth)
		}
		out[k] = t.Videos[n-1]
		out[k].ID = id
		used[n-1] = true
	}
	var unused []string
	for i := range t.Videos {
		if !used[i] {
			unused = append(unused, fmt.Sprintf("entry %d", i+1))
		}
	}
	return out, unused, nil
}

// trailingNumber reads the decimal number that ends id (Test012 -> 12).
func trailingNumber(id string) (int, bool) {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(strings.TrimLeft(id[i:], "0"))
	if i == len(id) || err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// shownNames is how many of the truth's video names a "no ground truth"
// error lists.
const shownNames = 5

// known says which videos the truth has, for an id it lacks: the first few
// names, and the closest one when id looks like a typo of it.
func (t *Truth) known(id string) string {
	names := make([]string, len(t.Videos))
	for i, v := range t.Videos {
		names[i] = v.ID
	}
	if len(names) == 0 {
		return "; the truth lists no videos"
	}
	list := strings.Join(names[:min(len(names), shownNames)], ", ")
	if len(names) > shownNames {
		list += fmt.Sprintf(" ... and %d more", len(names)-shownNames)
	}
	msg := fmt.Sprintf("; the truth has %s: %s", english.Videos(len(names)), list)
	if near, ok := suggest.Closest(id, names); ok {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return msg
}
