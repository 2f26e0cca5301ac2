// Package devcache is where the tests keep what they download or build
// once: reference implementations, test servers, cluster software. It is
// outside the repository, so a clean clone reuses it:
// $CLUSTERPACK_DEV_CACHE, else $XDG_CACHE_HOME/clusterpack-dev, else
// ~/.cache/clusterpack-dev (the directory scripts/devenv.sh uses).
package devcache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Dir is the cache directory (not created).
func Dir() (string, error) {
	if d := os.Getenv("CLUSTERPACK_DEV_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "clusterpack-dev"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return "", errors.New("no cache directory for the tests' downloads: set CLUSTERPACK_DEV_CACHE")
	}
	return filepath.Join(home, ".cache", "clusterpack-dev"), nil
}

// Path is name inside the cache directory.
func Path(name ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{d}, name...)...), nil
}

// Lock takes an exclusive lock on path+".lock", waiting for another
// process (a test binary, scripts/devenv.sh) that holds it, and returns
// the function that releases it. Installs into the cache run under it,
// so two processes never fill one entry at once.
func Lock(path string) (unlock func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the cache directory: %w", err)
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the cache lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Complete reports whether dir holds a finished entry (its .complete
// marker), and MarkComplete writes the marker with an optional content.
func Complete(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".complete"))
	return err == nil
}

// MarkComplete marks dir finished; an entry without the marker is redone.
func MarkComplete(dir string, content []byte) error {
	if err := os.WriteFile(filepath.Join(dir, ".complete"), content, 0o644); err != nil {
		return fmt.Errorf("marking %s complete: %w", dir, err)
	}
	return nil
}
