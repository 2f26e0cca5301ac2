package pep440

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// pyParseScript parses each string with packaging.version.Version and
// prints what it knows of it, or null when it is invalid. It runs on every
// CPython from 3.7, so it avoids newer syntax.
const pyParseScript = `
import json, sys
from packaging.version import Version, InvalidVersion
out = []
for s in json.load(sys.stdin):
    try:
        v = Version(s)
    except InvalidVersion:
        out.append(None)
        continue
    out.append({
        "str": str(v),
        "epoch": str(v.epoch),
        "release": [str(n) for n in v.release],
        "pre": None if v.pre is None else v.pre[0] + str(v.pre[1]),
        "post": None if v.post is None else str(v.post),
        "dev": None if v.dev is None else str(v.dev),
        "local": v.local,
        "public": v.public,
        "base": v.base_version,
        "is_pre": v.is_prerelease,
        "is_post": v.is_postrelease,
        "is_dev": v.is_devrelease,
    })
print(json.dumps(out))
`

type pyVersion struct {
	Str     string   `json:"str"`
	Epoch   string   `json:"epoch"`
	Release []string `json:"release"`
	Pre     *string  `json:"pre"`
	Post    *string  `json:"post"`
	Dev     *string  `json:"dev"`
	Local   *string  `json:"local"`
	Public  string   `json:"public"`
	Base    string   `json:"base"`
	IsPre   bool     `json:"is_pre"`
	IsPost  bool     `json:"is_post"`
	IsDev   bool     `json:"is_dev"`
}

// describe renders our view of v in the shape of pyVersion.
func describe(v Version) pyVersion {
	opt := func(ok bool, s string) *string {
		if !ok {
			return nil
		}
		return &s
	}
	label, _ := v.Pre()
	return pyVersion{
		Str:     v.String(),
		Epoch:   v.epoch.String(),
		Release: v.ReleaseDigits(),
		Pre:     opt(label != "", label+v.preN.String()),
		Post:    opt(v.hasPost, v.post.String()),
		Dev:     opt(v.hasDev, v.dev.String()),
		Local:   opt(v.local != nil, v.Local()),
		Public:  v.Public().String(),
		Base:    v.BaseVersion().String(),
		IsPre:   v.IsPrerelease(),
		IsPost:  v.IsPostrelease(),
		IsDev:   v.IsDevrelease(),
	}
}

// versionInputs returns the tricky list and n generated strings.
func versionInputs(n int, seed uint64) []string {
	r := newRand(seed)
	in := slices.Clone(trickyVersions)
	for len(in) < len(trickyVersions)+n {
		in = append(in, genVersionString(r))
	}
	return in
}

func compareParse(t *testing.T, interp pyref.Interpreter, in []string) (valid int) {
	t.Helper()
	var want []*pyVersion
	interp.Run(t, pyParseScript, in, &want)
	if len(want) != len(in) {
		t.Fatalf("reference returned %d results for %d inputs", len(want), len(in))
	}
	for i, s := range in {
		v, err := Parse(s)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("Parse(%q) = %q, packaging rejects it", s, v)
		case want[i] != nil && err != nil:
			t.Errorf("Parse(%q): %v; packaging gives %q", s, err, want[i].Str)
		case want[i] != nil:
			valid++
			if got, want := jsonString(describe(v)), jsonString(*want[i]); got != want {
				t.Errorf("Parse(%q):\n got  %s\n want %s", s, got, want)
			}
		}
	}
	return valid
}

func TestDifferentialParse(t *testing.T) {
	interp := pyref.Default(t)
	in := versionInputs(8000, 1)
	valid := compareParse(t, interp, in)
	t.Logf("%d strings compared with packaging, %d valid", len(in), valid)
	if valid < len(in)/4 || valid > len(in)*3/4 {
		t.Errorf("generator balance: %d of %d valid; the comparison is weak", valid, len(in))
	}
}

// pyOrderScript prints, for each version, a row of '<', '=' or '>'
// comparing it with every version.
const pyOrderScript = `
import json, sys
from packaging.version import Version
vs = [Version(s) for s in json.load(sys.stdin)]
rows = []
for a in vs:
    rows.append("".join("<" if a < b else (">" if a > b else "=") for b in vs))
print(json.dumps(rows))
`

// orderingVersions returns valid versions chosen to be close to each
// other (same release with every suffix) plus generated ones.
func orderingVersions(generated int, seed uint64) []string {
	var vs []string
	for _, rel := range []string{"1", "1.0", "1.0.0", "1.0.1", "1!1.0", "0", "0.0"} {
		for _, suffix := range []string{"", ".dev0", ".dev1", "a1", "a1.dev1", "a2", "b1", "rc1", "rc1.post1",
			"rc1.post1.dev0", ".post0", ".post1", ".post1.dev1", "+local", "+1", "+a.1", "+a.b", "+1.a",
			".post1+x", "a1+0", ".dev1+x"} {
			vs = append(vs, rel+suffix)
		}
	}
	r := newRand(seed)
	for n := 0; n < generated; {
		s := genVersionString(r)
		if _, err := Parse(s); err == nil {
			vs = append(vs, s)
			n++
		}
	}
	return vs
}

func compareOrdering(t *testing.T, interp pyref.Interpreter, vs []string) {
	t.Helper()
	var rows []string
	interp.Run(t, pyOrderScript, vs, &rows)
	parsed := make([]Version, len(vs))
	for i, s := range vs {
		parsed[i] = MustParse(s)
	}
	bad := 0
	for i := range vs {
		for j := range vs {
			got := "<=>"[parsed[i].Compare(parsed[j])+1]
			if got != rows[i][j] {
				if bad++; bad <= 50 {
					t.Errorf("Compare(%q, %q): got %c, packaging %c", vs[i], vs[j], got, rows[i][j])
				}
			}
		}
	}
	if bad > 50 {
		t.Errorf("... %d disagreements in all", bad)
	}
}

func TestDifferentialOrdering(t *testing.T) {
	interp := pyref.Default(t)
	vs := orderingVersions(250, 2)
	compareOrdering(t, interp, vs)
	t.Logf("%d pairs of %d versions compared with packaging", len(vs)*len(vs), len(vs))
}

// TestDifferentialAllInterpreters compares parsing and ordering with the
// packaging release of every local CPython. Older releases differ in
// known ways, documented in olderPackagingDifferences.
func TestDifferentialAllInterpreters(t *testing.T) {
	for _, interp := range pyref.All(t) {
		t.Run(interp.Name(), func(t *testing.T) {
			in := versionInputs(1500, 3)
			var pkgVersion string
			interp.Run(t, `import json, packaging; print(json.dumps(packaging.__version__))`, nil, &pkgVersion)
			in = slices.DeleteFunc(in, func(s string) bool { return olderPackagingDifferences(pkgVersion, s) })
			valid := compareParse(t, interp, in)
			compareOrdering(t, interp, orderingVersions(60, 4))
			t.Logf("packaging %s: %d strings (%d valid) and ordering compared", pkgVersion, len(in), valid)
		})
	}
}

// olderPackagingDifferences reports inputs on which an older packaging
// release is known to disagree with 26.3, which we follow.
//
// Before 26.0 the version pattern was not ASCII-only: with re.IGNORECASE,
// Python matches the Kelvin sign, dotless i, dotted capital I and long s
// against the ASCII letters k, i and s, so packaging 24.0 accepts
// "1.0+\u212a" as "1.0+k" and "1.0po\u017ft1" as "1.0.post1". 26.x rejects
// them, as PEP 440 (ASCII only) says.
func olderPackagingDifferences(pkgVersion, s string) bool {
	if MustParse(pkgVersion).Compare(MustParse("26")) >= 0 {
		return false
	}
	return strings.ContainsAny(s, "\u212a\u0130\u0131\u017f")
}

func jsonString(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		panic(err)
	}
	return string(b)
}
