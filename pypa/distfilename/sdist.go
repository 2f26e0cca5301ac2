package distfilename

import (
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// Sdist is what a source distribution's file name says about it.
type Sdist struct {
	Name    string         // the project name, PEP 503-normalised
	Version pep440.Version // the version
	Format  string         // ".tar.gz" or ".zip"
}

// sdistStem removes a supported sdist extension from filename.
func sdistStem(filename string) (stem, format string, ok bool) {
	for _, ext := range []string{".tar.gz", ".zip"} {
		if stem, ok := strings.CutSuffix(filename, ext); ok {
			return stem, ext, true
		}
	}
	return "", "", false
}

// ParseSdist parses a source distribution file name, "name-version.tar.gz"
// or "name-version.zip", as packaging.utils.parse_sdist_filename does: the
// version is what follows the last "-" and must be a PEP 440 version, the
// name is what precedes it, normalised but not otherwise checked. Legacy
// names whose version holds a "-" ("name-1.0-2.tar.gz") need ParseSdistFor.
func ParseSdist(filename string) (Sdist, error) {
	stem, format, ok := sdistStem(filename)
	if !ok {
		return Sdist{}, fmt.Errorf("sdist file name %q: does not end in .tar.gz or .zip", filename)
	}
	i := strings.LastIndex(stem, "-")
	if i < 0 {
		return Sdist{}, fmt.Errorf("sdist file name %q: no \"-\" between name and version", filename)
	}
	if i == 0 {
		return Sdist{}, fmt.Errorf("sdist file name %q: empty project name", filename)
	}
	version, err := pep440.Parse(stem[i+1:])
	if err != nil {
		return Sdist{}, fmt.Errorf("sdist file name %q: %w", filename, err)
	}
	return Sdist{Name: pep503.Normalize(stem[:i]), Version: version, Format: format}, nil
}

// ParseSdistFor parses a source distribution file name found while looking
// for project, with pip's rule for legacy names: the version starts after
// the first "-" whose prefix normalises to the project's name. This accepts
// names ParseSdist splits differently, such as "foo-1.0-2.tar.gz" for
// project foo (version 1.0-2, that is 1.0.post2), and rejects files of
// other projects ("foo-bar-1.0.tar.gz" when looking for foo gives the
// version "bar-1.0", which is not a version).
func ParseSdistFor(filename, project string) (Sdist, error) {
	stem, format, ok := sdistStem(filename)
	if !ok {
		return Sdist{}, fmt.Errorf("sdist file name %q: does not end in .tar.gz or .zip", filename)
	}
	want := pep503.Normalize(project)
	for i, r := range stem {
		if r != '-' || pep503.Normalize(stem[:i]) != want {
			continue
		}
		if i+1 == len(stem) {
			return Sdist{}, fmt.Errorf("sdist file name %q: no version after the project name %q", filename, project)
		}
		version, err := pep440.Parse(stem[i+1:])
		if err != nil {
			return Sdist{}, fmt.Errorf("sdist file name %q for project %q: %w", filename, project, err)
		}
		return Sdist{Name: want, Version: version, Format: format}, nil
	}
	return Sdist{}, fmt.Errorf("sdist file name %q: does not start with project %q and a \"-\"", filename, project)
}
