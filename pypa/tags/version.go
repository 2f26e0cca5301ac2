package tags

import "strconv"

// versionNodot joins a Python version's numbers without a separator, as
// packaging does: (3, 12) → "312".
func versionNodot(v [2]int) string {
	return strconv.Itoa(v[0]) + strconv.Itoa(v[1])
}

// versionLess reports whether a is before b, comparing as Python tuples.
func versionLess(a, b [2]int) bool {
	if a[0] != b[0] {
		return a[0] < b[0]
	}
	return a[1] < b[1]
}
