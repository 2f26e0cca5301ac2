package tags

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// sysTagsScript runs ProbeScript and packaging's sys_tags in the same
// interpreter.
const sysTagsScript = ProbeScript + `
import json
from packaging import __version__ as packaging_version, tags
print(json.dumps({
    "facts": clusterpack_tag_facts(),
    "packaging": packaging_version,
    "sys_tags": [str(t) for t in tags.sys_tags()],
}))
`

type sysTagsAnswer struct {
	Facts     json.RawMessage `json:"facts"`
	Packaging string          `json:"packaging"`
	SysTags   []string        `json:"sys_tags"`
}

func TestSysTagsDifferential(t *testing.T) {
	for _, py := range pyref.All(t) {
		t.Run(py.Name(), func(t *testing.T) {
			var answer sysTagsAnswer
			py.Run(t, sysTagsScript, nil, &answer)
			var facts Facts
			if err := json.Unmarshal(answer.Facts, &facts); err != nil {
				t.Fatalf("decoding the facts %s: %v", answer.Facts, err)
			}
			tags, err := facts.SysTags()
			if err != nil {
				t.Fatalf("SysTags of %s: %v", answer.Facts, err)
			}
			got, want := tagStrings(tags), answer.SysTags
			if len(want) == 0 {
				t.Fatalf("packaging %s gives no tags", answer.Packaging)
			}
			if answer.Packaging == "26.3" {
				checkSame(t, "SysTags", got, want)
			} else {
				// Before 26.3, packaging put linux_<arch> after manylinux and
				// musllinux (pypa/packaging#160): compare the native and the
				// other tags as two separate ordered lists.
				native := func(s string) bool { return strings.Contains(s, "-linux_") }
				notNative := func(s string) bool { return !native(s) }
				checkSame(t, "SysTags without linux_*", slices.DeleteFunc(slices.Clone(got), native), slices.DeleteFunc(slices.Clone(want), native))
				checkSame(t, "SysTags linux_* only", slices.DeleteFunc(slices.Clone(got), notNative), slices.DeleteFunc(slices.Clone(want), notNative))
			}
			t.Logf("packaging %s: %d tags compared", answer.Packaging, len(want))
		})
	}
}

func TestSysTagsSynthetic(t *testing.T) {
	yes, no := true, false
	str := func(s string) *string { return &s }
	tests := []struct {
		name  string
		facts Facts
		first string
		count int
	}{
		{"cpython 3.12 windows", Facts{InterpreterName: "cp", InterpreterVersion: "312", PythonVersion: [2]int{3, 12},
			PyDebug: nil, System: "Windows", SysconfigPlatform: "win-amd64"},
			"cp312-cp312-win_amd64", 1 + 1 + 1 + 10 + 14 + 1 + 14},
		{"cpython 3.13t linux musl", Facts{InterpreterName: "cp", InterpreterVersion: "313", PythonVersion: [2]int{3, 13},
			PyGILDisabled: &yes, System: "Linux", SysconfigPlatform: "linux-aarch64",
			ELFInterpreter: str("/lib/ld-musl-aarch64.so.1"), MuslLoaderOutput: str("musl libc (aarch64)\nVersion 1.2.4\nDynamic Program Loader\n")},
			"cp313-cp313t-linux_aarch64", 4*(1+1+1+11+15) + 1 + 15},
		{"cpython 3.7 debug macos", Facts{InterpreterName: "cp", InterpreterVersion: "37", PythonVersion: [2]int{3, 7},
			PyDebug: &yes, WithPymalloc: &no, System: "Darwin", MacVersion: &[2]int{11, 0}, MacMachine: "arm64"},
			"cp37-cp37d-macosx_11_0_arm64", 15*(1+1+1+5+9) + 1 + 9},
		{"pypy 3.10 linux without glibc", Facts{InterpreterName: "pp", InterpreterVersion: "310", PythonVersion: [2]int{3, 10},
			ExtSuffix: str(".pypy310-pp73-x86_64-linux-gnu.so"), System: "Linux", SysconfigPlatform: "linux-x86_64"},
			"pp310-pypy310_pp73-linux_x86_64", 2 + 12 + 1 + 12},
	}
	for _, tt := range tests {
		got, err := tt.facts.SysTags()
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got) != tt.count || got[0].String() != tt.first {
			t.Errorf("%s: SysTags gives %d tags starting %v, want %d starting %s", tt.name, len(got), got[0], tt.count, tt.first)
		}
	}
	if _, err := (Facts{InterpreterName: "pp", System: "Linux", SysconfigPlatform: "linux-x86_64"}).SysTags(); err == nil {
		t.Errorf("SysTags of a PyPy without EXT_SUFFIX succeeded, want an error")
	}
}

const muslScript = `
import json, sys
from packaging._musllinux import _parse_musl_version
print(json.dumps([_parse_musl_version(s) for s in json.load(sys.stdin)]))
`

func TestParseMuslVersionDifferential(t *testing.T) {
	inputs := []string{
		"musl libc (x86_64)\nVersion 1.2.2\nDynamic Program Loader\n",
		"\n\n  musl libc (aarch64)  \n  Version 1.1.24\n",
		"musl libc\nVersion 1\n", "glibc\nVersion 1.2\n", "musl", "", "musl libc\nversion 1.2.3\n",
		"musl libc\r\nVersion 1.2.3\r\n", "muslx\nVersion 10.20abc\n",
	}
	var want []*[2]int
	pyref.Default(t).Run(t, muslScript, inputs, &want)
	for i, s := range inputs {
		got := parseMuslVersion(s)
		if (got == nil) != (want[i] == nil) || (got != nil && *got != *want[i]) {
			t.Errorf("parseMuslVersion(%q) = %v, packaging gives %v", s, got, want[i])
		}
	}
}

func TestParseGlibcVersion(t *testing.T) {
	tests := map[string][2]int{"2.36": {2, 36}, "2.20-2014.11": {2, 20}, "2": {-1, -1}, "": {-1, -1}, "x2.3": {-1, -1}, "3.0.1": {3, 0}}
	for in, want := range tests {
		if got := parseGlibcVersion(in); got != want {
			t.Errorf("parseGlibcVersion(%q) = %v, want %v", in, got, want)
		}
	}
}
