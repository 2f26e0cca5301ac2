package tags

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil: an error
	}{
		{"py3-none-any", []string{"py3-none-any"}},
		{"py2.py3-none-any", []string{"py2-none-any", "py3-none-any"}},
		{"CP312-CP312-MANYLINUX_2_17_X86_64", []string{"cp312-cp312-manylinux_2_17_x86_64"}},
		{"cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
			[]string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"}},
		{"cp37.cp38-abi3.none-any", []string{"cp37-abi3-any", "cp37-none-any", "cp38-abi3-any", "cp38-none-any"}},
		{"py3.PY3-none-any", []string{"py3-none-any"}}, // duplicates after lower-casing
		{"_x-y-z", []string{"_x-y-z"}},
		{"py3-none", nil},
		{"py3-none-any-extra", nil},
		{"", nil},
		{"py3--any", nil},
		{"py3.-none-any", nil},
		{"py3-none-any.", nil},
		{"3py-none-any", nil},
		{"py-3-none-any", nil},
		{"p y-none-any", nil},
	}
	for _, tt := range tests {
		got, err := ParseTag(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("ParseTag(%q) = %v, want an error", tt.in, got)
			} else if !strings.Contains(err.Error(), tt.in) {
				t.Errorf("ParseTag(%q) error %q does not name the input", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseTag(%q): %v", tt.in, err)
			continue
		}
		if s := tagStrings(got); !slices.Equal(s, tt.want) {
			t.Errorf("ParseTag(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestParseTagLimit(t *testing.T) {
	many := strings.Repeat("a.", 200) + "a"
	if _, err := ParseTag(many + "-" + many + "-" + many); err == nil {
		t.Errorf("ParseTag of a set of 8 million tags succeeded, want an error")
	}
}

// parseTagCorpus is the seed corpus for FuzzParseTag and part of the
// differential inputs.
var parseTagCorpus = []string{
	"py3-none-any", "py2.py3-none-any", "cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64",
	"CP39-Cp39-Win_AMD64", "py3-none", "a-b-c-d", "", "-", "--", ".-.-.", "py3..py2-none-any",
	"1x-none-any", "x1-none-any", "_-_-_", "pp310-pypy310_pp73-macosx_10_9_x86_64",
	"cp313-cp313t-musllinux_1_2_aarch64", "ab.cd.ab-none-any", "é-none-any", "İ-none-any",
}

func FuzzParseTag(f *testing.F) {
	for _, s := range parseTagCorpus {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTag(s)
		if err != nil {
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) {
				t.Errorf("ParseTag(%q) error %q does not name the input", s, err)
			}
			return
		}
		if len(got) == 0 {
			t.Fatalf("ParseTag(%q) returned no tags and no error", s)
		}
		seen := map[Tag]bool{}
		for _, tag := range got {
			if seen[tag] {
				t.Errorf("ParseTag(%q) repeats %v", s, tag)
			}
			seen[tag] = true
			// Every tag is a member of the set the string spells, lower-cased.
			for _, part := range []string{tag.Interpreter, tag.ABI, tag.Platform} {
				if part == "" || strings.ContainsAny(part, "-.") {
					t.Errorf("ParseTag(%q) gives tag %v with part %q", s, tag, part)
				}
				if pyLower(part) != part {
					t.Errorf("ParseTag(%q) gives tag %v that is not lower case", s, tag)
				}
			}
			// A single tag reparses to itself.
			again, err := ParseTag(tag.String())
			if err != nil || len(again) != 1 || again[0] != tag {
				t.Errorf("ParseTag(%q) = %v, %v; want [%v]", tag.String(), again, err, tag)
			}
		}
		if parts := strings.Split(s, "-"); len(parts) == 3 {
			want := 1
			for _, p := range parts {
				want *= len(distinctLower(strings.Split(p, ".")))
			}
			if len(got) != want {
				t.Errorf("ParseTag(%q) gives %d tags, want %d (the product of distinct parts)", s, len(got), want)
			}
		}
	})
}

func distinctLower(list []string) []string {
	var out []string
	for _, s := range list {
		if l := pyLower(s); !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// generatedTagStrings combines fragments into many tag strings, valid and
// not, for the differential test. ASCII only: isIdentifier is exact there.
func generatedTagStrings() []string {
	interpreters := []string{"py3", "py2.py3", "cp312", "CP39.cp310", "pp310", "_", "3x", "x-y", "", "py3.", "a.b.c", "Py_3"}
	abis := []string{"none", "abi3", "cp312.abi3", "ABI3", "", ".", "none.none", "cp313t"}
	platforms := []string{"any", "manylinux_2_17_x86_64.manylinux2014_x86_64", "WIN_AMD64", "", "a..b", "macosx_11_0_arm64", "linux-x86_64"}
	var out []string
	for _, i := range interpreters {
		for _, a := range abis {
			for _, p := range platforms {
				out = append(out, i+"-"+a+"-"+p)
			}
		}
	}
	return append(out, parseTagCorpus[:len(parseTagCorpus)-2]...)
}

const parseTagScript = `
import json, sys
from packaging.tags import parse_tag
out = []
for s in json.load(sys.stdin):
    try:
        out.append(sorted(str(t) for t in parse_tag(s)))
    except ValueError:
        out.append(None)
print(json.dumps(out))
`

func TestParseTagDifferential(t *testing.T) {
	py := pyref.Default(t)
	inputs := generatedTagStrings()
	var want [][]string
	py.Run(t, parseTagScript, inputs, &want)
	if len(want) != len(inputs) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(inputs))
	}
	for i, s := range inputs {
		got, err := ParseTag(s)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("ParseTag(%q) = %v, packaging rejects it", s, got)
		case want[i] != nil && err != nil:
			t.Errorf("ParseTag(%q): %v; packaging gives %q", s, err, want[i])
		case err == nil:
			g := tagStrings(got)
			slices.Sort(g)
			if !slices.Equal(g, want[i]) {
				t.Errorf("ParseTag(%q) = %q, packaging gives %q", s, g, want[i])
			}
		}
	}
	t.Logf("%d tag strings compared with packaging", len(inputs))
}
