package pep440

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// familyVersions are versions close to each other: a few releases, each
// with every kind of suffix, so that specifiers built from them exercise
// the boundaries (post-releases of V, local versions of V, V.dev0...).
func familyVersions() []string {
	var vs []string
	for _, rel := range []string{"0", "0.0", "1", "1.0", "1.0.0", "1.1", "2.0", "1!1.0"} {
		for _, suffix := range []string{"", ".dev0", ".dev1", "a1", "a1.dev1", "a2", "b1", "rc1", "rc1.post1",
			".post0", ".post1", ".post1.dev1", ".post2", "+local", "+1", ".post1+x", "a1+0", ".dev1+x", "a1.post1"} {
			vs = append(vs, rel+suffix)
		}
	}
	return vs
}

// contentionSpecifiers returns specifiers built from familyVersions with
// every operator, plus prefix matches and arbitrary equality.
func contentionSpecifiers() []string {
	var specs []string
	for _, op := range []string{"==", "!=", "<=", ">=", "<", ">", "~="} {
		for _, v := range familyVersions() {
			if _, err := ParseSpecifier(op + v); err == nil {
				specs = append(specs, op+v)
			}
		}
	}
	for _, op := range []string{"==", "!="} {
		for _, prefix := range []string{"0", "1", "1.0", "1.0.0", "1.1", "2", "1!1", "0.0"} {
			specs = append(specs, op+prefix+".*")
		}
	}
	for _, v := range []string{"1.0", "1.0.0", "1.0A1", "1.0+LOCAL", "foo", "1.0a1", "1.0+\u212aK", "1.0.post1"} {
		specs = append(specs, "==="+v)
	}
	return specs
}

func pyPre(p Prereleases) any {
	switch p {
	case PrereleasesAllow:
		return true
	case PrereleasesExclude:
		return false
	}
	return nil
}

var allPrereleases = []Prereleases{PrereleasesDefault, PrereleasesAllow, PrereleasesExclude}

// genSpecifierString returns a specifier-like string, valid or not.
func genSpecifierString(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, genSpaces...))
	}
	op := pick(r, "==", "!=", "<=", ">=", "<", ">", "~=", "===")
	if r.IntN(12) == 0 {
		op = pick(r, "=>", "=<", "=", "~", "<>", "!", "", "====", "= =", "~==")
	}
	b.WriteString(op)
	if r.IntN(4) == 0 {
		b.WriteString(pick(r, genSpaces...))
	}
	switch r.IntN(6) {
	case 0:
		genRelease(r, &b)
		b.WriteString(".*")
	case 1:
		b.WriteString(genVersionString(r))
		b.WriteString(pick(r, ".*", "*", ".*.*", ".*+local"))
	case 2:
		b.WriteString(pick(r, "foo", "1.0;", "1.0)", "Foo-Bar", "1.0 1", "1.0a1", "\u212a", ""))
	default:
		b.WriteString(genVersionString(r))
	}
	if r.IntN(8) == 0 {
		b.WriteString(pick(r, genSpaces...))
	}
	s := b.String()
	if r.IntN(10) == 0 {
		s = damage(r, s)
	}
	return s
}

var trickySpecifiers = []string{
	"=>1.0", "=<1.0", "~=1", "~=1.*", "~=1.0.*", "==1.0.*+local", "==1.0+local.*", ">=1.0.*", "<1.0+local",
	"~=1.0+local", "==1.0a1.*", "==1.*.0", "== 1.0", "==\t1.0", " >= 1.0 ", "===", "=== ", "=== foo",
	"===foo bar", "===foo;", "===foo)", "===1.0\u00a0", "==v1.0", "==V1.*", ">=v1!1.0", "~=v1.0", "!=1.0.*",
	"!=1.0+abc", "!=1.0+ABC_1", "<=1!2.0.post1.dev1", ">1.0.post1", ">1.0.dev1", ">1.0a1.post1.dev1",
	"<0", "<0.dev0", "<0.0.0.dev0", "<0a0", "<=0.dev0", ">=0", "==0.*", "~=0.0", "~=1.0a1", "~=1.0.post1.dev1",
	"==1.0.0.0.0", "==01.0", ">=1.0RC1", "<2.0PRE1", "~=1.0c1", "==1.0-1", "==1.0_post", "==1.0.*.",
	"==1.0.* ", "== 1.0.*", "==1.0 .*", "== =1.0", ">==1.0", "==\u212a1.0", "~=1.0poſt1", "~=1.0prevıew",
	"<1.0\u00a0", "\u20031.0", "1.0", "", " ", ",", "==1.0,", "<>1.0", "==1.0a1.dev1.post1",
	"==18446744073709551616.0", ">18446744073709551615.0.post18446744073709551615", ">1.0.dev18446744073709551615",
	"~=1.99999999999999999999999", "==99999999999999999999999.*",
}

// pySpecifierScript parses each string with Specifier and reports its
// parts, or null when packaging rejects it. "usable" is false when the
// specifier parses but its version does not (packaging would fail an
// assertion when matching against it).
const pySpecifierScript = `
import json, sys
from packaging.specifiers import Specifier, InvalidSpecifier
from packaging.version import Version, InvalidVersion
out = []
for s in json.load(sys.stdin):
    try:
        spec = Specifier(s)
    except InvalidSpecifier:
        out.append(None)
        continue
    usable = True
    if spec.operator != "===":
        v = spec.version[:-2] if spec.version.endswith(".*") else spec.version
        try:
            Version(v)
        except InvalidVersion:
            usable = False
    out.append({"op": spec.operator, "version": spec.version, "str": str(spec),
                "pre": bool(spec.prereleases) if usable else False, "usable": usable})
print(json.dumps(out))
`

type pySpecifier struct {
	Op      string `json:"op"`
	Version string `json:"version"`
	Str     string `json:"str"`
	Pre     bool   `json:"pre"`
	Usable  bool   `json:"usable"`
}

func TestDifferentialParseSpecifier(t *testing.T) {
	interp := pyref.Default(t)
	r := newRand(5)
	in := append(append([]string{}, trickySpecifiers...), contentionSpecifiers()...)
	for i := 0; i < 5000; i++ {
		in = append(in, genSpecifierString(r))
	}
	var want []*pySpecifier
	interp.Run(t, pySpecifierScript, in, &want)
	valid, unusable := 0, 0
	for i, s := range in {
		spec, err := ParseSpecifier(s)
		w := want[i]
		switch {
		case w == nil && err == nil:
			t.Errorf("ParseSpecifier(%q) = %q, packaging rejects it", s, spec)
		case w != nil && !w.Usable:
			// packaging's specifier pattern backtracks where its version
			// pattern does not (or, for ~=, is not ASCII-only), so it
			// accepts a few specifiers whose version it cannot parse and
			// then fails an assertion in contains(). We reject them.
			unusable++
			if err == nil {
				t.Errorf("ParseSpecifier(%q) = %q, but packaging cannot parse its version", s, spec)
			}
		case w != nil && err != nil:
			t.Errorf("ParseSpecifier(%q): %v; packaging gives %q", s, err, w.Str)
		case w != nil:
			valid++
			got := pySpecifier{Op: spec.Operator(), Version: spec.Version(), Str: spec.String(), Pre: spec.Prereleases(), Usable: true}
			if got != *w {
				t.Errorf("ParseSpecifier(%q):\n got  %+v\n want %+v", s, got, *w)
			}
		}
	}
	t.Logf("%d specifiers compared with packaging: %d valid, %d valid in packaging but unusable", len(in), valid, unusable)
}

const pyContainsScript = `
import json, sys
from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version
data = json.load(sys.stdin)
cls = SpecifierSet if data["set"] else Specifier
specs = {}
out = []
for s, v, pre in data["cases"]:
    spec = specs.get(s)
    if spec is None:
        spec = specs[s] = cls(s)
    out.append(spec.contains(Version(v), prereleases=pre))
print(json.dumps(out))
`

type containsCase struct {
	spec, version string
	pre           Prereleases
}

func runContains(t *testing.T, set bool, cases []containsCase) {
	t.Helper()
	in := make([][]any, len(cases))
	for i, c := range cases {
		in[i] = []any{c.spec, c.version, pyPre(c.pre)}
	}
	var want []bool
	pyref.Default(t).Run(t, pyContainsScript, map[string]any{"set": set, "cases": in}, &want)
	bad := 0
	for i, c := range cases {
		v := MustParse(c.version)
		var got bool
		if set {
			got = MustParseSpecifierSet(c.spec).Contains(v, c.pre)
		} else {
			got = MustParseSpecifier(c.spec).Contains(v, c.pre)
		}
		if got != want[i] {
			if bad++; bad <= 60 {
				t.Errorf("%q contains %q (prereleases=%v): got %v, packaging %v", c.spec, c.version, c.pre, got, want[i])
			}
		}
	}
	if bad > 60 {
		t.Errorf("... %d disagreements in all", bad)
	}
}

func TestDifferentialSpecifierContains(t *testing.T) {
	r := newRand(6)
	pool := familyVersions()
	var cases []containsCase
	for _, spec := range contentionSpecifiers() {
		for i := 0; i < 12; i++ {
			v := pool[r.IntN(len(pool))]
			for _, pre := range allPrereleases {
				cases = append(cases, containsCase{spec, v, pre})
			}
		}
	}
	// Generated specifiers against generated versions, which reach
	// spellings and sizes the family pool does not.
	var generated []string
	for len(generated) < 300 {
		if s := genVersionString(r); func() bool { _, err := Parse(s); return err == nil }() {
			generated = append(generated, s)
		}
	}
	for n := 0; n < 1500; {
		spec := genSpecifierString(r)
		if _, err := ParseSpecifier(spec); err != nil {
			continue
		}
		n++
		for i := 0; i < 6; i++ {
			v := generated[r.IntN(len(generated))]
			if i%2 == 0 {
				v = pool[r.IntN(len(pool))]
			}
			cases = append(cases, containsCase{spec, v, allPrereleases[r.IntN(3)]})
		}
	}
	runContains(t, false, cases)
	t.Logf("%d (specifier, version, prereleases) triples compared with packaging", len(cases))
}

// randomSet joins one to three specifiers of specs.
func randomSet(r *rand.Rand, specs []string) string {
	n := r.IntN(4)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = specs[r.IntN(len(specs))]
	}
	return strings.Join(parts, ",")
}

func TestDifferentialSpecifierSetContains(t *testing.T) {
	r := newRand(7)
	pool := familyVersions()
	specs := contentionSpecifiers()
	var cases []containsCase
	for i := 0; i < 2000; i++ {
		set := randomSet(r, specs)
		for j := 0; j < 8; j++ {
			v := pool[r.IntN(len(pool))]
			for _, pre := range allPrereleases {
				cases = append(cases, containsCase{set, v, pre})
			}
		}
	}
	runContains(t, true, cases)
	t.Logf("%d (specifier set, version, prereleases) triples compared with packaging", len(cases))
}

const pyFilterScript = `
import json, sys
from packaging.specifiers import SpecifierSet
from packaging.version import Version
out = []
for s, vs, pre in json.load(sys.stdin):
    versions = [Version(v) for v in vs]
    out.append(list(SpecifierSet(s).filter(range(len(versions)), prereleases=pre, key=lambda i: versions[i])))
print(json.dumps(out))
`

func TestDifferentialFilter(t *testing.T) {
	r := newRand(8)
	pool := familyVersions()
	specs := contentionSpecifiers()
	type filterCase struct {
		set string
		vs  []string
		pre Prereleases
	}
	var cases []filterCase
	var in [][]any
	for i := 0; i < 1500; i++ {
		set := randomSet(r, specs)
		vs := make([]string, 1+r.IntN(10))
		for j := range vs {
			vs[j] = pool[r.IntN(len(pool))]
		}
		for _, pre := range allPrereleases {
			cases = append(cases, filterCase{set, vs, pre})
			in = append(in, []any{set, vs, pyPre(pre)})
		}
	}
	var want [][]int
	pyref.Default(t).Run(t, pyFilterScript, in, &want)
	bad := 0
	for i, c := range cases {
		versions := make([]Version, len(c.vs))
		for j, s := range c.vs {
			versions[j] = MustParse(s)
		}
		got := MustParseSpecifierSet(c.set).Filter(versions, c.pre)
		var wantVs []Version
		for _, j := range want[i] {
			wantVs = append(wantVs, versions[j])
		}
		if fmt.Sprint(got) != fmt.Sprint(wantVs) {
			if bad++; bad <= 40 {
				t.Errorf("SpecifierSet(%q).Filter(%v, %v) = %v, packaging %v", c.set, c.vs, c.pre, got, wantVs)
			}
		}
	}
	if bad > 40 {
		t.Errorf("... %d disagreements in all", bad)
	}
	t.Logf("%d filter calls compared with packaging", len(cases))
}

const pySpecifierSetScript = `
import json, sys
from packaging.specifiers import SpecifierSet, InvalidSpecifier
out = []
for s, other in json.load(sys.stdin):
    try:
        a = SpecifierSet(s)
    except InvalidSpecifier:
        out.append(None)
        continue
    b = SpecifierSet(other)
    n = len(a)  # before str(), which deduplicates the clauses in place
    out.append({"str": str(a), "pre": bool(a.prereleases), "len": n, "and": str(a & b)})
print(json.dumps(out))
`

func TestDifferentialSpecifierSetString(t *testing.T) {
	r := newRand(9)
	specs := contentionSpecifiers()
	dupes := []string{">=1.0", ">=1.0.0", ">= 1.0", ">=01.0", "~=1.0", "~=1.0.0", "==1.0+local", "==1.0.0+local",
		"==1.0.*", "==1.0.0.*", "===1.0", "===1.0.0", "!=1.0a1", "!=1.0.0a1", "<2", "<2.0", "==1.0", "==v1.0", "==1.0.post0"}
	in := [][2]string{{"", ""}, {",", ""}, {" , ,", ">=1"}, {">=1.0,,<2", ""}, {"<2 , >=1.0 ,", "!=1.5"}}
	for i := 0; i < 3000; i++ {
		var parts []string
		for n := r.IntN(5); n > 0; n-- {
			switch r.IntN(4) {
			case 0:
				parts = append(parts, pick(r, dupes...))
			case 1:
				parts = append(parts, genSpecifierString(r))
			case 2:
				parts = append(parts, pick(r, "", " ", "\t"))
			default:
				parts = append(parts, pick(r, specs...))
			}
		}
		in = append(in, [2]string{strings.Join(parts, pick(r, ",", ", ", " ,")), randomSet(r, dupes)})
	}
	var want []*struct {
		Str string `json:"str"`
		Pre bool   `json:"pre"`
		Len int    `json:"len"`
		And string `json:"and"`
	}
	pyref.Default(t).Run(t, pySpecifierSetScript, in, &want)
	valid := 0
	for i, pair := range in {
		s := pair[0]
		set, err := ParseSpecifierSet(s)
		w := want[i]
		switch {
		case w == nil && err == nil:
			t.Errorf("ParseSpecifierSet(%q) = %q, packaging rejects it", s, set)
		case w != nil && err != nil:
			if containsUnusable(s) {
				continue // see TestDifferentialParseSpecifier
			}
			t.Errorf("ParseSpecifierSet(%q): %v; packaging gives %q", s, err, w.Str)
		case w != nil:
			valid++
			and := set.Intersect(MustParseSpecifierSet(pair[1])).String()
			if set.String() != w.Str || set.Prereleases() != w.Pre || len(set.Specifiers()) != w.Len || and != w.And {
				t.Errorf("ParseSpecifierSet(%q): got %q pre=%v len=%d &=%q, packaging %q pre=%v len=%d &=%q",
					s, set, set.Prereleases(), len(set.Specifiers()), and, w.Str, w.Pre, w.Len, w.And)
			}
			if set.IsEmpty() != (w.Len == 0) {
				t.Errorf("ParseSpecifierSet(%q).IsEmpty() = %v", s, set.IsEmpty())
			}
		}
	}
	t.Logf("%d specifier sets compared with packaging, %d valid", len(in), valid)
}

// containsUnusable reports whether a clause of s is one packaging accepts
// although it cannot parse its version (a non-ASCII letter after ~=).
func containsUnusable(s string) bool {
	return strings.ContainsAny(s, "\u212a\u0130\u0131\u017f")
}
