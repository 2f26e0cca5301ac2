package store

import (
	"fmt"
	"path"
	"strings"
)

// Names a Put can never make, so that backends may use them for their own
// files beside the objects.
const (
	// SidecarSuffix ends the name of the file that holds an object's
	// sha256 where the backend keeps it beside the object (the local
	// backend always, HDFS without extended attributes).
	SidecarSuffix = ".sha256"
	// TempPrefix starts the name of a Put's temporary file.
	TempPrefix = ".clusterpack-tmp-"
)

// ValidName reports whether name is a valid object name, and why not.
func ValidName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case strings.HasPrefix(name, "/"), strings.HasSuffix(name, "/"):
		return fmt.Errorf("%w %q: must not start or end with /", ErrInvalidName, name)
	case strings.Contains(name, "\\"):
		return fmt.Errorf("%w %q: use / as separator", ErrInvalidName, name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("%w %q: NUL byte", ErrInvalidName, name)
	case path.Clean(name) != name:
		return fmt.Errorf("%w %q: not clean (empty, . or .. segments)", ErrInvalidName, name)
	case name == ".." || strings.HasPrefix(name, "../"):
		return fmt.Errorf("%w %q: outside the store", ErrInvalidName, name)
	case strings.HasSuffix(name, SidecarSuffix):
		return fmt.Errorf("%w %q: the suffix %s is reserved", ErrInvalidName, name, SidecarSuffix)
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, TempPrefix) {
			return fmt.Errorf("%w %q: the prefix %s is reserved", ErrInvalidName, name, TempPrefix)
		}
	}
	return nil
}

// ValidSHA256 reports whether s is empty or a lowercase hex sha256.
func ValidSHA256(s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 64 {
		return fmt.Errorf("sha256 %q: want 64 lowercase hex digits", s)
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("sha256 %q: want 64 lowercase hex digits", s)
		}
	}
	return nil
}
