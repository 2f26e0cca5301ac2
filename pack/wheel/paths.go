package wheel

import (
	"fmt"
	"io/fs"
	"strings"
)

// checkMemberPath rejects member paths that could land outside the
// installation or mean different files on different systems: absolute
// paths, "." and ".." elements, empty elements, backslashes, drive
// letters and control characters.
func checkMemberPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty member path", ErrInvalidWheel)
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("%w: absolute member path", ErrInvalidWheel)
	case strings.Contains(p, `\`):
		return fmt.Errorf("%w: backslash in member path", ErrInvalidWheel)
	case len(p) >= 2 && p[1] == ':':
		return fmt.Errorf("%w: drive letter in member path", ErrInvalidWheel)
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("%w: control character in member path", ErrInvalidWheel)
	case !fs.ValidPath(p) || p == ".":
		return fmt.Errorf("%w: member path is not clean (\".\", \"..\" or empty elements)", ErrInvalidWheel)
	}
	return nil
}

// joinPath joins a scheme directory and a clean relative path.
func joinPath(dir, p string) string {
	if dir == "." {
		return p
	}
	return dir + "/" + p
}

// relPath is target relative to base, both clean slash paths relative to
// the same root ("." for the root itself), e.g. "../../../bin/x" for
// "bin/x" from "lib/python3.11/site-packages".
func relPath(base, target string) string {
	var b, t []string
	if base != "." {
		b = strings.Split(base, "/")
	}
	if target != "." {
		t = strings.Split(target, "/")
	}
	common := 0
	for common < len(b) && common < len(t) && b[common] == t[common] {
		common++
	}
	parts := make([]string, 0, len(b)-common+len(t)-common)
	for range b[common:] {
		parts = append(parts, "..")
	}
	parts = append(parts, t[common:]...)
	if len(parts) == 0 {
		return "."
	}
	return strings.Join(parts, "/")
}
