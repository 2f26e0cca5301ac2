package metadata

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

func TestParseTestdata(t *testing.T) {
	linux312 := pep508.Environment{
		"implementation_name": "cpython", "implementation_version": "3.12.1", "os_name": "posix",
		"platform_machine": "x86_64", "platform_release": "6.1", "platform_system": "Linux",
		"platform_version": "#1", "python_full_version": "3.12.1",
		"platform_python_implementation": "CPython", "python_version": "3.12", "sys_platform": "linux",
	}
	tests := []struct {
		file           string
		name, version  string
		requiresPython string
		requires       []string // String() of each Requires-Dist
		active         []string // names active with extras below
		extras         []string
		providesExtra  []string
		dynamic        []string
		static         map[string]bool
		summary        string
		descStart      string
		urls           int
	}{
		{
			file: "numpy-2.1.0.METADATA", name: "numpy", version: "2.1.0", requiresPython: ">=3.10",
			summary: "Fundamental package for array computing in Python", descStart: "<h1 align", urls: 6,
			static: map[string]bool{"Requires-Dist": false}, // Metadata-Version 2.1
		},
		{
			file: "requests-2.32.3.METADATA", name: "requests", version: "2.32.3", requiresPython: ">=3.8",
			requires: []string{"charset-normalizer<4,>=2", "idna<4,>=2.5", "urllib3<3,>=1.21.1", "certifi>=2017.4.17",
				`PySocks!=1.5.7,>=1.5.6; extra == "socks"`, `chardet<6,>=3.0.2; extra == "use-chardet-on-py3"`},
			extras: []string{"socks"}, active: []string{"charset-normalizer", "idna", "urllib3", "certifi", "PySocks"},
			providesExtra: []string{"security", "socks", "use-chardet-on-py3"},
			summary:       "Python HTTP for Humans.", descStart: "# Requests\n", urls: 2,
		},
		{
			file: "mypkg-0.3.0.PKG-INFO", name: "mypkg", version: "0.3.0", requiresPython: ">=3.9",
			requires: []string{"pyarrow>=14", `pandas>=2.0; python_version >= "3.9"`, `pytest; extra == "dev-tools"`},
			active:   []string{"pyarrow", "pandas"}, providesExtra: []string{"dev-tools"},
			dynamic: []string{"requires-dist", "provides-extra"},
			static:  map[string]bool{"Requires-Dist": false, "provides-extra": false, "Requires-Python": true, "Summary": true},
			summary: "An internal job library built from source", descStart: "mypkg\r\n        |=====",
		},
	}
	for _, tt := range tests {
		m, err := Parse(readTestdata(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if m.Name != tt.name || m.Version != tt.version || m.ParsedVersion.String() != tt.version {
			t.Errorf("%s: name %q version %q (%v)", tt.file, m.Name, m.Version, m.ParsedVersion)
		}
		if m.RequiresPython.String() != tt.requiresPython {
			t.Errorf("%s: Requires-Python %q, want %q", tt.file, m.RequiresPython.String(), tt.requiresPython)
		}
		var reqs, active []string
		for _, r := range m.RequiresDist {
			reqs = append(reqs, r.String())
			if r.Marker == nil || r.Marker.Evaluate(linux312, tt.extras) {
				active = append(active, r.Name)
			}
		}
		if !slices.Equal(reqs, tt.requires) {
			t.Errorf("%s: Requires-Dist %q, want %q", tt.file, reqs, tt.requires)
		}
		if !slices.Equal(active, tt.active) {
			t.Errorf("%s: active with extras %q: %q, want %q", tt.file, tt.extras, active, tt.active)
		}
		if !slices.Equal(m.ProvidesExtra, tt.providesExtra) || !slices.Equal(m.Dynamic, tt.dynamic) {
			t.Errorf("%s: Provides-Extra %q Dynamic %q, want %q %q", tt.file, m.ProvidesExtra, m.Dynamic, tt.providesExtra, tt.dynamic)
		}
		for field, want := range tt.static {
			if got := m.IsStatic(field); got != want {
				t.Errorf("%s: IsStatic(%q) = %v, want %v", tt.file, field, got, want)
			}
		}
		if m.Summary != tt.summary || !strings.HasPrefix(m.Description, tt.descStart) || len(m.ProjectURLs) != tt.urls {
			t.Errorf("%s: summary %q, description %.20q, %d project URLs", tt.file, m.Summary, m.Description, len(m.ProjectURLs))
		}
		if len(m.Unparsed) != 0 {
			t.Errorf("%s: unexpected unparsed fields %q", tt.file, m.Unparsed)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in    string
		field string
		line  int
		want  string // in the message
	}{
		{"Metadata-Version: 2.1\nVersion: 1.0\n", "Name", 0, "missing"},
		{"Name: a\nName: b\nVersion: 1.0\n", "Name", 0, "appears 2 times"},
		{"Name: caf\xe9\nVersion: 1.0\n", "Name", 0, "not UTF-8"},
		{"Name: bad name\nVersion: 1.0\n", "Name", 1, `"bad name"`},
		{"Name: ok\n", "Version", 0, "missing"},
		{"Name: ok\nVersion: one\n", "Version", 2, `invalid version "one"`},
		{"Name: ok\nVersion: 1.0\nRequires-Dist: idna\nRequires-Dist: bad req here\n", "Requires-Dist", 4, `ok 1.0: Requires-Dist (line 4): invalid requirement "bad req here"`},
		{"Name: ok\nVersion: 1.0\nRequires-Python: >=3.8.*\n", "Requires-Python", 3, ">=3.8.*"},
		{"Name: ok\nVersion: 1.0\nDynamic: Version\n", "Dynamic", 3, "cannot be dynamic"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in))
		var fe *FieldError
		if !errors.As(err, &fe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) error = %v, want a *FieldError", tt.in, err)
			continue
		}
		if fe.Field != tt.field || fe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v (field %s line %d), want field %s line %d containing %q", tt.in, err, fe.Field, fe.Line, tt.field, tt.line, tt.want)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	in := "Name: ok\nVersion: 1.0\nSummary: one\nsummary: two\nX-Thing: x\nProvides-Extra: Bad Extra\n" +
		"Dynamic: Foo\nKeywords: a, b\nDescription: d\n continued\n\nbody\n"
	m, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if m.Summary != "" || !slices.Equal(m.Unparsed["summary"], []string{"one", "two"}) || m.Unparsed["x-thing"] == nil {
		t.Errorf("repeated and unknown fields: Summary %q, Unparsed %q", m.Summary, m.Unparsed)
	}
	if !slices.Equal(m.Unparsed["description"], []string{"d\n continued", "body\n"}) || m.Description != "" {
		t.Errorf("description in field and body: %q / %q", m.Description, m.Unparsed["description"])
	}
	if !slices.Equal(m.ProvidesExtra, []string{"bad extra"}) || !slices.Equal(m.Dynamic, []string{"foo"}) {
		t.Errorf("tolerated fields: %q %q", m.ProvidesExtra, m.Dynamic)
	}
	if !slices.Equal(m.Keywords, []string{"a", "b"}) {
		t.Errorf("Keywords = %q", m.Keywords)
	}
}

func TestParseEmailShapes(t *testing.T) {
	tests := []struct {
		in      string
		headers []string // name=value
		body    string
	}{
		{"A: 1\nB:\t 2\n\nbody", []string{"A=1", "B=2"}, "body"},
		{"A: 1\r\n  more\r\n\tmore\r\n\r\nbody\r\n", []string{"A=1\r\n  more\r\n\tmore"}, "body\r\n"},
		{"A: 1\rB: 2\r", []string{"A=1", "B=2"}, ""},
		{" lead\nA: 1\n:x\nFrom me\nB: 2\n", []string{"A=1", "B=2"}, ""},
		{"A: 1\nFrom me\n\nrest", []string{"A=1"}, "From me\nrest"},
		{"From me\nA: 1", []string{"A=1"}, ""},
		{"A: 1\nB C: 2\nD: 3\n", []string{"A=1"}, "B C: 2\nD: 3\n"},
		{"A: 1\n\xffB: 2\n", []string{"A=1"}, "\xffB: 2\n"},
		{"A: x  \n", []string{"A=x  "}, ""},
		{"", nil, ""},
	}
	for _, tt := range tests {
		headers, body := parseEmail([]byte(tt.in))
		var got []string
		for _, h := range headers {
			got = append(got, h.name+"="+h.value)
		}
		if !slices.Equal(got, tt.headers) || string(body) != tt.body {
			t.Errorf("parseEmail(%q) = %q, body %q; want %q, %q", tt.in, got, body, tt.headers, tt.body)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range testdataFiles {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("Name: a\nVersion: 1\nRequires-Dist: b; extra == 'x'\n\n\xff"))
	f.Add([]byte("From x\n a\n:\nName: a\r\nVersion: 1\rDescription: x\n\tY\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		headers, body := parseEmail(data)
		if len(body) > len(data) {
			t.Fatalf("body longer than the input")
		}
		for _, h := range headers {
			if h.name == "" || strings.ContainsAny(h.name, ": \t\r\n") || strings.HasSuffix(h.value, "\n") || strings.HasSuffix(h.value, "\r") {
				t.Fatalf("bad header %q=%q", h.name, h.value)
			}
		}
		m, err := Parse(data)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Parse: error %T %v is not a *FieldError", err, err)
			}
			return
		}
		if m.Name == "" || m.Version == "" {
			t.Fatalf("Parse accepted metadata without name or version")
		}
		for _, r := range m.RequiresDist {
			if _, err := pep508.ParseRequirement(r.String()); err != nil && !strings.ContainsAny(r.String(), "\\\n\r\x00") {
				t.Fatalf("Requires-Dist %q does not round-trip: %v", r.String(), err)
			}
		}
	})
}
