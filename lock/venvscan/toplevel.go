package venvscan

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/clusterpack/clusterpack/pypa/record"
)

// topLevelNames returns the importable top-level names of the
// distribution whose metadata directory is info: the lines of
// top_level.txt, else the names derived from RECORD (see
// recordTopLevel), else nil.
func topLevelNames(info string, kind infoKind) ([]string, error) {
	data, ok, err := readOptional(filepath.Join(info, "top_level.txt"))
	if err != nil {
		return nil, err
	}
	if ok {
		var names []string
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				names = append(names, line)
			}
		}
		return sortedUnique(names), nil
	}
	if kind != distInfo {
		return nil, nil
	}
	recordPath := filepath.Join(info, "RECORD")
	data, ok, err = readOptional(recordPath)
	if err != nil || !ok {
		return nil, err
	}
	entries, err := record.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", recordPath, err)
	}
	return recordTopLevel(entries), nil
}

// recordTopLevel derives the importable top-level names from RECORD
// paths: the first directory of a nested path (a package), or the stem
// of a top-level module (x.py, x.cpython-311-x86_64-linux-gnu.so,
// x.pyd). Absolute paths and paths leaving site-packages (scripts,
// headers), metadata and .data directories, __pycache__ and the files
// of setuptools' editable finders (__editable__*) are skipped, and so is
// any name that is not a Python identifier.
func recordTopLevel(entries []record.Entry) []string {
	var names []string
	for _, e := range entries {
		p := strings.ReplaceAll(e.Path, `\`, "/")
		if strings.HasPrefix(p, "/") || (len(p) > 1 && p[1] == ':') {
			continue
		}
		first, rest, nested := strings.Cut(p, "/")
		var name string
		switch {
		case nested && rest != "":
			lower := strings.ToLower(first)
			if strings.HasSuffix(lower, ".dist-info") || strings.HasSuffix(lower, ".egg-info") || strings.HasSuffix(lower, ".data") {
				continue
			}
			name = first
		case strings.HasSuffix(first, ".py"):
			name = strings.TrimSuffix(first, ".py")
		case strings.HasSuffix(first, ".so") || strings.HasSuffix(first, ".pyd"):
			name, _, _ = strings.Cut(first, ".")
		default:
			continue
		}
		if name == "__pycache__" || strings.HasPrefix(name, "__editable__") || !isIdentifier(name) {
			continue
		}
		names = append(names, name)
	}
	return sortedUnique(names)
}

// isIdentifier reports whether s is a Python identifier (approximately:
// letters, digits and '_', not starting with a digit).
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || unicode.IsLetter(r) || (i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r))) {
			continue
		}
		return false
	}
	return true
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}
