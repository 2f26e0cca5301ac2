package tags

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// CPythonTags returns the tags of a CPython of the given version with the
// given ABIs on the given platforms, in packaging.tags.cpython_tags order:
//
//	cpXY-<abi>-<platform>   for each ABI (other than abi3, abi3t and none)
//	cpXY-abi3-<platform>    (abi3t instead for a free-threaded ABI such as cp313t)
//	cpXY-none-<platform>
//	cpXW-abi3-<platform>    for every older minor version W down to 2
//
// Platforms are taken in the order given; an empty list gives no tags (where
// packaging would fall back to the running system's platforms).
func CPythonTags(pythonVersion [2]int, abis []string, platforms []string) []Tag {
	interpreter := "cp" + versionNodot(pythonVersion)
	threading := isThreadedCPython(abis)
	explicit := []string{"abi3", "none"}
	if threading {
		explicit = []string{"abi3", "abi3t", "none"}
	}
	abis = removeFirst(abis, explicit)
	useABI3 := !versionLess(pythonVersion, [2]int{3, 2}) && !threading
	useABI3t := !versionLess(pythonVersion, [2]int{3, 2}) && threading

	var out []Tag
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, NewTag(interpreter, abi, p))
		}
	}
	stable := ""
	switch {
	case useABI3:
		stable = "abi3"
	case useABI3t:
		stable = "abi3t"
	}
	if stable != "" {
		for _, p := range platforms {
			out = append(out, NewTag(interpreter, stable, p))
		}
	}
	for _, p := range platforms {
		out = append(out, NewTag(interpreter, "none", p))
	}
	if stable != "" {
		for minor := pythonVersion[1] - 1; minor > 1; minor-- {
			older := "cp" + versionNodot([2]int{pythonVersion[0], minor})
			for _, p := range platforms {
				out = append(out, NewTag(older, stable, p))
			}
		}
	}
	return out
}

// isThreadedCPython reports whether the first ABI is a free-threaded CPython
// ABI: "cp" and digits followed by flags that contain "t" (as packaging's
// regular expression cp\d+(.*) sees it, the flags end at a newline).
func isThreadedCPython(abis []string) bool {
	if len(abis) == 0 {
		return false
	}
	rest, ok := strings.CutPrefix(abis[0], "cp")
	if !ok {
		return false
	}
	flags := strings.TrimLeftFunc(rest, unicode.IsDigit)
	if len(flags) == len(rest) {
		return false // no digits after "cp"
	}
	flags, _, _ = strings.Cut(flags, "\n")
	return strings.Contains(flags, "t")
}

// removeFirst returns a copy of list without the first occurrence of each
// of drop, as repeated list.remove calls in Python would leave it.
func removeFirst(list, drop []string) []string {
	out := append([]string(nil), list...)
	for _, d := range drop {
		for i, s := range out {
			if s == d {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
	}
	return out
}

// GenericTags returns interpreter-<abi>-<platform> for every ABI and
// platform, in packaging.tags.generic_tags order, with the "none" ABI added
// last when abis lacks it. It serves interpreters other than CPython, such
// as PyPy ("pp310", ABI "pypy310_pp73").
func GenericTags(interpreter string, abis []string, platforms []string) []Tag {
	abis = append([]string(nil), abis...)
	if !slices.Contains(abis, "none") {
		abis = append(abis, "none")
	}
	var out []Tag
	for _, abi := range abis {
		for _, p := range platforms {
			out = append(out, NewTag(interpreter, abi, p))
		}
	}
	return out
}

// CompatibleTags returns the tags of code that needs no particular ABI, in
// packaging.tags.compatible_tags order:
//
//	pyXY-none-<platform>, pyX-none-<platform>, pyXW-none-<platform> (W < Y)
//	<interpreter>-none-any   (when interpreter is not empty, e.g. "cp312")
//	pyXY-none-any, pyX-none-any, pyXW-none-any (W < Y)
func CompatibleTags(pythonVersion [2]int, interpreter string, platforms []string) []Tag {
	pys := pyInterpreterRange(pythonVersion)
	var out []Tag
	for _, py := range pys {
		for _, p := range platforms {
			out = append(out, NewTag(py, "none", p))
		}
	}
	if interpreter != "" {
		out = append(out, NewTag(interpreter, "none", "any"))
	}
	for _, py := range pys {
		out = append(out, NewTag(py, "none", "any"))
	}
	return out
}

// pyInterpreterRange returns pyXY, pyX, then pyXW for W from Y-1 down to 0.
func pyInterpreterRange(v [2]int) []string {
	out := []string{"py" + versionNodot(v), "py" + strconv.Itoa(v[0])}
	for minor := v[1] - 1; minor >= 0; minor-- {
		out = append(out, "py"+versionNodot([2]int{v[0], minor}))
	}
	return out
}

// ForTarget returns the tags a CPython of the given version accepts on the
// given platforms when nothing more is known about it (no debug or
// free-threaded build): CPythonTags with the ABI cpXY followed by
// CompatibleTags for interpreter cpXY. This is what pip computes for
// --python-version X.Y --implementation cp --platform ...
func ForTarget(pythonVersion [2]int, platforms []string) []Tag {
	cp := "cp" + versionNodot(pythonVersion)
	out := CPythonTags(pythonVersion, []string{cp}, platforms)
	return append(out, CompatibleTags(pythonVersion, cp, platforms)...)
}
