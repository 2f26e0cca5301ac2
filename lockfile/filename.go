package lockfile

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep440"
	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// artifactFilename is name, else the last component of path (either
// separator), else the last percent-decoded path component of rawURL.
func artifactFilename(name, path, rawURL string) string {
	if name != "" {
		return name
	}
	if path != "" {
		if i := strings.LastIndexAny(path, `/\`); i >= 0 {
			return path[i+1:]
		}
		return path
	}
	if rawURL == "" {
		return ""
	}
	p := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		p = u.EscapedPath()
	} else {
		p, _, _ = strings.Cut(p, "?")
		p, _, _ = strings.Cut(p, "#")
	}
	last := p[strings.LastIndexByte(p, '/')+1:]
	if dec, err := url.PathUnescape(last); err == nil {
		return dec
	}
	return last
}

// distFile is the project name and version a distribution file name
// carries.
type distFile struct {
	name    string // normalized
	version pep440.Version
}

// parseWheelFilename parses "{name}-{version}(-{build})?-{py}-{abi}-{platform}.whl"
// (the binary distribution format).
func parseWheelFilename(filename string) (distFile, error) {
	stem, ok := strings.CutSuffix(filename, ".whl")
	if !ok {
		return distFile{}, fmt.Errorf("%q does not end in .whl", filename)
	}
	parts := strings.Split(stem, "-")
	if len(parts) != 5 && len(parts) != 6 {
		return distFile{}, fmt.Errorf("%q has %d dash-separated parts, want 5 or 6", filename, len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return distFile{}, fmt.Errorf("%q has an empty part", filename)
		}
	}
	if !validWheelName(parts[0]) {
		return distFile{}, fmt.Errorf("%q has an invalid project name %q", filename, parts[0])
	}
	v, err := pep440.Parse(parts[1])
	if err != nil {
		return distFile{}, fmt.Errorf("%q: %w", filename, err)
	}
	if len(parts) == 6 && (parts[2][0] < '0' || parts[2][0] > '9') {
		return distFile{}, fmt.Errorf("%q: build tag %q does not start with a digit", filename, parts[2])
	}
	return distFile{name: pep503.Normalize(parts[0]), version: v}, nil
}

// validWheelName reports whether s is a name as it appears in a wheel
// file name: letters, digits, "_" and ".", no "-".
func validWheelName(s string) bool {
	for _, c := range s {
		if !(c == '_' || c == '.' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != "" && !strings.Contains(s, "__")
}

// parseSdistFilename parses "{name}-{version}.tar.gz" (or the legacy
// ".zip"), splitting at the last "-".
func parseSdistFilename(filename string) (distFile, error) {
	stem, ok := strings.CutSuffix(filename, ".tar.gz")
	if !ok {
		if stem, ok = strings.CutSuffix(filename, ".zip"); !ok {
			return distFile{}, fmt.Errorf("%q does not end in .tar.gz or .zip", filename)
		}
	}
	i := strings.LastIndexByte(stem, '-')
	if i < 0 {
		return distFile{}, fmt.Errorf("%q has no \"-\" between name and version", filename)
	}
	v, err := pep440.Parse(stem[i+1:])
	if err != nil {
		return distFile{}, fmt.Errorf("%q: %w", filename, err)
	}
	return distFile{name: pep503.Normalize(stem[:i]), version: v}, nil
}
