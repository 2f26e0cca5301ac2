package distfilename

import (
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// generatedWheelNames combines valid and invalid fragments into wheel file
// names. ASCII, plus a few letters, since Python's \w and Go's Unicode
// categories may differ on exotic characters.
func generatedWheelNames() []string {
	names := []string{"foo", "Foo.Bar_baz", "a", "foo__bar", "foo-bar", "", "föö", "1a", "_x", "a.", "a b"}
	versions := []string{"1.0", "2.0.0rc1", "1.0.POST1", "v1!2.3+local.7", "1.0a.b", "", " 1.0", "1.0_dev3"}
	builds := []string{"", "-1", "-007abc", "-x1", "-", "-12_3"}
	tagSets := []string{"py3-none-any", "py2.py3-none-any", "CP312-cp312-MANYLINUX_2_17_x86_64.manylinux2014_x86_64",
		"py3-none", "3py-none-any", "py3--any", "py3-none-any-x"}
	var out []string
	for _, n := range names {
		for _, v := range versions {
			for _, b := range builds {
				for _, ts := range tagSets {
					out = append(out, n+"-"+v+b+"-"+ts+".whl")
				}
			}
		}
	}
	return append(out, wheelCorpus...)
}

var wheelCorpus = []string{
	"foo-1.0-py3-none-any.whl", "foo-1.0-1-py3-none-any.whl", "foo-1.0-py3-none-any", "foo.whl",
	"foo-1.0-1-2-3-py3-none-any.whl", "-----.whl", "a-1-b-c-d.whl", "numpy-1.26.4-cp312-cp312-win_amd64.whl",
}

const wheelScript = `
import json, sys
from packaging.utils import parse_wheel_filename
out = []
for s in json.load(sys.stdin):
    try:
        name, version, build, tags = parse_wheel_filename(s)
    except ValueError:
        out.append(None)
        continue
    out.append({"name": name, "version": str(version), "build": list(build), "tags": sorted(str(t) for t in tags)})
print(json.dumps(out))
`

type wheelAnswer struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Build   []any    `json:"build"`
	Tags    []string `json:"tags"`
}

func TestParseWheelDifferential(t *testing.T) {
	inputs := generatedWheelNames()
	var want []*wheelAnswer
	pyref.Default(t).Run(t, wheelScript, inputs, &want)
	if len(want) != len(inputs) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(inputs))
	}
	accepted := 0
	for i, in := range inputs {
		w, err := ParseWheel(in)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("ParseWheel(%q) = %+v, packaging rejects it", in, w)
		case want[i] != nil && err != nil:
			t.Errorf("ParseWheel(%q): %v; packaging gives %+v", in, err, *want[i])
		case err == nil:
			accepted++
			wantBuild := BuildTag{}
			if b := want[i].Build; len(b) == 2 {
				wantBuild = BuildTag{Present: true, Number: int(b[0].(float64)), Suffix: b[1].(string)}
			}
			if w.Name != want[i].Name || w.Version.String() != want[i].Version || w.Build != wantBuild ||
				!slices.Equal(tagStrings(w.Tags), want[i].Tags) {
				t.Errorf("ParseWheel(%q) = %s %s %+v %q, packaging gives %+v", in, w.Name, w.Version, w.Build, tagStrings(w.Tags), *want[i])
			}
		}
	}
	t.Logf("%d wheel names compared with packaging, %d valid", len(inputs), accepted)
}

func generatedSdistNames() []string {
	names := []string{"foo", "Foo.Bar_baz", "foo-bar", "", "a b", "föö", "foo-1.0", "-"}
	versions := []string{"1.0", "2.0.0rc1", "1.0.POST1", "v1!2.3+local.7", "1.0a.b", "", "1.0-2", "bar-1.0"}
	var out []string
	for _, n := range names {
		for _, v := range versions {
			for _, ext := range []string{".tar.gz", ".zip", ".tar.bz2", ".TAR.GZ", ""} {
				out = append(out, n+"-"+v+ext)
			}
		}
	}
	return append(out, "foo.tar.gz", ".zip", "-.zip", "foo-1.0.tar.gz.zip")
}

const sdistScript = `
import json, sys
from packaging.utils import parse_sdist_filename
out = []
for s in json.load(sys.stdin):
    try:
        name, version = parse_sdist_filename(s)
    except ValueError:
        out.append(None)
        continue
    out.append([name, str(version)])
print(json.dumps(out))
`

func TestParseSdistDifferential(t *testing.T) {
	inputs := generatedSdistNames()
	var want [][]string
	pyref.Default(t).Run(t, sdistScript, inputs, &want)
	if len(want) != len(inputs) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(inputs))
	}
	for i, in := range inputs {
		s, err := ParseSdist(in)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("ParseSdist(%q) = %s %s, packaging rejects it", in, s.Name, s.Version)
		case want[i] != nil && err != nil:
			t.Errorf("ParseSdist(%q): %v; packaging gives %q", in, err, want[i])
		case err == nil && (s.Name != want[i][0] || s.Version.String() != want[i][1]):
			t.Errorf("ParseSdist(%q) = %s %s, packaging gives %q", in, s.Name, s.Version, want[i])
		}
	}
	t.Logf("%d sdist names compared with packaging", len(inputs))
}

// pipSdistScript asks pip's index finder for the version of each file name
// when looking for each project, then checks the version with packaging.
const pipSdistScript = `
import json, sys
try:
    from pip._internal.index.package_finder import _extract_version_from_fragment
except ImportError:
    print(json.dumps({"pip": False}))
    sys.exit(0)
from packaging.utils import canonicalize_name
from packaging.version import Version, InvalidVersion
out = []
for filename, project in json.load(sys.stdin):
    stem = filename[:-len(".tar.gz")] if filename.endswith(".tar.gz") else filename[:-len(".zip")]
    version = _extract_version_from_fragment(stem, canonicalize_name(project))
    try:
        out.append(None if version is None else str(Version(version)))
    except InvalidVersion:
        out.append(None)
print(json.dumps({"pip": True, "versions": out}))
`

func TestParseSdistForDifferential(t *testing.T) {
	var cases [][2]string
	projects := []string{"foo", "foo-bar", "Foo_Bar", "foo.1", "bar"}
	for _, name := range generatedSdistNames() {
		if !strings.HasSuffix(name, ".tar.gz") && !strings.HasSuffix(name, ".zip") {
			continue
		}
		for _, p := range projects {
			cases = append(cases, [2]string{name, p})
		}
	}
	var answer struct {
		Pip      bool      `json:"pip"`
		Versions []*string `json:"versions"`
	}
	pyref.Default(t).Run(t, pipSdistScript, cases, &answer)
	if !answer.Pip {
		t.Skip("the reference interpreter has no pip")
	}
	want := answer.Versions
	if len(want) != len(cases) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(cases))
	}
	for i, c := range cases {
		s, err := ParseSdistFor(c[0], c[1])
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("ParseSdistFor(%q, %q) = %s, pip finds no version", c[0], c[1], s.Version)
		case want[i] != nil && err != nil:
			t.Errorf("ParseSdistFor(%q, %q): %v; pip finds %s", c[0], c[1], err, *want[i])
		case err == nil && s.Version.String() != *want[i]:
			t.Errorf("ParseSdistFor(%q, %q) = %s, pip finds %s", c[0], c[1], s.Version, *want[i])
		}
	}
	t.Logf("%d (sdist, project) pairs compared with pip's index finder", len(cases))
}
