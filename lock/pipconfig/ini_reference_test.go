package pipconfig

import (
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// configparserScript parses each input with RawConfigParser, as pip does,
// and prints each file's (section, name, value) items or null on error.
const configparserScript = `
import configparser, json, sys
out = []
for text in json.load(sys.stdin):
    p = configparser.RawConfigParser()
    try:
        p.read_string(text)
    except configparser.Error:
        out.append(None)
        continue
    out.append([[s, k, v] for s in p.sections() for k, v in p.items(s)])
print(json.dumps(out))
`

// TestParseINIMatchesConfigparser compares parseINI with CPython's
// configparser on inputs without '\r' (read_string does not translate it).
func TestParseINIMatchesConfigparser(t *testing.T) {
	py := pyref.Default(t)
	inputs := []string{
		"[global]\nindex-url = https://x/simple\n",
		"[global]\nindex-url: https://x:8080/s\nA=b=c\n",
		"# top\n[global]\n; c\n  # indented comment\ntimeout = 5 # not a comment\n",
		"[global]\nextra-index-url =\n    https://a\n\n    # skipped\n    https://b\n\ntimeout=1\n",
		"[global]\n  a = 1\n  b = 2\n    c\n",
		"[global]\n  a = 1\n b = 2\n",
		"[install] ; x ]\na=1\n",
		"[DEFAULT]\nd=0\na=0\n[global]\na=1\n",
		"[DEFAULT]\na=0\n[DEFAULT]\nb=1\n[x]\n",
		"[global]\na =\n\n\n",
		"[a]\nx=1\n[b]\n",
		"index-url = x\n",
		"[global]\n\ntoken\n",
		"[global]\n[install]\n[global]\n",
		"[global]\nTimeout=1\ntimeout=2\n",
		"[global]\ntimeout=1\ntime_out=2\n",
		"[global]\n= v\n",
		"[global]\n : v\n",
		"[global]\n\ta\t=\t1\t\n\t\t2\n",
		"[]\na=1\n",
		"[a]\n[ b ]\nc=1\n",
		"[a] x\nk = [v]\n",
		"[a]\nk = v\n\t# c\n\tw\n",
		"  [a]\nk=1\n",
		"[a]\nk=1\n  [b]\n",
		"[a]\nk\u00a0= v\u3000\n",
	}
	var want [][][]string
	py.Run(t, configparserScript, inputs, &want)
	for i, in := range inputs {
		f, err := parseINI("x", []byte(in))
		if want[i] == nil {
			if err == nil {
				t.Errorf("%q: configparser fails, parseINI gives %q", in, flatten(f))
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v, configparser gives %q", in, err, want[i])
			continue
		}
		var got, exp []string
		for _, s := range f.sections {
			for _, o := range f.items(s) {
				got = append(got, s.name+"."+o.name+"="+o.value)
			}
		}
		for _, item := range want[i] {
			exp = append(exp, item[0]+"."+item[1]+"="+item[2])
		}
		// Python lists [DEFAULT] keys first; compare as sets of items.
		if strings.Join(sorted(got), "|") != strings.Join(sorted(exp), "|") {
			t.Errorf("%q:\n got %q\nwant %q", in, got, exp)
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
