package tags

import (
	"fmt"
	"slices"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

func TestCPythonTags(t *testing.T) {
	tests := []struct {
		version   [2]int
		abis      []string
		platforms []string
		want      []string
	}{
		{[2]int{3, 4}, []string{"cp34m"}, []string{"linux_x86_64"}, []string{
			"cp34-cp34m-linux_x86_64", "cp34-abi3-linux_x86_64", "cp34-none-linux_x86_64",
			"cp33-abi3-linux_x86_64", "cp32-abi3-linux_x86_64",
		}},
		{[2]int{3, 13}, []string{"cp313t", "abi3", "none"}, []string{"a", "b"}, append([]string{
			"cp313-cp313t-a", "cp313-cp313t-b", "cp313-abi3t-a", "cp313-abi3t-b", "cp313-none-a", "cp313-none-b",
		}, abi3tDown(12, "a", "b")...)},
		{[2]int{2, 7}, []string{"cp27mu"}, []string{"Linux_X86_64"}, []string{
			"cp27-cp27mu-linux_x86_64", "cp27-none-linux_x86_64",
		}},
		{[2]int{3, 12}, nil, nil, nil},
	}
	for _, tt := range tests {
		got := tagStrings(CPythonTags(tt.version, tt.abis, tt.platforms))
		if !slices.Equal(got, tt.want) {
			t.Errorf("CPythonTags(%v, %q, %q) = %q, want %q", tt.version, tt.abis, tt.platforms, got, tt.want)
		}
	}
}

func abi3tDown(from int, platforms ...string) []string {
	var out []string
	for minor := from; minor > 1; minor-- {
		for _, p := range platforms {
			out = append(out, fmt.Sprintf("cp3%d-abi3t-%s", minor, p))
		}
	}
	return out
}

func TestCompatibleTags(t *testing.T) {
	got := tagStrings(CompatibleTags([2]int{3, 1}, "cp31", []string{"win32"}))
	want := []string{
		"py31-none-win32", "py3-none-win32", "py30-none-win32",
		"cp31-none-any", "py31-none-any", "py3-none-any", "py30-none-any",
	}
	if !slices.Equal(got, want) {
		t.Errorf("CompatibleTags(3.1, cp31, win32) = %q, want %q", got, want)
	}
	got = tagStrings(CompatibleTags([2]int{3, 0}, "", nil))
	want = []string{"py30-none-any", "py3-none-any"}
	if !slices.Equal(got, want) {
		t.Errorf("CompatibleTags(3.0, \"\", nil) = %q, want %q", got, want)
	}
}

func TestForTargetStartsWithTheBestTag(t *testing.T) {
	got := ForTarget([2]int{3, 11}, []string{"manylinux_2_17_x86_64", "linux_x86_64"})
	if got[0] != (Tag{"cp311", "cp311", "manylinux_2_17_x86_64"}) {
		t.Errorf("ForTarget(3.11)[0] = %v, want cp311-cp311-manylinux_2_17_x86_64", got[0])
	}
	if last := got[len(got)-1]; last != (Tag{"py30", "none", "any"}) {
		t.Errorf("ForTarget(3.11) ends with %v, want py30-none-any", last)
	}
}

type interpreterCase struct {
	Version            [2]int   `json:"version"`
	ABIs               []string `json:"abis"`
	Platforms          []string `json:"platforms"`
	Interpreter        string   `json:"interpreter"`
	GenericInterpreter string   `json:"generic_interpreter"`
}

type interpreterAnswer struct {
	CPython    []string `json:"cpython"`
	Compatible []string `json:"compatible"`
	Generic    []string `json:"generic"`
	Target     []string `json:"target"`
}

const interpreterScript = `
import json, sys
from packaging import tags
out = []
for c in json.load(sys.stdin):
    v, plats = tuple(c["version"]), c["platforms"]
    cp = "cp%d%d" % v
    out.append({
        "cpython": [str(t) for t in tags.cpython_tags(python_version=v, abis=c["abis"], platforms=plats)],
        "compatible": [str(t) for t in tags.compatible_tags(python_version=v, interpreter=c["interpreter"] or None, platforms=plats)],
        "generic": [str(t) for t in tags.generic_tags(interpreter=c["generic_interpreter"], abis=c["abis"], platforms=plats)],
        "target": [str(t) for t in tags.cpython_tags(python_version=v, abis=[cp], platforms=plats)]
                  + [str(t) for t in tags.compatible_tags(python_version=v, interpreter=cp, platforms=plats)],
    })
print(json.dumps(out))
`

// platformLists are non-empty platform lists of every kind (packaging
// replaces an empty list by the running system's platforms).
func platformLists() [][]string {
	glibc, musl := [2]int{2, 28}, [2]int{1, 2}
	return [][]string{
		{"linux_x86_64"},
		{"any"},
		{"win_amd64"},
		{"Win32", "LINUX_I686"},
		LinuxPlatforms("x86_64", &glibc, nil),
		LinuxPlatforms("aarch64", nil, &musl),
		MacPlatforms([2]int{14, 2}, "arm64"),
		MacPlatforms([2]int{10, 9}, "x86_64"),
	}
}

func TestInterpreterTagsDifferential(t *testing.T) {
	py := pyref.Default(t)
	var cases []interpreterCase
	versions := [][2]int{{2, 7}, {3, 0}, {3, 1}, {3, 2}, {3, 3}, {4, 0}, {3, 20}}
	for minor := 6; minor <= 15; minor++ {
		versions = append(versions, [2]int{3, minor})
	}
	for _, v := range versions {
		cp := "cp" + versionNodot(v)
		abiLists := [][]string{
			{cp}, {cp + "t"}, {cp + "d", cp}, {cp + "td", cp + "t"}, {cp + "m"}, {},
			{"abi3"}, {"none", cp}, {cp, "abi3", "none", "abi3"}, {cp + "t", "abi3t", "abi3", "none"},
			{"pypy310_pp73"}, {"CP3X_test"}, {"cpx"},
		}
		for _, abis := range abiLists {
			for _, platforms := range platformLists() {
				cases = append(cases, interpreterCase{v, abis, platforms, cp, "pp" + versionNodot(v)})
			}
		}
		cases = append(cases, interpreterCase{v, []string{cp}, []string{"any"}, "", "PyPy3"})
	}
	var want []interpreterAnswer
	py.Run(t, interpreterScript, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(cases))
	}
	failures := 0
	for i, c := range cases {
		label := fmt.Sprintf("python %v abis %q platforms %q", c.Version, c.ABIs, c.Platforms[:min(2, len(c.Platforms))])
		ok := checkSame(t, "CPythonTags "+label, tagStrings(CPythonTags(c.Version, c.ABIs, c.Platforms)), want[i].CPython)
		ok = checkSame(t, "CompatibleTags "+label, tagStrings(CompatibleTags(c.Version, c.Interpreter, c.Platforms)), want[i].Compatible) && ok
		ok = checkSame(t, "GenericTags "+label, tagStrings(GenericTags(c.GenericInterpreter, c.ABIs, c.Platforms)), want[i].Generic) && ok
		ok = checkSame(t, "ForTarget "+label, tagStrings(ForTarget(c.Version, c.Platforms)), want[i].Target) && ok
		if !ok {
			if failures++; failures > 20 {
				t.Fatalf("too many differences")
			}
		}
	}
	t.Logf("%d cases × 4 functions compared with packaging", len(cases))
}
