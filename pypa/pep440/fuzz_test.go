package pep440

import (
	"errors"
	"testing"
)

func FuzzParseVersion(f *testing.F) {
	for _, s := range trickyVersions {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			var verr *VersionError
			if !errors.As(err, &verr) || verr.Input != s {
				t.Fatalf("Parse(%q): error %v does not name the input", s, err)
			}
			return
		}
		norm := v.String()
		w, err := Parse(norm)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, norm, err)
		}
		if w.String() != norm || w.Compare(v) != 0 || v.Compare(w) != 0 {
			t.Fatalf("Parse(%q) = %q does not round-trip: %q", s, norm, w)
		}
		if c := v.Public().Compare(v); c > 0 || (c == 0) != (v.Local() == "") {
			t.Fatalf("%q: Public() %q compares %d", norm, v.Public(), c)
		}
		base := v.BaseVersion()
		if !v.IsPrerelease() && v.Compare(base) < 0 {
			t.Fatalf("%q is not a pre-release but sorts before its base %q", norm, base)
		}
		if v.IsPrerelease() && !v.IsPostrelease() && v.Public().Compare(base) >= 0 {
			t.Fatalf("%q is a pre-release but does not sort before its base %q", norm, base)
		}
	})
}

func FuzzCompare(f *testing.F) {
	f.Add("1.0", "1.0.0", "1.0+local")
	f.Add("1.0a1", "1.0.dev1", "1.0.post1.dev1")
	f.Add("1!0", "2.0", "1.0rc1.post1")
	f.Add("1.0+a.1", "1.0+1.a", "1.0+a")
	f.Add("1.0.99999999999999999999999", "1.0.18446744073709551616", "1.0.18446744073709551615")
	f.Fuzz(func(t *testing.T, as, bs, cs string) {
		a, errA := Parse(as)
		b, errB := Parse(bs)
		c, errC := Parse(cs)
		if errA != nil || errB != nil || errC != nil {
			return
		}
		if a.Compare(a) != 0 {
			t.Fatalf("%q != itself", a)
		}
		ab, ba := a.Compare(b), b.Compare(a)
		if ab != -ba || ab < -1 || ab > 1 {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		bc, ac := b.Compare(c), a.Compare(c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
		if ab == 0 && ac != bc {
			t.Fatalf("%q == %q but they compare differently with %q: %d, %d", a, b, c, ac, bc)
		}
		if ab == 0 && a.Local() == b.Local() && a.Public().Compare(b.Public()) != 0 {
			t.Fatalf("%q == %q but their public parts differ", a, b)
		}
	})
}

// fuzzProbes are versions every fuzzed specifier set is checked against.
var fuzzProbes = []Version{
	MustParse("0"), MustParse("1.0"), MustParse("1.0a1"), MustParse("1.0.post1"), MustParse("1.0+local"),
	MustParse("1.0.dev0"), MustParse("1.1"), MustParse("2!1.0"), MustParse("1.0.0.1"),
}

func FuzzParseSpecifierSet(f *testing.F) {
	for _, s := range trickySpecifiers {
		f.Add(s)
	}
	f.Add(">=1.0,!=1.5.*,<2; python_version")
	f.Add("~=1.4.5a4, ==1.4.*, ===foo")
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSpecifierSet(s)
		if err != nil {
			var serr *SpecifierError
			if !errors.As(err, &serr) || serr.Input != s || !errors.Is(err, ErrInvalidSpecifier) {
				t.Fatalf("ParseSpecifierSet(%q): error %v does not name the input", s, err)
			}
			return
		}
		norm := set.String()
		again, err := ParseSpecifierSet(norm)
		if err != nil {
			t.Fatalf("ParseSpecifierSet(%q).String() = %q, which does not parse: %v", s, norm, err)
		}
		if again.String() != norm {
			t.Fatalf("ParseSpecifierSet(%q) = %q does not round-trip: %q", s, norm, again)
		}
		if set.Intersect(set).String() != norm {
			t.Fatalf("%q & itself = %q", norm, set.Intersect(set))
		}
		for _, v := range fuzzProbes {
			for _, pre := range allPrereleases {
				if set.Contains(v, pre) != again.Contains(v, pre) {
					t.Fatalf("%q and its normal form %q disagree on %q", s, norm, v)
				}
			}
			want := true
			for _, spec := range set.Specifiers() {
				if again, err := ParseSpecifier(spec.String()); err != nil || again.String() != spec.String() {
					t.Fatalf("clause %q does not round-trip: %v", spec, err)
				}
				want = want && spec.Contains(v, PrereleasesAllow)
			}
			if set.Contains(v, PrereleasesAllow) != want {
				t.Fatalf("%q contains %q: set and clauses disagree", s, v)
			}
		}
	})
}
