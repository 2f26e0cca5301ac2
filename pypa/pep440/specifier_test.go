package pep440

import (
	"errors"
	"strings"
	"testing"
)

func TestSpecifierContains(t *testing.T) {
	tests := []struct {
		spec, version string
		pre           Prereleases
		want          bool
	}{
		// Trailing zeros are insignificant.
		{"==1.0", "1.0.0", PrereleasesDefault, true},
		{"==1.0.0", "1", PrereleasesDefault, true},
		// == without a local label matches every local label.
		{"==1.0", "1.0+ubuntu.1", PrereleasesDefault, true},
		{"==1.0+ubuntu.1", "1.0+ubuntu-1", PrereleasesDefault, true},
		{"==1.0+ubuntu.1", "1.0", PrereleasesDefault, false},
		{"==1.0+ubuntu.1", "1.0+ubuntu.2", PrereleasesDefault, false},
		{"!=1.0", "1.0+x", PrereleasesDefault, false},
		{"!=1.0+x", "1.0", PrereleasesDefault, true},
		// Prefix matching.
		{"==1.2.*", "1.2", PrereleasesDefault, true},
		{"==1.2.*", "1.2.3.post1+x", PrereleasesDefault, true},
		{"==1.2.*", "1.2.dev0", PrereleasesAllow, true},
		{"==1.2.*", "1.3.dev0", PrereleasesAllow, false},
		{"==1.2.*", "1.20", PrereleasesDefault, false},
		{"==1.2.0.*", "1.2", PrereleasesDefault, true},
		{"!=1.2.*", "1.2.5", PrereleasesDefault, false},
		{"!=1.2.*", "1.3", PrereleasesDefault, true},
		{"==1!1.*", "1.1", PrereleasesDefault, false},
		// ~= needs the same prefix and at least the version.
		{"~=2.2", "2.3", PrereleasesDefault, true},
		{"~=2.2", "3.0", PrereleasesDefault, false},
		{"~=2.2", "3.0.dev0", PrereleasesAllow, false},
		{"~=2.2.0", "2.3", PrereleasesDefault, false},
		{"~=2.2.0", "2.2.9", PrereleasesDefault, true},
		{"~=1.4.5a4", "1.4.5", PrereleasesDefault, true},
		{"~=1.4.5a4", "1.4.5a3", PrereleasesDefault, false},
		// >V excludes V's post-releases and local versions, unless V is a post-release.
		{">1.7", "1.7.post2", PrereleasesDefault, false},
		{">1.7", "1.7+local", PrereleasesDefault, false},
		{">1.7", "1.7.1", PrereleasesDefault, true},
		{">1.7.post2", "1.7.post3", PrereleasesDefault, true},
		{">1.7.post2", "1.7.post2+x", PrereleasesDefault, false},
		{">1.7a1", "1.7a1.post1", PrereleasesDefault, false},
		{">1.7a1", "1.7a2", PrereleasesDefault, true},
		{">1.7.dev1", "1.7.dev2", PrereleasesDefault, true},
		{">1.7.dev1", "1.7.dev1+x", PrereleasesDefault, false},
		// <V excludes V's pre-releases unless V is one.
		{"<1.7", "1.7.dev0", PrereleasesAllow, false},
		{"<1.7", "1.7a1", PrereleasesAllow, false},
		{"<1.7", "1.6.9+x", PrereleasesDefault, true},
		{"<1.7rc1", "1.7a1", PrereleasesDefault, true},
		{"<1.7.post1", "1.7.post1.dev0", PrereleasesAllow, false},
		{"<1.7.post1", "1.7", PrereleasesDefault, true},
		{"<0", "0.dev0", PrereleasesAllow, false},
		// <= and >= include local versions of V.
		{"<=1.0", "1.0+x", PrereleasesDefault, true},
		{"<=1.0", "1.0.post0", PrereleasesDefault, false},
		{">=1.0", "1.0+x", PrereleasesDefault, true},
		{">=1.0", "1.0rc1", PrereleasesAllow, false},
		// The pre-release policy (packaging 26: a lone pre-release matches by default).
		{">=1.0", "2.0a1", PrereleasesDefault, true},
		{">=1.0", "2.0a1", PrereleasesAllow, true},
		{">=1.0", "2.0a1", PrereleasesExclude, false},
		{">=1.0rc1", "1.0rc2", PrereleasesExclude, false},
		{">=1.0", "2.0.post1.dev1", PrereleasesExclude, false},
		{">=1.0", "2.0.post1", PrereleasesExclude, true},
		// === compares the normal form of the candidate, ignoring case.
		{"===1.0", "1.0", PrereleasesDefault, true},
		{"===1.0", "1.0.0", PrereleasesDefault, false},
		{"===1.0", "v1.0", PrereleasesDefault, true},
		{"===1.0RC1", "1.0c1", PrereleasesDefault, true},
		{"===1.0rc1", "1.0c1", PrereleasesExclude, false},
		{"===1.0+\u212a", "1.0+k", PrereleasesDefault, true},
		{"===1.0+\u0130", "1.0+i", PrereleasesDefault, false},
		{"===foo", "1.0", PrereleasesDefault, false},
		// Huge numbers.
		{">18446744073709551615", "18446744073709551616", PrereleasesDefault, true},
		{"==99999999999999999999999.*", "99999999999999999999999.5", PrereleasesDefault, true},
		{"==18446744073709551615.*", "18446744073709551616", PrereleasesDefault, false},
		{"~=1.18446744073709551615", "1.18446744073709551616", PrereleasesDefault, true},
		{">1.0.dev18446744073709551615", "1.0.dev18446744073709551616", PrereleasesDefault, true},
	}
	for _, tt := range tests {
		spec := MustParseSpecifier(tt.spec)
		if got := spec.Contains(MustParse(tt.version), tt.pre); got != tt.want {
			t.Errorf("%q contains %q (prereleases=%v) = %v, want %v", tt.spec, tt.version, tt.pre, got, tt.want)
		}
		set := MustParseSpecifierSet(tt.spec)
		if got := set.Contains(MustParse(tt.version), tt.pre); got != tt.want {
			t.Errorf("set %q contains %q (prereleases=%v) = %v, want %v", tt.spec, tt.version, tt.pre, got, tt.want)
		}
	}
	var zero Specifier
	if !zero.Contains(MustParse("1.0"), PrereleasesDefault) || zero.String() != "" {
		t.Errorf("the zero Specifier should match everything")
	}
}

func TestParseSpecifier(t *testing.T) {
	tests := []struct{ in, op, version, str string }{
		{">=1.0", ">=", "1.0", ">=1.0"},
		{"  >=  1.0  ", ">=", "1.0", ">=1.0"},
		{"==1.2.*", "==", "1.2.*", "==1.2.*"},
		{"== v1.0RC1", "==", "v1.0RC1", "==v1.0RC1"},
		{"~=1.0", "~=", "1.0", "~=1.0"},
		{"!=1.0+Local", "!=", "1.0+Local", "!=1.0+Local"},
		{"<1", "<", "1", "<1"},
		{"===", "===", "", "==="},
		{"=== foo", "===", "foo", "===foo"},
		{"====1", "===", "=1", "====1"},
		{"\u00a0>\u30001.0", ">", "1.0", ">1.0"},
	}
	for _, tt := range tests {
		s, err := ParseSpecifier(tt.in)
		if err != nil {
			t.Errorf("ParseSpecifier(%q): %v", tt.in, err)
			continue
		}
		if s.Operator() != tt.op || s.Version() != tt.version || s.String() != tt.str {
			t.Errorf("ParseSpecifier(%q) = (%q, %q, %q), want (%q, %q, %q)", tt.in,
				s.Operator(), s.Version(), s.String(), tt.op, tt.version, tt.str)
		}
	}
}

func TestParseSpecifierErrors(t *testing.T) {
	tests := []struct{ in, wantInMessage string }{
		{"=>1.0", "expected an operator"},
		{"", "empty specifier"},
		{"1.0", "expected an operator"},
		{"~=1", "two release segments"},
		{"~=1.*", "prefix match"},
		{"==1.0.*+local", "prefix match (.*) must end"},
		{"==1.0a1.*", "cannot follow a pre-"},
		{">=1.0.*", "only allowed with == and !="},
		{"<=1.0+local", "local label is only allowed"},
		{"~=1.0+local", "local label is only allowed"},
		{">=", "missing version"},
		{"==1.0.x", `invalid version "1.0.x"`},
		{"===foo bar", "without whitespace"},
		{"===foo;", "without whitespace"},
		{"== 1.0 .*", "invalid version"},
	}
	for _, tt := range tests {
		_, err := ParseSpecifier(tt.in)
		if err == nil {
			t.Errorf("ParseSpecifier(%q) succeeded", tt.in)
			continue
		}
		var serr *SpecifierError
		if !errors.As(err, &serr) || serr.Input != tt.in || !errors.Is(err, ErrInvalidSpecifier) {
			t.Errorf("ParseSpecifier(%q): %v is not a *SpecifierError naming the input", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.wantInMessage) {
			t.Errorf("ParseSpecifier(%q): %q does not say %q", tt.in, err, tt.wantInMessage)
		}
	}
	_, err := ParseSpecifierSet(">=1.0, =>2")
	if err == nil || !strings.Contains(err.Error(), `">=1.0, =>2"`) || !strings.Contains(err.Error(), `"=>2"`) {
		t.Errorf("ParseSpecifierSet error %v should name the set and the clause", err)
	}
}

func TestSpecifierSet(t *testing.T) {
	tests := []struct {
		in, str string
		pre     bool
	}{
		{"", "", false},
		{" , ", "", false},
		{">=1.0,!=1.0.1", "!=1.0.1,>=1.0", false},
		{">=1.0, >=1.0.0", ">=1.0", false},
		{"~=1.0, ~=1.0.0", "~=1.0,~=1.0.0", false},
		{"<2,,>=1.0rc1", "<2,>=1.0rc1", true},
		{"!=1.0rc1", "!=1.0rc1", false},
		{"==1.0.*", "==1.0.*", false},
		{"===1.0a1", "===1.0a1", true},
	}
	for _, tt := range tests {
		s := MustParseSpecifierSet(tt.in)
		if s.String() != tt.str || s.Prereleases() != tt.pre {
			t.Errorf("ParseSpecifierSet(%q) = %q (prereleases %v), want %q (%v)", tt.in, s, s.Prereleases(), tt.str, tt.pre)
		}
	}
	var empty SpecifierSet
	if !empty.IsEmpty() || !empty.Contains(MustParse("1.0a1"), PrereleasesDefault) || empty.Contains(MustParse("1.0a1"), PrereleasesExclude) {
		t.Errorf("the zero SpecifierSet should be empty and match everything but excluded pre-releases")
	}
	a, b := MustParseSpecifierSet(">=1.0"), MustParseSpecifierSet("<2,!=1.5")
	both := a.Intersect(b)
	if both.String() != "!=1.5,<2,>=1.0" || len(a.Specifiers()) != 1 {
		t.Errorf("Intersect = %q; operands changed: %q", both, a)
	}
	for _, v := range []string{"0.9", "1.0", "1.5", "1.6", "2.0"} {
		pv := MustParse(v)
		if got, want := both.Contains(pv, PrereleasesDefault), a.Contains(pv, PrereleasesDefault) && b.Contains(pv, PrereleasesDefault); got != want {
			t.Errorf("(%q & %q) contains %q = %v, want %v", a, b, v, got, want)
		}
	}
}

func TestFilter(t *testing.T) {
	parse := func(list string) []Version {
		var vs []Version
		for _, s := range strings.Fields(list) {
			vs = append(vs, MustParse(s))
		}
		return vs
	}
	tests := []struct {
		set, in string
		pre     Prereleases
		want    string
	}{
		{">=1.2.3", "1.2 1.3 1.5a1", PrereleasesDefault, "1.3"},
		{">=1.2.3", "1.2 1.5a1 1.6b1", PrereleasesDefault, "1.5a1 1.6b1"},
		{">=1.2.3", "1.5a1 1.3 1.6b1", PrereleasesDefault, "1.3"},
		{">=1.2.3", "1.3 1.5a1", PrereleasesAllow, "1.3 1.5a1"},
		{">=1.2.3", "1.2 1.5a1", PrereleasesExclude, ""},
		{">=1.0rc1", "1.0rc2 1.0 1.1a1", PrereleasesDefault, "1.0rc2 1.0 1.1a1"},
		{">=1.0rc1", "1.0rc2 1.0 1.1a1", PrereleasesExclude, "1.0"},
		{"", "1.3 1.5a1", PrereleasesDefault, "1.3"},
		{"", "1.5a1", PrereleasesDefault, "1.5a1"},
		{"!=1.0rc1", "1.0rc2 1.0", PrereleasesDefault, "1.0"},
		{"<1", "1.0 2.0", PrereleasesDefault, ""},
	}
	for _, tt := range tests {
		got := MustParseSpecifierSet(tt.set).Filter(parse(tt.in), tt.pre)
		var names []string
		for _, v := range got {
			names = append(names, v.String())
		}
		if strings.Join(names, " ") != tt.want {
			t.Errorf("%q.Filter(%s, %v) = %v, want %s", tt.set, tt.in, tt.pre, names, tt.want)
		}
	}
}
