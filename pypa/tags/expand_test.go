package tags

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExpandPlatform(t *testing.T) {
	glibc := func(major, minor int) *[2]int { return &[2]int{major, minor} }
	tests := []struct {
		in   string
		want []string
	}{
		{"manylinux_2_28_x86_64", LinuxPlatforms("x86_64", glibc(2, 28), nil)},
		{"MANYLINUX_2_28_X86_64", LinuxPlatforms("x86_64", glibc(2, 28), nil)},
		{"manylinux2014_x86_64", LinuxPlatforms("x86_64", glibc(2, 17), nil)},
		{"manylinux2014_aarch64", LinuxPlatforms("aarch64", glibc(2, 17), nil)},
		{"manylinux2010_i686", LinuxPlatforms("i686", glibc(2, 12), nil)},
		{"manylinux1_x86_64", LinuxPlatforms("x86_64", glibc(2, 5), nil)},
		{"manylinux_2_17_armv7l", LinuxPlatforms("armv7l", glibc(2, 17), nil)},
		{"musllinux_1_2_aarch64", []string{"linux_aarch64", "musllinux_1_2_aarch64", "musllinux_1_1_aarch64", "musllinux_1_0_aarch64"}},
		{"macosx_11_0_arm64", MacPlatforms([2]int{11, 0}, "arm64")},
		{"macosx_10_9_x86_64", MacPlatforms([2]int{10, 9}, "x86_64")},
		{"win_amd64", []string{"win_amd64"}},
		{"win32", []string{"win32"}},
		{"win_arm64", []string{"win_arm64"}},
		{"linux_x86_64", []string{"linux_x86_64"}},
		{"linux_armv6l", []string{"linux_armv6l"}},
	}
	for _, tt := range tests {
		got, err := ExpandPlatform(tt.in)
		if err != nil {
			t.Errorf("ExpandPlatform(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ExpandPlatform(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The user's own tag comes first among the manylinux tags.
	got, _ := ExpandPlatform("manylinux_2_28_x86_64")
	if got[1] != "manylinux_2_28_x86_64" {
		t.Errorf("ExpandPlatform(manylinux_2_28_x86_64)[1] = %q, want the tag itself", got[1])
	}
}

func TestDeclaredPlatforms(t *testing.T) {
	glibc := func(major, minor int) *[2]int { return &[2]int{major, minor} }
	without := func(drop string, list []string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(p string) bool { return p == drop })
	}
	m228 := without("linux_x86_64", LinuxPlatforms("x86_64", glibc(2, 28), nil))
	tests := []struct {
		in   []string
		want []string
	}{
		// A manylinux or musllinux tag: its family only.
		{[]string{"manylinux_2_28_x86_64"}, m228},
		{[]string{"MANYLINUX_2_28_X86_64"}, m228},
		{[]string{"manylinux2014_aarch64"}, without("linux_aarch64", LinuxPlatforms("aarch64", glibc(2, 17), nil))},
		{[]string{"manylinux1_x86_64"}, []string{"manylinux_2_5_x86_64", "manylinux1_x86_64"}},
		{[]string{"musllinux_1_2_aarch64"}, []string{"musllinux_1_2_aarch64", "musllinux_1_1_aarch64", "musllinux_1_0_aarch64"}},
		// linux_<arch> where it is declared, in the order given.
		{[]string{"linux_x86_64"}, []string{"linux_x86_64"}},
		{[]string{"linux_x86_64", "manylinux_2_28_x86_64"}, append([]string{"linux_x86_64"}, m228...)},
		{[]string{"manylinux_2_28_x86_64", "linux_x86_64"}, append(slices.Clone(m228), "linux_x86_64")},
		// Repeats keep their first place.
		{[]string{"manylinux_2_17_x86_64", "manylinux_2_28_x86_64"}, append(
			without("linux_x86_64", LinuxPlatforms("x86_64", glibc(2, 17), nil)),
			"manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_26_x86_64", "manylinux_2_25_x86_64",
			"manylinux_2_24_x86_64", "manylinux_2_23_x86_64", "manylinux_2_22_x86_64", "manylinux_2_21_x86_64",
			"manylinux_2_20_x86_64", "manylinux_2_19_x86_64", "manylinux_2_18_x86_64")},
		{[]string{"musllinux_1_1_x86_64", "manylinux_2_5_x86_64", "linux_x86_64"}, []string{
			"musllinux_1_1_x86_64", "musllinux_1_0_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"}},
		// Other families as ExpandPlatform has them.
		{[]string{"macosx_11_0_arm64"}, MacPlatforms([2]int{11, 0}, "arm64")},
		{[]string{"win_amd64", "win32"}, []string{"win_amd64", "win32"}},
	}
	for _, tt := range tests {
		got, err := DeclaredPlatforms(tt.in)
		if err != nil {
			t.Errorf("DeclaredPlatforms(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("DeclaredPlatforms(%q) =\n %q\nwant\n %q", tt.in, got, tt.want)
		}
		// No linux_<arch> that was not declared.
		for _, p := range got {
			if strings.HasPrefix(p, "linux_") && !slices.Contains(tt.in, p) {
				t.Errorf("DeclaredPlatforms(%q) has %s, not declared", tt.in, p)
			}
		}
	}
	if _, err := DeclaredPlatforms([]string{"manylinux_2_28_x86_64", "any"}); err == nil || !strings.Contains(err.Error(), `"any"`) {
		t.Errorf("DeclaredPlatforms with any: error %v", err)
	}
}

func TestExpandPlatformErrors(t *testing.T) {
	for _, in := range []string{
		"", "any", "manylinux", "manylinux_2_28", "manylinux_2_28_", "manylinux_2_4_x86_64", "manylinux_2_16_aarch64",
		"manylinux_2_28_sparc", "manylinux_2_28_armv8l", "manylinux1_aarch64", "manylinux2015_x86_64", "musllinux_1_2_mips",
		"macosx_11_0_universal2", "macosx_9_0_x86_64", "macosx_11_x_arm64", "win_ia64", "linux_", "linux-x86_64",
		"manylinux_2_99999_x86_64", " manylinux_2_28_x86_64", "py3-none-any", "mACosX_10_0_X86_64", "macosx_10_3_i386",
		"macosx_10_2_ppc64",
	} {
		got, err := ExpandPlatform(in)
		if err == nil {
			t.Errorf("ExpandPlatform(%q) = %q, want an error", in, got)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ExpandPlatform(%q) error %q does not name the platform", in, err)
		}
	}
	_, err := ExpandPlatform("any")
	if !strings.Contains(err.Error(), "manylinux_2_<minor>_<arch>") || !strings.Contains(err.Error(), "win_amd64") {
		t.Errorf("ExpandPlatform(any) error %q does not list the accepted forms", err)
	}
}

func FuzzExpandPlatform(f *testing.F) {
	for _, s := range []string{
		"manylinux_2_28_x86_64", "manylinux2014_aarch64", "musllinux_1_2_aarch64", "macosx_11_0_arm64",
		"macosx_10_16_x86_64", "win_amd64", "linux_x86_64", "any", "manylinux_3_0_x86_64", "musllinux_2_9999_i686",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ExpandPlatform(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("ExpandPlatform(%q) error %q does not name the platform", s, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ExpandPlatform(%q) gives no platforms and no error", s)
		}
		lower := strings.ToLower(s)
		if !slices.Contains(got, lower) && !strings.HasPrefix(lower, "manylinux1_") &&
			!strings.HasPrefix(lower, "manylinux2010_") && !strings.HasPrefix(lower, "manylinux2014_") {
			// A legacy name may come back in its PEP 600 spelling; any other
			// tag is accepted by the machine it names.
			if !strings.HasPrefix(lower, "macosx_") {
				t.Errorf("ExpandPlatform(%q) = %q lacks the tag itself", s, got)
			}
		}
		seen := map[string]bool{}
		for _, p := range got {
			if seen[p] {
				t.Errorf("ExpandPlatform(%q) repeats %q", s, p)
			}
			seen[p] = true
			if p != strings.ToLower(p) || strings.ContainsAny(p, "-. ") || p == "any" {
				t.Errorf("ExpandPlatform(%q) gives an invalid platform tag %q", s, p)
			}
		}
	})
}

func TestRanking(t *testing.T) {
	supported := ForTarget([2]int{3, 11}, []string{"manylinux_2_17_x86_64", "manylinux2014_x86_64", "linux_x86_64"})
	supported = append(supported, supported[0]) // a repeat keeps its first rank
	r := NewRanking(supported)
	for i, tag := range supported[:len(supported)-1] {
		if got, ok := r.Rank(tag); !ok || got != i {
			t.Errorf("Rank(%v) = %d, %v; want %d, true", tag, got, ok, i)
		}
	}
	if r.Len() != len(supported)-1 {
		t.Errorf("Len() = %d, want %d", r.Len(), len(supported)-1)
	}
	mustParse := func(s string) []Tag {
		tags, err := ParseTag(s)
		if err != nil {
			t.Fatal(err)
		}
		return tags
	}
	tests := []struct {
		tagSet string
		want   Tag
		ok     bool
	}{
		{"py3-none-any", Tag{"py3", "none", "any"}, true},
		{"cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", Tag{"cp311", "cp311", "manylinux_2_17_x86_64"}, true},
		{"cp39-abi3-manylinux2014_x86_64", Tag{"cp39", "abi3", "manylinux2014_x86_64"}, true},
		{"py2.py3-none-any", Tag{"py3", "none", "any"}, true},
		{"cp312-cp312-manylinux_2_17_x86_64", Tag{}, false},
		{"cp311-cp311-win_amd64", Tag{}, false},
	}
	for _, tt := range tests {
		got, ok := r.BestOf(mustParse(tt.tagSet))
		if ok != tt.ok {
			t.Errorf("BestOf(%s) supported = %v, want %v", tt.tagSet, ok, tt.ok)
			continue
		}
		if want, _ := r.Rank(tt.want); ok && got != want {
			t.Errorf("BestOf(%s) = %d, want %d (the rank of %v)", tt.tagSet, got, want, tt.want)
		}
	}
	if _, ok := (Ranking{}).BestOf(mustParse("py3-none-any")); ok {
		t.Errorf("the zero Ranking supports py3-none-any, want nothing")
	}
}
