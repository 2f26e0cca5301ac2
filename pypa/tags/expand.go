package tags

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// expandableForms lists, for error messages, the platform tags ExpandPlatform
// accepts.
const expandableForms = "manylinux_2_<minor>_<arch>, manylinux1_<arch>, manylinux2010_<arch>, manylinux2014_<arch>, " +
	"musllinux_1_<minor>_<arch>, macosx_<major>_<minor>_<arch>, linux_<arch>, win_amd64, win32 or win_arm64"

var (
	versionedPlatform = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(manylinux|musllinux|macosx)_(0|[1-9][0-9]{0,3})_(0|[1-9][0-9]{0,3})_([a-z0-9_]+)$`)
	})
	legacyPlatform = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(manylinux1|manylinux2010|manylinux2014)_([a-z0-9_]+)$`)
	})
	linuxPlatform = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^linux_([a-z0-9][a-z0-9_]*)$`) })
)

// legacyGlibc maps the pre-PEP 600 manylinux names to their glibc version.
var legacyGlibc = map[string][2]int{
	"manylinux1":    {2, 5},
	"manylinux2010": {2, 12},
	"manylinux2014": {2, 17},
}

// macArchs are the machine architectures MacPlatforms knows.
var macArchs = []string{"arm64", "x86_64", "i386", "ppc64", "ppc"}

// ExpandPlatform turns the platform tag a user names for a cluster's
// machines into the ordered list of platform tags such a machine accepts:
//
//	manylinux_2_28_x86_64 → LinuxPlatforms("x86_64", glibc 2.28, no musl)
//	manylinux2014_aarch64 → the same as manylinux_2_17_aarch64
//	musllinux_1_2_aarch64 → LinuxPlatforms("aarch64", no glibc, musl 1.2)
//	macosx_11_0_arm64     → MacPlatforms(11.0, "arm64")
//	linux_x86_64, win_amd64, win32, win_arm64 → the tag alone
//
// This is what a machine of that kind accepts, linux_<arch> first as its
// own interpreter ranks it; DeclaredPlatforms is what a target declared
// by such tags chooses wheels from. The tag is matched case-insensitively. Anything else, including "any", a
// binary format such as universal2 instead of an architecture, or a C
// library older than any manylinux wheel for the architecture, is an error.
func ExpandPlatform(tag string) ([]string, error) {
	p := strings.ToLower(tag)
	switch p {
	case "win_amd64", "win32", "win_arm64":
		return []string{p}, nil
	}
	if linuxPlatform().MatchString(p) {
		return []string{p}, nil
	}
	if m := legacyPlatform().FindStringSubmatch(p); m != nil {
		return expandManylinux(tag, legacyGlibc[m[1]], m[2])
	}
	m := versionedPlatform().FindStringSubmatch(p)
	if m == nil {
		return nil, fmt.Errorf("platform %q: want one of %s", tag, expandableForms)
	}
	major, _ := strconv.Atoi(m[2]) // at most four digits: cannot fail
	minor, _ := strconv.Atoi(m[3])
	version, arch := [2]int{major, minor}, m[4]
	switch m[1] {
	case "manylinux":
		return expandManylinux(tag, version, arch)
	case "musllinux":
		if !slices.Contains(manylinuxArchs, arch) && arch != "i686" && arch != "armv7l" {
			return nil, fmt.Errorf("platform %q: unknown musllinux architecture %q", tag, arch)
		}
		return LinuxPlatforms(arch, nil, &version), nil
	default: // macosx
		if !slices.Contains(macArchs, arch) {
			return nil, fmt.Errorf("platform %q: %q is not a macOS machine architecture, want one of %s",
				tag, arch, strings.Join(macArchs, ", "))
		}
		if major < 10 {
			return nil, fmt.Errorf("platform %q: macOS %d.%d predates every macOS wheel tag (10.0)", tag, major, minor)
		}
		platforms := MacPlatforms(version, arch)
		if len(platforms) == 0 {
			return nil, fmt.Errorf("platform %q: no macOS wheel tag runs %s on macOS %d.%d; name a later macOS version (%s wheels start at 10.4)",
				tag, arch, major, minor, arch)
		}
		return platforms, nil
	}
}

// DeclaredPlatforms expands the platform tags a user declares for a
// cluster's machines, most preferred first, into the platform tags a wheel
// chosen for them from an index may have, in order: each tag as
// ExpandPlatform expands it, except that a manylinux or musllinux tag
// brings its own family's tags only (manylinux_2_28_x86_64: manylinux_2_28
// down to manylinux_2_5 with the legacy aliases), not linux_<arch>. A
// linux_<arch> wheel is built against one machine's libraries and runs
// where those are; a machine's own interpreter accepts it (packaging's
// sys_tags, and ExpandPlatform, rank it first), but a target declared by
// its manylinux level promises only the portable wheels of that level, as
// pip's --platform does. linux_<arch> is accepted where it is declared
// itself. A platform that several declared tags bring keeps its first
// place. The error is ExpandPlatform's for the first tag it refuses.
func DeclaredPlatforms(declared []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, d := range declared {
		list, err := ExpandPlatform(d)
		if err != nil {
			return nil, err
		}
		family := strings.ToLower(d)
		portable := strings.HasPrefix(family, "manylinux") || strings.HasPrefix(family, "musllinux")
		for _, p := range list {
			if portable && linuxPlatform().MatchString(p) || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// expandManylinux returns the platforms of a glibc machine after checking
// that manylinux wheels exist for its architecture and glibc.
func expandManylinux(tag string, glibc [2]int, arch string) ([]string, error) {
	archs := []string{arch}
	if !haveManylinuxABI(archs) {
		return nil, fmt.Errorf("platform %q: unknown manylinux architecture %q", tag, arch)
	}
	if oldest := oldestManylinux(archs); versionLess(glibc, oldest) {
		return nil, fmt.Errorf("platform %q: glibc %d.%d is older than the oldest manylinux for %s (%d.%d)",
			tag, glibc[0], glibc[1], arch, oldest[0], oldest[1])
	}
	return LinuxPlatforms(arch, &glibc, nil), nil
}
