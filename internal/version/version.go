// Package version says which clusterpack a binary is: the one version
// string `clusterpack version` prints, read from the build information Go
// stamps into every binary, and its PEP 440 spelling, which the Python
// wheels of `make dist` carry. Both read the same build information, so a
// wheel's version is always the version of the binary inside it.
package version

import (
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
)

// FromBuildInfo describes a binary by its build information: the main
// module's version when Go stamped one (a tag, a pseudo-version, or
// either with +dirty), else "devel+REV" from the VCS revision, else
// "devel". A nil info (no build information) is "unknown".
func FromBuildInfo(info *debug.BuildInfo) string {
	if info == nil {
		return "unknown"
	}
	v := info.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return "devel+" + rev
}

var (
	// release is vMAJOR.MINOR.PATCH with an optional pre-release.
	release = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)(?:-(alpha|beta|rc|a|b)\.?(\d+))?$`)
	// pseudo is a Go pseudo-version: vX.Y.Z-yyyymmddhhmmss-rev,
	// vX.Y.Z-pre.0.yyyymmddhhmmss-rev or vX.Y.Z-0.yyyymmddhhmmss-rev.
	pseudo = regexp.MustCompile(`^v(\d+)\.(\d+)\.(\d+)-(?:[0-9A-Za-z.]*\.)?(?:0\.)?(\d{14})-([0-9a-f]{12})$`)
	devel  = regexp.MustCompile(`^devel\+([0-9a-f]{1,40})(-dirty)?$`)
)

// preLabels maps a Go pre-release label to PEP 440's.
var preLabels = map[string]string{"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc"}

// PEP440 spells a version FromBuildInfo gives as a PEP 440 version:
//
//	v1.2.3                         1.2.3
//	v1.2.3-rc.1                    1.2.3rc1
//	v0.0.0-20261204004643-2d35cef  0.0.0.dev20261204004643+g2d35cef… (a build between tags)
//	…+dirty                        a local label "dirty" added
//	devel+2d35cefe70ff[-dirty]     0.0.0+g2d35cefe70ff[.dirty]
//	devel                          0.0.0+devel
//
// A version of another shape is an error naming it.
func PEP440(v string) (string, error) {
	base, dirty := strings.CutSuffix(v, "+dirty")
	local := func(labels ...string) string {
		var l []string
		for _, s := range labels {
			if s != "" {
				l = append(l, s)
			}
		}
		if dirty {
			l = append(l, "dirty")
		}
		if len(l) == 0 {
			return ""
		}
		return "+" + strings.Join(l, ".")
	}
	if m := release.FindStringSubmatch(base); m != nil {
		out := m[1] + "." + m[2] + "." + m[3]
		if m[4] != "" {
			out += preLabels[m[4]] + m[5]
		}
		return out + local(), nil
	}
	if m := pseudo.FindStringSubmatch(base); m != nil {
		return fmt.Sprintf("%s.%s.%s.dev%s%s", m[1], m[2], m[3], m[4], local("g"+m[5])), nil
	}
	if m := devel.FindStringSubmatch(base); m != nil && !dirty {
		var d string
		if m[2] != "" {
			d = "dirty"
		}
		return "0.0.0" + local("g"+m[1], d), nil
	}
	if base == "devel" && !dirty {
		return "0.0.0+devel", nil
	}
	return "", fmt.Errorf("version %q has no PEP 440 spelling: tag the commit vMAJOR.MINOR.PATCH (optionally -rc.N) and build from the repository", v)
}
