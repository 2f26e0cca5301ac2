package target

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// versionRequest matches "3", "3.11" or "3.11.7" (with an optional
// pre-release suffix such as "3.13.0rc2").
var versionRequest = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+)((?:a|b|rc)\d+)?)?$`)

// pythonVersion is a CPython version a synthetic target names.
type pythonVersion struct {
	major, minor int
	full         string // X.Y.Z[suffix]
	exact        bool   // the request named the micro version
}

// parseVersionRequest reports whether s names a Python version rather than
// an interpreter, and parses it.
func parseVersionRequest(s string) (pythonVersion, bool, error) {
	m := versionRequest.FindStringSubmatch(s)
	if m == nil {
		return pythonVersion{}, false, nil
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return pythonVersion{}, true, &VersionError{Version: s, Reason: "numbers too large"}
	}
	if major != 3 {
		return pythonVersion{}, true, &VersionError{Version: s, Reason: "only CPython 3 is supported; name a CPython 3 version"}
	}
	full := m[3]
	if full == "" {
		full = "0"
	}
	return pythonVersion{major, minor, fmt.Sprintf("%d.%d.%s%s", major, minor, full, m[4]), m[3] != ""}, true, nil
}

func (v pythonVersion) short() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// newestMinor is the newest CPython 3 minor version clusterpack knows:
// 3.16 is in development as 3.15 ships. Raise it with each CPython
// release.
const newestMinor = 16

// known refuses a synthetic target of a CPython that does not exist
// (3.99): its tags and markers would be made up, and nothing would be
// built for it. A local interpreter of the version proves it exists.
func (v pythonVersion) known(request string, opts Options) error {
	if v.minor <= newestMinor {
		return nil
	}
	if _, err := FindInterpreter(v.short(), opts); err == nil {
		return nil
	}
	return &VersionError{Version: request, Reason: fmt.Sprintf("there is no CPython %s: the newest clusterpack knows is 3.%d, and no local interpreter of %s was found; name a CPython version that exists, or an interpreter", v.short(), newestMinor, v.short())}
}

// platformMarkers gives the marker variables that follow from a platform
// tag. platform_release and platform_version cannot be known from a tag
// and are left empty, as uv does for its --python-platform targets.
func platformMarkers(platform string) (pep508.Environment, error) {
	env := pep508.Environment{"platform_release": "", "platform_version": ""}
	switch {
	case strings.HasPrefix(platform, "manylinux"), strings.HasPrefix(platform, "musllinux"), strings.HasPrefix(platform, "linux_"):
		env["os_name"] = "posix"
		env["sys_platform"] = "linux"
		env["platform_system"] = "Linux"
		env["platform_machine"] = linuxArch(platform)
	case strings.HasPrefix(platform, "macosx_"):
		env["os_name"] = "posix"
		env["sys_platform"] = "darwin"
		env["platform_system"] = "Darwin"
		if strings.HasSuffix(platform, "_arm64") || strings.HasSuffix(platform, "_universal2") {
			env["platform_machine"] = "arm64"
		} else {
			env["platform_machine"] = "x86_64"
		}
	case platform == "win_amd64", platform == "win32", platform == "win_arm64":
		env["os_name"] = "nt"
		env["sys_platform"] = "win32"
		env["platform_system"] = "Windows"
		env["platform_machine"] = map[string]string{"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}[platform]
	default:
		return nil, fmt.Errorf("platform %q: not a Linux, macOS or Windows platform tag", platform)
	}
	return env, nil
}

// linuxArch is the machine name at the end of a Linux platform tag:
// manylinux_2_28_x86_64 → x86_64, manylinux2014_aarch64 → aarch64.
func linuxArch(platform string) string {
	rest := platform
	switch {
	case strings.HasPrefix(rest, "linux_"):
		return strings.TrimPrefix(rest, "linux_")
	case strings.HasPrefix(rest, "manylinux_"), strings.HasPrefix(rest, "musllinux_"):
		// family_MAJOR_MINOR_ARCH
		parts := strings.SplitN(rest, "_", 4)
		if len(parts) == 4 {
			return parts[3]
		}
	default: // manylinux1_x86_64, manylinux2010_i686, manylinux2014_ppc64le
		if _, arch, ok := strings.Cut(rest, "_"); ok {
			return arch
		}
	}
	return ""
}

// synthetic builds a target for a CPython version on the platform tags a
// user declares, expanded as pypa/tags.DeclaredPlatforms does: a
// manylinux or musllinux tag brings its family's tags only, and
// linux_<arch> comes in only where it is declared.
func synthetic(v pythonVersion, platforms []string) (*Target, error) {
	if len(platforms) == 0 {
		return nil, &PlatformNeededError{Version: v.short()}
	}
	expanded, err := tags.DeclaredPlatforms(platforms)
	if err != nil {
		return nil, err
	}
	return onPlatforms(v, expanded)
}

// onPlatforms builds a target for a CPython version on a list of platform
// tags already in the order to prefer them (a real machine's, or
// synthetic's expansion); the markers follow from the first.
func onPlatforms(v pythonVersion, platforms []string) (*Target, error) {
	if len(platforms) == 0 {
		return nil, fmt.Errorf("a synthetic Python %s target needs at least one platform", v.short())
	}
	env, err := platformMarkers(platforms[0])
	if err != nil {
		return nil, err
	}
	env["python_version"] = v.short()
	env["python_full_version"] = v.full
	env["implementation_name"] = "cpython"
	env["implementation_version"] = v.full
	env["platform_python_implementation"] = "CPython"
	ts := tags.ForTarget([2]int{v.major, v.minor}, platforms)
	return &Target{
		PythonVersion:     v.short(),
		PythonFullVersion: v.full,
		Markers:           env,
		Tags:              ts,
		Platforms:         platformsOf(ts),
	}, nil
}
