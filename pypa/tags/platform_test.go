package tags

import (
	"fmt"
	"slices"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

func TestLinuxPlatforms(t *testing.T) {
	v := func(major, minor int) *[2]int { return &[2]int{major, minor} }
	tests := []struct {
		arch        string
		glibc, musl *[2]int
		want        []string
	}{
		{"x86_64", v(2, 5), nil, []string{"linux_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64"}},
		{"x86_64", v(2, 4), nil, []string{"linux_x86_64"}},
		{"aarch64", v(2, 18), nil, []string{"linux_aarch64", "manylinux_2_18_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"}},
		{"aarch64", v(2, 16), nil, []string{"linux_aarch64"}},
		{"aarch64", nil, v(1, 1), []string{"linux_aarch64", "musllinux_1_1_aarch64", "musllinux_1_0_aarch64"}},
		{"armv6l", v(2, 30), nil, []string{"linux_armv6l"}},
		{"armv8l", v(2, 17), nil, []string{"linux_armv8l", "linux_armv7l",
			"manylinux_2_17_armv8l", "manylinux2014_armv8l", "manylinux_2_17_armv7l", "manylinux2014_armv7l"}},
		{"riscv64", nil, nil, []string{"linux_riscv64"}},
	}
	for _, tt := range tests {
		got := LinuxPlatforms(tt.arch, tt.glibc, tt.musl)
		if !slices.Equal(got, tt.want) {
			t.Errorf("LinuxPlatforms(%q, %v, %v) = %q, want %q", tt.arch, tt.glibc, tt.musl, got, tt.want)
		}
	}
	// Order of the glibc 2.x versions and the legacy aliases.
	got := LinuxPlatforms("x86_64", v(2, 28), nil)
	for _, pair := range [][2]string{
		{"manylinux_2_17_x86_64", "manylinux2014_x86_64"},
		{"manylinux_2_12_x86_64", "manylinux2010_x86_64"},
		{"manylinux_2_5_x86_64", "manylinux1_x86_64"},
	} {
		i := slices.Index(got, pair[0])
		if i < 0 || i+1 >= len(got) || got[i+1] != pair[1] {
			t.Errorf("LinuxPlatforms(x86_64, 2.28) = %q: want %s right after %s", got, pair[1], pair[0])
		}
	}
	if len(got) != 1+24+3 || got[1] != "manylinux_2_28_x86_64" {
		t.Errorf("LinuxPlatforms(x86_64, 2.28) = %q, want linux_x86_64, 2_28 down to 2_5 and three aliases", got)
	}
}

type linuxCase struct {
	Arch  string  `json:"arch"`
	Glibc *[2]int `json:"glibc"`
	Musl  *[2]int `json:"musl"`
}

// linuxScript runs packaging's _linux_platforms with the C libraries and
// architecture of each case in place of the running machine's, and the ELF
// header checks passing (a real armv7l or i686 machine).
const linuxScript = `
import json, sys, sysconfig
from packaging import tags, _manylinux, _musllinux
_manylinux._is_linux_armhf = lambda executable: True
_manylinux._is_linux_i686 = lambda executable: True
_manylinux._get_manylinux_module = lambda: None
out = []
for c in json.load(sys.stdin):
    sysconfig.get_platform = lambda: "linux-" + c["arch"]
    glibc = _manylinux._GLibCVersion(*c["glibc"]) if c["glibc"] else _manylinux._GLibCVersion(-1, -1)
    _manylinux._get_glibc_version = lambda: glibc
    musl = _musllinux._MuslVersion(*c["musl"]) if c["musl"] else None
    _musllinux._get_musl_version = lambda executable: musl
    out.append(list(tags._linux_platforms(is_32bit=False)))
print(json.dumps(out))
`

func TestLinuxPlatformsDifferential(t *testing.T) {
	py := pyref.Default(t)
	var cases []linuxCase
	archs := []string{"x86_64", "i686", "aarch64", "armv7l", "armv8l", "ppc64le", "s390x", "riscv64", "loongarch64", "armv6l", "sparc64"}
	glibcs := []*[2]int{nil, {2, 4}, {2, 5}, {2, 11}, {2, 12}, {2, 16}, {2, 17}, {2, 28}, {2, 39}, {3, 1}, {1, 9}}
	musls := []*[2]int{nil, {1, 0}, {1, 2}, {2, 1}}
	for _, arch := range archs {
		for _, g := range glibcs {
			for _, m := range musls {
				cases = append(cases, linuxCase{arch, g, m})
			}
		}
	}
	var want [][]string
	py.Run(t, linuxScript, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(cases))
	}
	for i, c := range cases {
		label := fmt.Sprintf("LinuxPlatforms(%q, %v, %v)", c.Arch, c.Glibc, c.Musl)
		checkSame(t, label, LinuxPlatforms(c.Arch, c.Glibc, c.Musl), want[i])
	}
	t.Logf("%d Linux machines compared with packaging", len(cases))
}

func TestMacPlatforms(t *testing.T) {
	got := MacPlatforms([2]int{11, 0}, "arm64")
	want := []string{"macosx_11_0_arm64", "macosx_11_0_universal2"}
	for minor := 16; minor > 3; minor-- {
		want = append(want, fmt.Sprintf("macosx_10_%d_universal2", minor))
	}
	if !slices.Equal(got, want) {
		t.Errorf("MacPlatforms(11.0, arm64) = %q, want %q", got, want)
	}
	got = MacPlatforms([2]int{10, 4}, "x86_64")
	want = []string{"macosx_10_4_x86_64", "macosx_10_4_intel", "macosx_10_4_fat64", "macosx_10_4_fat3",
		"macosx_10_4_universal2", "macosx_10_4_universal"}
	if !slices.Equal(got, want) {
		t.Errorf("MacPlatforms(10.4, x86_64) = %q, want %q", got, want)
	}
	if got := MacPlatforms([2]int{9, 9}, "x86_64"); got != nil {
		t.Errorf("MacPlatforms(9.9, x86_64) = %q, want none", got)
	}
}

type macCase struct {
	Version [2]int `json:"version"`
	Arch    string `json:"arch"`
}

const macScript = `
import json, sys
from packaging.tags import mac_platforms
print(json.dumps([list(mac_platforms(tuple(c["version"]), c["arch"])) for c in json.load(sys.stdin)]))
`

func TestMacPlatformsDifferential(t *testing.T) {
	py := pyref.Default(t)
	var cases []macCase
	var versions [][2]int
	for minor := 0; minor <= 17; minor++ {
		versions = append(versions, [2]int{10, minor})
	}
	for major := 11; major <= 16; major++ {
		versions = append(versions, [2]int{major, 0}, [2]int{major, 3})
	}
	versions = append(versions, [2]int{26, 0}, [2]int{9, 8})
	for _, v := range versions {
		for _, arch := range []string{"x86_64", "arm64", "i386", "ppc", "ppc64", "universal2", "intel", "riscv"} {
			cases = append(cases, macCase{v, arch})
		}
	}
	var want [][]string
	py.Run(t, macScript, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(cases))
	}
	for i, c := range cases {
		checkSame(t, fmt.Sprintf("MacPlatforms(%v, %q)", c.Version, c.Arch), MacPlatforms(c.Version, c.Arch), want[i])
	}
	t.Logf("%d macOS machines compared with packaging", len(cases))
}

func TestWindowsPlatforms(t *testing.T) {
	tests := map[string]string{"amd64": "win_amd64", "x86_64": "win_amd64", "x86": "win32", "arm64": "win_arm64"}
	for arch, want := range tests {
		got, err := WindowsPlatforms(arch)
		if err != nil || !slices.Equal(got, []string{want}) {
			t.Errorf("WindowsPlatforms(%q) = %q, %v; want [%s]", arch, got, err, want)
		}
	}
	if _, err := WindowsPlatforms("sparc"); err == nil {
		t.Errorf("WindowsPlatforms(sparc) succeeded, want an error")
	}
}
