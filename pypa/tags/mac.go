package tags

import "fmt"

// MacPlatforms returns the platform tags of a macOS machine of the given
// version and CPU architecture ("arm64", "x86_64", "i386", "ppc", "ppc64"),
// in packaging.tags.mac_platforms order: for 10.x every minor version down to
// 10.0; for 11 and later every major version down to 11 (minor 0), then, on
// x86_64, 10.16 down to 10.4, and on other architectures universal2 wheels
// for 10.16 down to 10.4. At each version the binary formats that contain
// the architecture follow it: intel, fat64, fat3, fat, universal2, universal.
func MacPlatforms(version [2]int, arch string) []string {
	var out []string
	add := func(major, minor int, formats []string) {
		for _, f := range formats {
			out = append(out, fmt.Sprintf("macosx_%d_%d_%s", major, minor, f))
		}
	}
	if !versionLess(version, [2]int{10, 0}) && versionLess(version, [2]int{11, 0}) {
		for minor := version[1]; minor >= 0; minor-- {
			add(10, minor, macBinaryFormats([2]int{10, minor}, arch))
		}
	}
	if !versionLess(version, [2]int{11, 0}) {
		for major := version[0]; major > 10; major-- {
			add(major, 0, macBinaryFormats([2]int{major, 0}, arch))
		}
		for minor := 16; minor > 3; minor-- {
			if arch == "x86_64" {
				add(10, minor, macBinaryFormats([2]int{10, minor}, arch))
			} else {
				add(10, minor, []string{"universal2"})
			}
		}
	}
	return out
}

// macBinaryFormats lists the binary formats that can run on arch at a macOS
// version, best first (packaging's _mac_binary_formats).
func macBinaryFormats(version [2]int, arch string) []string {
	formats := []string{arch}
	switch arch {
	case "x86_64":
		if versionLess(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat64", "fat3")
	case "i386":
		if versionLess(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "intel", "fat3", "fat")
	case "ppc64":
		if versionLess([2]int{10, 5}, version) || versionLess(version, [2]int{10, 4}) {
			return nil
		}
		formats = append(formats, "fat64")
	case "ppc":
		if versionLess([2]int{10, 6}, version) {
			return nil
		}
		formats = append(formats, "fat3", "fat")
	}
	switch arch {
	case "arm64", "x86_64":
		formats = append(formats, "universal2")
	}
	switch arch {
	case "x86_64", "i386", "ppc64", "ppc", "intel":
		formats = append(formats, "universal")
	}
	return formats
}

// macArch is the architecture packaging assumes for a macOS machine name:
// a 32-bit interpreter on a 64-bit machine runs as i386 or ppc.
func macArch(machine string, is32Bit bool) string {
	switch {
	case !is32Bit:
		return machine
	case len(machine) >= 3 && machine[:3] == "ppc":
		return "ppc"
	default:
		return "i386"
	}
}
