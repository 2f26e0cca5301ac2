package pep508

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// pyRequirementScript parses each requirement with packaging and prints
// what it made of it, or the error span.
const pyRequirementScript = `
import json, sys
from packaging.requirements import Requirement, InvalidRequirement
out = []
for s in json.load(sys.stdin):
    try:
        r = Requirement(s)
        out.append({"ok": True, "str": str(r), "name": r.name, "extras": sorted(r.extras),
                    "specifier": str(r.specifier), "url": r.url or "",
                    "marker": None if r.marker is None else str(r.marker)})
    except InvalidRequirement as e:
        span = getattr(e.__cause__, "span", None)
        out.append({"ok": False, "error": str(e), "span": span})
    except ValueError as e:  # str() of a value holding both quote characters
        out.append({"ok": False, "error": "str: " + str(e), "span": None})
json.dump(out, sys.stdout)
`

type pyRequirement struct {
	OK        bool     `json:"ok"`
	Str       string   `json:"str"`
	Name      string   `json:"name"`
	Extras    []string `json:"extras"`
	Specifier string   `json:"specifier"`
	URL       string   `json:"url"`
	Marker    *string  `json:"marker"`
	Error     string   `json:"error"`
	Span      []int    `json:"span"`
}

// requirementCases are hand-written tricky inputs; the generated ones follow.
var requirementCases = []string{
	"requests", "requests[security,socks]>=2.8.1,==2.8.*;python_version<'2.7'",
	"name (>=1.0)", "name(>=1.0,<2)", "name ( >= 1.0 , < 2 )", "name>=1.0 ; os_name=='a'",
	"name @ https://x/y.whl", "name@https://x/y.whl", "name @ https://x/y.whl;os_name=='a'",
	"name @ https://x/y.whl ;os_name=='a'", "name @ https://x/y.whl\t; os_name=='a'", "name @ ",
	"name @ file:///tmp/x", "name @ https://x/y.whl  ", "name[] >= 1", "name[ ]", "name[a b]", "name[a,]",
	"name[a", "name(>=1", "name>=1.0.*", "name==1.0.*", "name!=1.0a1.*", "name<1.0+local", "name==1.0+local",
	"name===foo", "name=== foo bar", "name ~= 1", "name ~= 1.0", "name>=1.0 extra", "name;", "name; ",
	"1name", "-name", "name-", "na me", "name\n", "name\t", "   name   ", "name>=1.0\n,<2", "name>= 1.0",
	"name>=v1.0", "name>=1!1.0", "name>=1.0,", "name>=1.0,,<2", "name[a,b,a]", "name[B,a]", "name; os.name == 'posix'",
	"name; python_implementation == 'CPython'", "name; extra == 'Foo_Bar'", "name; 'Foo' in extras",
	"name; 'Foo' == extra", "name; extra == extra", "name;os_name=='a'and os_name=='b'", "name;os_name=='a'andos_name=='b'",
	"name; (os_name=='a')", "name; ((os_name=='a'))", "name; ((os_name=='a' or os_name=='b'))",
	"name; os_name=='a' and (os_name=='b' or (os_name=='c'))", "name; os_name not in 'abc'", "name; os_name notin 'abc'",
	"name; os_name not\tin 'abc'", "name; os_name=='\\x41'", "name; os_name==\"a'b\"", "name; os_name=='a\\'b'",
	"name; os_name=='a\\\\'", "name; os_name=='a\\'", "foo-ä", "fooä", "foo-_", "name ; os_name == \"a\" ",
	"name>=1.0;os_name=='a' ;", "name [a] (>=1) ; os_name=='a'", "name@ x", "name @x y", "name @ x\ty",
	"name\u00a0>=1", "name>=\u20031.0", "name>=1.0\u2003", "name~=1.0poſt1", "name~=1.0İ", "name>=1.0poſt1", "name==1.0\u0085",
	"name[é]", "name[ǅ]", "name; os_name=='a\x00'", "name>=٣", "name==1.0+ABC", "name==1.0+abc.DEF", "name===\u00a0x",
}

// knownRequirementDifferences are inputs where we knowingly differ from
// packaging, with the reason.
var knownRequirementDifferences = map[string]string{
	"name~=1.0poſt1": "packaging's specifier regular expression folds case with Unicode rules in the ~= clause, " +
		"so 'ſ' matches 's' and SpecifierSet accepts a version that Version() then rejects; " +
		"pep440.ParseSpecifierSet rejects it at once, which is the useful answer",
}

func TestRequirementsAgainstPackaging(t *testing.T) {
	py := pyref.Default(t)
	inputs := slices.Clone(requirementCases)
	r := rand.New(rand.NewPCG(508, 1))
	for len(inputs) < 6000 {
		inputs = append(inputs, genRequirement(r))
	}
	var want []pyRequirement
	py.Run(t, pyRequirementScript, inputs, &want)
	valid, invalid, spans := 0, 0, 0
	for i, s := range inputs {
		w := want[i]
		got, err := ParseRequirement(s)
		if (err == nil) != w.OK {
			if reason, ok := knownRequirementDifferences[s]; ok {
				t.Logf("known difference for %q: %s", s, reason)
				continue
			}
			t.Errorf("ParseRequirement(%q): error %v, packaging ok=%v (%s)", s, err, w.OK, w.Error)
			continue
		}
		if err != nil {
			invalid++
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Errorf("ParseRequirement(%q): error %T is not a *SyntaxError", s, err)
				continue
			}
			if w.Span != nil {
				spans++
				if start, end := runeOffset(s, se.Start), runeOffset(s, se.End); start != w.Span[0] || end != w.Span[1] {
					t.Errorf("ParseRequirement(%q): error at [%d,%d) (%v), packaging at %v:\n%s", s, start, end, err, w.Span, w.Error)
				}
			}
			continue
		}
		valid++
		if got.String() != w.Str {
			t.Errorf("ParseRequirement(%q).String() = %q, packaging %q", s, got.String(), w.Str)
		}
		if got.Name != w.Name || got.URL != w.URL || got.Specifier.String() != w.Specifier || !slices.Equal(got.Extras, w.Extras) && len(got.Extras)+len(w.Extras) > 0 {
			t.Errorf("ParseRequirement(%q) = name %q extras %q spec %q url %q; packaging name %q extras %q spec %q url %q",
				s, got.Name, got.Extras, got.Specifier.String(), got.URL, w.Name, w.Extras, w.Specifier, w.URL)
		}
		if (got.Marker == nil) != (w.Marker == nil) || got.Marker != nil && got.Marker.String() != *w.Marker {
			t.Errorf("ParseRequirement(%q).Marker = %v, packaging %v", s, got.Marker, w.Marker)
		}
	}
	t.Logf("%d requirements compared with packaging: %d valid, %d invalid (%d error positions compared)", len(inputs), valid, invalid, spans)
	if valid < len(inputs)/3 || invalid < len(inputs)/10 {
		t.Errorf("generator is unbalanced: %d valid, %d invalid", valid, invalid)
	}
}

// runeOffset converts a byte offset in s to a count of characters, as
// Python positions are.
func runeOffset(s string, i int) int { return len([]rune(s[:i])) }
