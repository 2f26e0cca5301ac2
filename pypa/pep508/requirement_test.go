package pep508

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in         string
		str        string
		normalized string
		extras     []string // normalised
		url        string
		marker     string
	}{
		{"requests", "requests", "requests", nil, "", ""},
		{" Foo.Bar [Socks , security,Socks] >= 2.8.1 , == 2.8.* ; python_version<'2.7'",
			`Foo.Bar[Socks,security]==2.8.*,>=2.8.1; python_version < "2.7"`, "foo-bar", []string{"security", "socks"}, "", `python_version < "2.7"`},
		{"name (>=1.0)", "name>=1.0", "name", nil, "", ""},
		{"name(>=1.0 ,<2)", "name<2,>=1.0", "name", nil, "", ""},
		{"pip @ https://github.com/pypa/pip/archive/1.3.1.zip", "pip @ https://github.com/pypa/pip/archive/1.3.1.zip", "pip", nil, "https://github.com/pypa/pip/archive/1.3.1.zip", ""},
		{"pip@file:///tmp/pip.whl ; os.name == 'posix'", `pip @ file:///tmp/pip.whl ; os_name == "posix"`, "pip", nil, "file:///tmp/pip.whl", `os_name == "posix"`},
		{"zope_interface[A.B]; extra == 'Test_X'", `zope_interface[A.B]; extra == "test-x"`, "zope-interface", []string{"a-b"}, "", `extra == "test-x"`},
		{"a[]", "a", "a", nil, "", ""},
		{"a===1.0-foo", "a===1.0-foo", "a", nil, "", ""},
		{"a\t>=\t1.0", "a>=1.0", "a", nil, "", ""},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.str {
			t.Errorf("ParseRequirement(%q).String() = %q, want %q", tt.in, got, tt.str)
		}
		if got := r.NormalizedName(); got != tt.normalized {
			t.Errorf("ParseRequirement(%q).NormalizedName() = %q, want %q", tt.in, got, tt.normalized)
		}
		if got := r.NormalizedExtras(); !slices.Equal(got, tt.extras) && len(got)+len(tt.extras) > 0 {
			t.Errorf("ParseRequirement(%q).NormalizedExtras() = %q, want %q", tt.in, got, tt.extras)
		}
		if r.URL != tt.url {
			t.Errorf("ParseRequirement(%q).URL = %q, want %q", tt.in, r.URL, tt.url)
		}
		if got := r.Marker.String(); got != tt.marker {
			t.Errorf("ParseRequirement(%q).Marker = %q, want %q", tt.in, got, tt.marker)
		}
	}
}

func TestParseRequirementErrors(t *testing.T) {
	tests := []struct {
		in         string
		start, end int
		reason     string
	}{
		{"", 0, 0, "project name"},
		{"-foo", 0, 0, "project name"},
		{"foo bar", 4, 4, `expected ";" or the end after the name`},
		{"foo >=1.0 bar", 4, 10, `expected "," (within the version specifier)`},
		{"foo[a b]", 6, 6, `"," between extra names`},
		{"foo[a,]", 6, 6, "extra name"},
		{"foo[a", 3, 5, `"]"`},
		{"foo (>=1.0", 4, 10, `")"`},
		{"foo >=1.0.*", 4, 10, `".*" suffix is only allowed`},
		{"foo ==1.0a1.*", 4, 12, `cannot follow a pre-release`},
		{"foo <1.0+local", 4, 8, "local version label"},
		{"foo @ ", 6, 6, "URL"},
		{"foo @ https://x.y; os_name == 'a'", 6, 19, `expected ";" or the end after the URL`},
		{"foo; os_name = 'a'", 13, 13, "marker operator"},
		{"foo; os_name == 'a", 16, 16, "marker variable"},
		{"foo; os_name == 'a' or", 22, 22, "marker variable"},
		{"foo; (os_name == 'a'", 5, 20, `")"`},
		{"foo; os_name == 'a\\'", 16, 20, "invalid quoted string"},
		{"foo\xff", 3, 4, "UTF-8"},
	}
	for _, tt := range tests {
		_, err := ParseRequirement(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseRequirement(%q) error = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Start != tt.start || se.End != tt.end || !strings.Contains(se.Reason, tt.reason) {
			t.Errorf("ParseRequirement(%q) error at [%d,%d) %q, want [%d,%d) containing %q", tt.in, se.Start, se.End, se.Reason, tt.start, tt.end, tt.reason)
		}
		if !strings.Contains(err.Error(), "column") {
			t.Errorf("ParseRequirement(%q) error %q does not say where", tt.in, err)
		}
	}
}

// roundTrips reports whether String() of a parsed value can be expected to
// parse back to itself: packaging writes values without escaping, so a
// value holding a backslash, a line break or NUL does not.
func roundTrips(s string) bool { return !strings.ContainsAny(s, "\\\n\r\x00") }

// lexicalName is what packaging accepts as a name: the PEP 508 name, or one
// that ends in "_" (which packaging's tokenizer lets through).
var lexicalName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9_])?$`)

func FuzzParseRequirement(f *testing.F) {
	for _, s := range requirementCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Start < 0 || se.Start > se.End || se.End > len(s) {
				t.Fatalf("ParseRequirement(%q): bad error %#v", s, err)
			}
			return
		}
		if !lexicalName.MatchString(r.Name) {
			t.Fatalf("ParseRequirement(%q) accepted the invalid name %q", s, r.Name)
		}
		if r.NormalizedName() != pep503.Normalize(r.Name) {
			t.Fatalf("ParseRequirement(%q).NormalizedName() = %q", s, r.NormalizedName())
		}
		if r.URL != "" && !r.Specifier.IsEmpty() {
			t.Fatalf("ParseRequirement(%q) has both a URL and a specifier", s)
		}
		str := r.String()
		if !roundTrips(str) {
			return
		}
		again, err := ParseRequirement(str)
		if err != nil {
			t.Fatalf("ParseRequirement(%q).String() = %q does not parse: %v", s, str, err)
		}
		if again.String() != str {
			t.Fatalf("ParseRequirement(%q).String() = %q, which parses to %q", s, str, again.String())
		}
	})
}
