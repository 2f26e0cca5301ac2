// Package cachedir locates clusterpack's on-disk cache: CLUSTERPACK_CACHE_DIR
// when set, else the platform's user cache directory (XDG_CACHE_HOME or
// ~/.cache on Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows)
// with a "clusterpack" folder in it.
package cachedir

import (
	"errors"
	"path/filepath"
)

// EnvVar overrides the cache location.
const EnvVar = "CLUSTERPACK_CACHE_DIR"

// Root returns the cache root for an environment given as a lookup
// function (os.Getenv in the command, a map in tests) and a GOOS.
func Root(getenv func(string) string, goos string) (string, error) {
	if dir := getenv(EnvVar); dir != "" {
		return filepath.Abs(dir)
	}
	var base string
	switch goos {
	case "windows":
		base = getenv("LocalAppData")
		if base == "" {
			return "", errors.New("cannot find a cache directory: %LocalAppData% is not set; set " + EnvVar)
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if home == "" {
			return "", errors.New("cannot find a cache directory: $HOME is not set; set " + EnvVar)
		}
		base = filepath.Join(home, "Library", "Caches")
	default:
		base = getenv("XDG_CACHE_HOME")
		if base == "" || !filepath.IsAbs(base) {
			home := getenv("HOME")
			if home == "" {
				return "", errors.New("cannot find a cache directory: neither $XDG_CACHE_HOME nor $HOME is set; set " + EnvVar)
			}
			base = filepath.Join(home, ".cache")
		}
	}
	return filepath.Join(base, "clusterpack"), nil
}
