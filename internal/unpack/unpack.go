// Package unpack extracts archives onto disk safely: clusterpack's own
// (zipped virtualenvs, pexes, tar.gz virtualenvs) and the source
// distributions it builds (tar.gz, tar or zip). Nothing is written
// outside the destination: absolute names, drive letters, backslashes,
// NUL and ".." components are refused, links are never created (an sdist
// may have its links to files of the archive written as copies), devices
// and FIFOs are refused, and limits can bound the size written. Once makes
// a whole directory appear under its final name only when every file is
// written.
package unpack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// completeMarker is the file Once writes last into a finished directory.
const completeMarker = ".complete"

// Join joins an archive member's name to root, refusing what CleanName
// refuses: nothing may be written outside root. "." and "./" (tar's name
// for the top directory) are root itself.
func Join(root, name string) (string, error) {
	clean, err := CleanName(name)
	if err != nil {
		return "", &MemberError{Name: name, Err: err}
	}
	return filepath.Join(root, filepath.FromSlash(clean)), nil
}

// CleanName checks an archive member's name and returns it cleaned and
// slash-separated, without a leading "./"; "" stands for the archive's
// root ("." or "./"). It refuses the empty name, NUL, backslashes,
// absolute names, drive letters and ".." components.
func CleanName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("empty name")
	case strings.ContainsRune(name, 0):
		return "", errors.New("name contains NUL")
	case strings.Contains(name, `\`):
		return "", errors.New("name contains a backslash")
	case strings.HasPrefix(name, "/"):
		return "", errors.New("absolute path")
	case len(name) >= 2 && name[1] == ':':
		return "", errors.New("path with a drive letter")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", errors.New("path leaves the archive ('..')")
		}
	}
	if clean := path.Clean(name); clean != "." {
		return clean, nil
	}
	return "", nil
}

// MemberError is a member of an archive that cannot be extracted, or
// read, and why.
type MemberError struct {
	Name string // the member's name as the archive has it
	Err  error
}

func (e *MemberError) Error() string { return fmt.Sprintf("member %q: %v", e.Name, e.Err) }

func (e *MemberError) Unwrap() error { return e.Err }

// Complete reports whether Once has finished dir.
func Complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, completeMarker))
	return err == nil
}

// Once makes dir with fill unless an earlier call finished it. fill writes
// into a fresh temporary sibling of dir, which is marked complete and
// renamed into place, so a reader never sees a half-written directory,
// concurrent callers agree on one result, and an interrupted call leaves
// only a temporary directory that the next call ignores.
func Once(dir string, fill func(tmp string) error) error {
	if Complete(dir) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return err
	}
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return err
	}
	tmp := dir + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(rnd[:])
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), nil, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		if Complete(dir) {
			return nil // another process was first
		}
		// An interrupted attempt that predates the marker protocol, or
		// one killed between mkdir and rename on a filesystem that
		// leaves the name behind: replace it.
		if rerr := os.RemoveAll(dir); rerr != nil {
			return err
		}
		if err := os.Rename(tmp, dir); err != nil {
			if Complete(dir) {
				return nil
			}
			return err
		}
	}
	return nil
}
