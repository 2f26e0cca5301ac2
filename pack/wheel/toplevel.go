package wheel

import (
	"sort"
	"strings"
)

// topLevelNames lists the importable top-level names among files in the
// scheme's purelib and platlib: directories whose name is an identifier
// (packages, namespace packages included), and modules: "name.py" and
// extension modules "name.<tag>.so", "name.so", "name.pyd".
func topLevelNames(files []InstalledFile, scheme Scheme) []string {
	seen := map[string]bool{}
	for _, f := range files {
		for _, lib := range []string{scheme.Purelib, scheme.Platlib} {
			rel := relPath(lib, f.Path)
			if hasDotDot(rel) {
				continue
			}
			if name := importableTop(rel); name != "" {
				seen[name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// importableTop is the top-level import name a file at rel (relative to a
// library directory) provides, or "".
func importableTop(rel string) string {
	top, _, nested := strings.Cut(rel, "/")
	if nested {
		if isIdentifier(top) && top != "__pycache__" {
			return top
		}
		return ""
	}
	var stem string
	switch {
	case strings.HasSuffix(top, ".py"):
		stem = strings.TrimSuffix(top, ".py")
	case strings.HasSuffix(top, ".so"), strings.HasSuffix(top, ".pyd"):
		stem, _, _ = strings.Cut(top, ".")
	default:
		return ""
	}
	if !isIdentifier(stem) {
		return ""
	}
	return stem
}

// hasDotDot reports whether a relative slash path starts by leaving its
// base directory.
func hasDotDot(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, "../")
}
