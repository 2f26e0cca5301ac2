package tags

import (
	"fmt"
	"slices"
)

// manylinuxArchs are the architectures PEP 600 manylinux wheels exist for
// without a check of the interpreter's ELF header (packaging's _ALLOWED_ARCHS).
var manylinuxArchs = []string{"x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "loongarch64", "riscv64"}

// legacyManylinux names the glibc versions that have a pre-PEP 600 alias.
var legacyManylinux = map[[2]int]string{
	{2, 17}: "manylinux2014",
	{2, 12}: "manylinux2010",
	{2, 5}:  "manylinux1",
}

// lastGlibcMinor is packaging's guess at the last minor version of a glibc
// major version that has been superseded (none has, so far).
const lastGlibcMinor = 50

// LinuxPlatforms returns the platform tags of a Linux machine whose Python
// reports the architecture arch (as in sysconfig's "linux-<arch>", after
// packaging's 32-bit adjustment: i686 and armv8l for 32-bit interpreters on
// x86_64 and aarch64), in the order packaging 26.3's _linux_platforms yields
// them:
//
//	linux_<arch>                  (armv8l also accepts armv7l)
//	manylinux_<glibc>_<arch> down to manylinux_2_5 (x86_64, i686) or
//	                         manylinux_2_17 (others), each legacy alias
//	                         (manylinux2014, manylinux2010, manylinux1)
//	                         right after its PEP 600 equivalent
//	musllinux_<musl>_<arch>  down to musllinux_<major>_0
//
// glibc and musl are the C library versions, nil when the machine does not
// use that library. Architectures packaging does not know manylinux wheels
// for (e.g. armv6l) get no manylinux tags. Packaging before 26.3 put the
// linux_<arch> tags last instead.
func LinuxPlatforms(arch string, glibc *[2]int, musl *[2]int) []string {
	return linuxPlatforms(arch, glibc, musl, true, nil)
}

// linuxPlatforms is LinuxPlatforms with the two facts only a real
// interpreter knows: whether its executable's ELF header has the ABI the
// architecture needs (checked for armv7l and i686), and the glibc versions
// a _manylinux module declares incompatible ("2_17_x86_64").
func linuxPlatforms(arch string, glibc, musl *[2]int, abiOK bool, incompatible []string) []string {
	archs := []string{arch}
	if arch == "armv8l" {
		archs = []string{"armv8l", "armv7l"}
	}
	var out []string
	for _, a := range archs {
		out = append(out, "linux_"+a)
	}
	if glibc != nil && abiOK && haveManylinuxABI(archs) {
		out = append(out, manylinuxPlatforms(archs, *glibc, incompatible)...)
	}
	if musl != nil {
		for _, a := range archs {
			for minor := musl[1]; minor >= 0; minor-- {
				out = append(out, fmt.Sprintf("musllinux_%d_%d_%s", musl[0], minor, a))
			}
		}
	}
	return out
}

// haveManylinuxABI is packaging's _have_compatible_abi once the ELF checks
// for armv7l and i686 have passed.
func haveManylinuxABI(archs []string) bool {
	if slices.Contains(archs, "armv7l") || slices.Contains(archs, "i686") {
		return true
	}
	for _, a := range archs {
		if slices.Contains(manylinuxArchs, a) {
			return true
		}
	}
	return false
}

// oldestManylinux returns the oldest glibc with manylinux wheels for archs.
func oldestManylinux(archs []string) [2]int {
	if slices.Contains(archs, "x86_64") || slices.Contains(archs, "i686") {
		return [2]int{2, 5}
	}
	return [2]int{2, 17}
}

// manylinuxPlatforms is packaging's _manylinux.platform_tags for a machine
// with the given glibc.
func manylinuxPlatforms(archs []string, glibc [2]int, incompatible []string) []string {
	oldest := oldestManylinux(archs)
	maxima := [][2]int{glibc}
	for major := glibc[0] - 1; major > 1; major-- {
		maxima = append(maxima, [2]int{major, lastGlibcMinor})
	}
	var out []string
	for _, arch := range archs {
		for _, max := range maxima {
			minMinor := 0
			if max[0] == oldest[0] {
				minMinor = oldest[1]
			}
			for minor := max[1]; minor >= minMinor; minor-- {
				v := [2]int{max[0], minor}
				if versionLess(glibc, v) || slices.Contains(incompatible, fmt.Sprintf("%d_%d_%s", v[0], v[1], arch)) {
					continue
				}
				out = append(out, fmt.Sprintf("manylinux_%d_%d_%s", v[0], v[1], arch))
				if legacy, ok := legacyManylinux[v]; ok {
					out = append(out, legacy+"_"+arch)
				}
			}
		}
	}
	return out
}
