// Package english words counts in messages: "1 video", "2 videos".
package english

import "strconv"

// Count is n and the noun, singular for 1 and plural otherwise:
// Count(1, "entry", "entries") is "1 entry".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Frames is Count(n, "frame", "frames"), the count most messages give.
func Frames(n int) string { return Count(n, "frame", "frames") }

// Videos is Count(n, "video", "videos").
func Videos(n int) string { return Count(n, "video", "videos") }
