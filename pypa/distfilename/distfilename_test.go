package distfilename

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/tags"
)

func tagStrings(ts []tags.Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	slices.Sort(out)
	return out
}

func TestParseWheel(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		version string
		build   BuildTag
		tags    []string
	}{
		{"foo-1.0-py3-none-any.whl", "foo", "1.0", BuildTag{}, []string{"py3-none-any"}},
		{"Foo.Bar_baz-2.0.0rc1-1abc-py2.py3-none-any.whl", "foo-bar-baz", "2.0.0rc1", BuildTag{true, 1, "abc"},
			[]string{"py2-none-any", "py3-none-any"}},
		{"numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "numpy", "1.26.4", BuildTag{},
			[]string{"cp312-cp312-manylinux2014_x86_64", "cp312-cp312-manylinux_2_17_x86_64"}},
		{"foo-1.0-007-py3-none-any.whl", "foo", "1.0", BuildTag{true, 7, ""}, []string{"py3-none-any"}},
		{"foo-1.0.POST1-PY3-NONE-ANY.whl", "foo", "1.0.post1", BuildTag{}, []string{"py3-none-any"}},
		{"föö-1.0-py3-none-any.whl", "föö", "1.0", BuildTag{}, []string{"py3-none-any"}},
	}
	for _, tt := range tests {
		w, err := ParseWheel(tt.in)
		if err != nil {
			t.Errorf("ParseWheel(%q): %v", tt.in, err)
			continue
		}
		if w.Name != tt.name || w.Version.String() != tt.version || w.Build != tt.build || !slices.Equal(tagStrings(w.Tags), tt.tags) {
			t.Errorf("ParseWheel(%q) = %s %s %+v %q, want %s %s %+v %q", tt.in,
				w.Name, w.Version, w.Build, tagStrings(w.Tags), tt.name, tt.version, tt.build, tt.tags)
		}
	}
}

func TestParseWheelErrors(t *testing.T) {
	for _, in := range []string{
		"foo-1.0-py3-none-any.zip", "foo-1.0-py3-none-any.WHL", "foo-py3-none-any.whl", "foo-1.0-1-2-py3-none-any.whl",
		"foo__bar-1.0-py3-none-any.whl", "-1.0-py3-none-any.whl", "foo bar-1.0-py3-none-any.whl",
		"foo-1.0a.b-py3-none-any.whl", "foo-1.0-x1-py3-none-any.whl", "foo-1.0--py3-none-any.whl",
		"foo-1.0-py3-none-.whl", "foo-1.0-3py-none-any.whl", "foo-1.0-99999999999999999999999-py3-none-any.whl", ".whl",
	} {
		_, err := ParseWheel(in)
		if err == nil {
			t.Errorf("ParseWheel(%q) succeeded, want an error", in)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseWheel(%q) error %q does not name the file", in, err)
		}
	}
}

func TestBuildTagCompare(t *testing.T) {
	ordered := []BuildTag{{}, {true, 0, ""}, {true, 1, ""}, {true, 1, "a"}, {true, 1, "b"}, {true, 2, ""}, {true, 10, ""}}
	for i, a := range ordered {
		for j, b := range ordered {
			if got, want := a.Compare(b), cmpInt(i, j); got != want {
				t.Errorf("%+v.Compare(%+v) = %d, want %d", a, b, got, want)
			}
		}
	}
	if s := (BuildTag{true, 7, "x"}).String(); s != "7x" {
		t.Errorf("String() = %q, want 7x", s)
	}
	if s := (BuildTag{}).String(); s != "" {
		t.Errorf("String() of no build tag = %q, want empty", s)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestParseSdist(t *testing.T) {
	tests := []struct{ in, name, version, format string }{
		{"foo-1.0.tar.gz", "foo", "1.0", ".tar.gz"},
		{"Foo_Bar-2.0.post1.zip", "foo-bar", "2.0.post1", ".zip"},
		{"foo-bar-1.0.tar.gz", "foo-bar", "1.0", ".tar.gz"},
		{"foo-1.0-2.tar.gz", "foo-1-0", "2", ".tar.gz"},
		{"foo bar-1.0.zip", "foo bar", "1.0", ".zip"},
	}
	for _, tt := range tests {
		s, err := ParseSdist(tt.in)
		if err != nil {
			t.Errorf("ParseSdist(%q): %v", tt.in, err)
			continue
		}
		if s.Name != tt.name || s.Version.String() != tt.version || s.Format != tt.format {
			t.Errorf("ParseSdist(%q) = %s %s %s, want %s %s %s", tt.in, s.Name, s.Version, s.Format, tt.name, tt.version, tt.format)
		}
	}
	for _, in := range []string{"foo-1.0.tar.bz2", "foo.tar.gz", "-1.0.tar.gz", "foo-.zip", "foo-bar.tar.gz", "foo-1.0.TAR.GZ"} {
		if _, err := ParseSdist(in); err == nil {
			t.Errorf("ParseSdist(%q) succeeded, want an error", in)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
			t.Errorf("ParseSdist(%q) error %q does not name the file", in, err)
		}
	}
}

func TestParseSdistFor(t *testing.T) {
	tests := []struct{ in, project, version string }{
		{"foo-1.0-2.tar.gz", "foo", "1.0.post2"},
		{"foo-bar-1.0.tar.gz", "foo-bar", "1.0"},
		{"Foo_Bar-1.0.zip", "foo.bar", "1.0"},
		{"foo-1.0.tar.gz", "FOO", "1.0"},
		{"foo-bar-1.0.tar.gz", "foo", ""}, // version "bar-1.0" is no version
		{"foo-1.0.tar.gz", "foo-bar", ""},
		{"foo-.tar.gz", "foo", ""},
		{"foo-1.0.egg", "foo", ""},
	}
	for _, tt := range tests {
		s, err := ParseSdistFor(tt.in, tt.project)
		switch {
		case tt.version == "" && err == nil:
			t.Errorf("ParseSdistFor(%q, %q) = %s %s, want an error", tt.in, tt.project, s.Name, s.Version)
		case tt.version == "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", tt.in)):
			t.Errorf("ParseSdistFor(%q, %q) error %q does not name the file", tt.in, tt.project, err)
		case tt.version != "" && err != nil:
			t.Errorf("ParseSdistFor(%q, %q): %v", tt.in, tt.project, err)
		case tt.version != "" && (s.Version.String() != tt.version || s.Name != strings.ToLower(strings.ReplaceAll(tt.project, ".", "-"))):
			t.Errorf("ParseSdistFor(%q, %q) = %s %s, want version %s", tt.in, tt.project, s.Name, s.Version, tt.version)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		kind   Kind
		format string
	}{
		{"foo-1.0-py3-none-any.whl", KindWheel, ".whl"},
		{"foo-1.0.tar.gz", KindSdist, ".tar.gz"},
		{"foo-1.0.zip", KindSdist, ".zip"},
		{"foo-1.0-py2.7.egg", KindUnsupported, ".egg"},
		{"foo-1.0.win32.exe", KindUnsupported, ".exe"},
		{"foo-1.0.tar.bz2", KindUnsupported, ".tar.bz2"},
		{"foo-1.0.tgz", KindUnsupported, ".tgz"},
		{"foo-1.0.tar.gz.asc", KindUnknown, ""},
		{"foo-1.0-py3-none-any.whl.metadata", KindUnknown, ""},
	}
	for _, tt := range tests {
		d, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if d.Kind != tt.kind || d.Format != tt.format || d.Filename != tt.in {
			t.Errorf("Parse(%q) = %v %q, want %v %q", tt.in, d.Kind, d.Format, tt.kind, tt.format)
		}
		if !strings.Contains(d.Describe(), tt.in) || !strings.Contains(d.Describe(), tt.kind.String()) && tt.kind != KindUnknown {
			t.Errorf("Parse(%q).Describe() = %q, want the file name and the kind", tt.in, d.Describe())
		}
	}
	if d, _ := Parse("foo-1.0-py3-none-any.whl"); d.Wheel.Name != "foo" {
		t.Errorf("Parse of a wheel does not fill Wheel: %+v", d)
	}
	if d, _ := Parse("foo-1.0.zip"); d.Sdist.Name != "foo" {
		t.Errorf("Parse of an sdist does not fill Sdist: %+v", d)
	}
	for _, in := range []string{"foo-1.0.whl", "foo.tar.gz"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", in)
		}
	}
}
