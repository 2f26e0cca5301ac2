package metadata

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// pyMetadataScript runs packaging's parse_email and
// Metadata.from_email(validate=False) on each file and prints the raw
// fields (by email field name), the unparsed ones, and the typed values
// (or "error") of the fields Parse interprets.
const pyMetadataScript = `
import base64, json, sys
from packaging import metadata as M
out = []
for b64 in json.load(sys.stdin):
    data = base64.b64decode(b64)
    raw, unparsed = M.parse_email(data)
    fields = {}
    for key, value in raw.items():
        name = M._RAW_TO_EMAIL_MAPPING[key]
        if key == "project_urls":
            value = [[k, v] for k, v in value.items()]
        elif isinstance(value, str):
            value = [value]
        fields[name] = value
    unparsed = {k: [v.decode("latin1") if isinstance(v, bytes) else v for v in vs] for k, vs in unparsed.items()}
    m = M.Metadata.from_email(data, validate=False)
    typed = {}
    for attr, conv in [("name", str), ("version", str), ("requires_dist", lambda v: [str(r) for r in v]),
                       ("requires_python", str), ("provides_extra", list), ("dynamic", list)]:
        try:
            v = getattr(m, attr)
            typed[attr] = None if v is None else conv(v)
        except Exception as e:
            typed[attr] = "error"
    out.append({"fields": fields, "unparsed": unparsed, "typed": typed})
json.dump(out, sys.stdout)
`

type pyMetadata struct {
	Fields   map[string]any      `json:"fields"`
	Unparsed map[string][]string `json:"unparsed"`
	Typed    map[string]any      `json:"typed"`
}

func TestParseAgainstPackaging(t *testing.T) {
	py := pyref.Default(t)
	var files [][]byte
	for _, name := range testdataFiles {
		files = append(files, readTestdata(t, name))
	}
	r := rand.New(rand.NewPCG(643, 1))
	for len(files) < 3000 {
		files = append(files, genMetadataFile(r))
	}
	var want []pyMetadata
	py.Run(t, pyMetadataScript, files, &want)
	parsed, rejected := 0, 0
	for i, data := range files {
		w := want[i]
		raw := parseRaw(data)
		if got := rawAsPython(raw); !equalJSON(got, w.Fields) {
			t.Errorf("parseRaw(%q) fields:\n got %v\nwant %v", data, got, w.Fields)
		}
		if !equalJSON(raw.unparsed, w.Unparsed) {
			t.Errorf("parseRaw(%q) unparsed:\n got %q\nwant %q", data, raw.unparsed, w.Unparsed)
		}

		m, err := Parse(data)
		wantErr := false
		for _, attr := range []string{"name", "version", "requires_dist", "requires_python"} {
			wantErr = wantErr || w.Typed[attr] == "error"
		}
		if w.Typed["dynamic"] == "error" && dynamicNamesCoreField(raw) {
			wantErr = true
		}
		if (err != nil) != wantErr {
			t.Errorf("Parse(%q): error %v, packaging errors %v", data, err, w.Typed)
			continue
		}
		if err != nil {
			rejected++
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q): error %v does not match ErrInvalid", data, err)
			}
			continue
		}
		parsed++
		var reqs []string
		for _, r := range m.RequiresDist {
			reqs = append(reqs, r.String())
		}
		got := map[string]any{
			"name": m.Name, "version": m.ParsedVersion.String(), "requires_dist": reqs,
			"requires_python": m.RequiresPython.String(), "provides_extra": m.ProvidesExtra, "dynamic": m.Dynamic,
		}
		if !hasKey(raw.single, "requires-python") {
			got["requires_python"] = nil
		}
		if w.Typed["provides_extra"] == "error" { // we keep invalid extra names on purpose
			got["provides_extra"] = "error"
		}
		if w.Typed["dynamic"] == "error" { // we keep unknown dynamic fields on purpose
			got["dynamic"] = "error"
		}
		if !equalJSON(got, w.Typed) {
			t.Errorf("Parse(%q):\n got %v\nwant %v", data, got, w.Typed)
		}
	}
	t.Logf("%d files compared with packaging: %d parsed, %d rejected", len(files), parsed, rejected)
	if parsed < len(files)/4 || rejected < len(files)/10 {
		t.Errorf("generator is unbalanced")
	}
}

func dynamicNamesCoreField(raw rawMetadata) bool {
	for _, v := range raw.multiple["dynamic"] {
		if f := strings.ToLower(v.text); f == "name" || f == "version" || f == "metadata-version" {
			return true
		}
	}
	return false
}

// rawAsPython shapes the raw fields as the Python script prints them.
func rawAsPython(raw rawMetadata) map[string]any {
	out := map[string]any{}
	for k, v := range raw.single {
		out[k] = []string{v.text}
	}
	for k, vs := range raw.multiple {
		texts := []string{}
		for _, v := range vs {
			texts = append(texts, v.text)
		}
		out[k] = texts
	}
	if raw.keywords != nil {
		out["keywords"] = raw.keywords
	}
	if raw.projectURLs != nil {
		pairs := [][]string{}
		for _, u := range raw.projectURLs {
			pairs = append(pairs, []string{u.Label, u.URL})
		}
		out["project-url"] = pairs
	}
	return out
}

// genMetadataFile builds a METADATA-like file with random fields, case,
// continuation lines, line endings, bad bytes and bodies.
func genMetadataFile(r *rand.Rand) []byte {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	eol := func() string {
		if r.IntN(15) == 0 {
			return pick([]string{"\r\n", "\r"})
		}
		return "\n"
	}
	recase := func(s string) string {
		switch r.IntN(6) {
		case 0:
			return strings.ToLower(s)
		case 1:
			return strings.ToUpper(s)
		}
		return s
	}
	values := map[string][]string{
		"Metadata-Version": {"2.1", "2.2", "2.4", "1.0", "3.0", "x"},
		"Name":             {"requests", "numpy", "Foo.Bar", "foo_bar", "bad name", "-x", "", "ä", "foo "},
		"Version":          {"1.0", "2.31.0", "1.0rc1", "1!2.0.post1", "v1.0", "not a version", "", " 1.0 "},
		"Requires-Dist": {"idna<4,>=2.5", "charset-normalizer (<4,>=2)", `PySocks!=1.5.7,>=1.5.6; extra == "socks"`,
			`chardet<6,>=3.0.2; extra == "use_chardet_on_py3"`, "bad requirement here", `pytest; python_version >= "3.8"`,
			"foo @ https://x/y.whl", "x[a,b]>=1", "x>=1.0.*"},
		"Requires-Python":    {">=3.8", ">=3.7, <4", "~=3.9", ">=3.8.*", "3.8", ""},
		"Provides-Extra":     {"socks", "use_chardet_on_py3", "Test_X", "bad extra", "-x", ""},
		"Dynamic":            {"Requires-Dist", "requires-python", "Version", "Name", "metadata-version", "Foo", "license-file"},
		"Summary":            {"Python HTTP for Humans.", "", "Résumé ✓", "  spaced  "},
		"Keywords":           {"a, b ,c", "", "one", ",,", " x\u00a0, y"},
		"Project-URL":        {"Source, https://github.com/x/y", "Docs, https://x.y", "Source, https://other", "NoComma", " , "},
		"Classifier":         {"Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"},
		"Description":        {"inline description", "first" + "\n" + "        |second", ""},
		"Import-Name":        {"", "foo", "foo.bar"},
		"License-Expression": {"MIT", "Apache-2.0 OR MIT"},
		"X-Custom":           {"whatever"},
		"Home-page":          {"https://x.y"},
		"Author-email":       {"A <a@b.c>"},
	}
	fields := []string{}
	for f := range values {
		fields = append(fields, f)
	}
	slices.Sort(fields)

	var b strings.Builder
	if r.IntN(40) == 0 {
		b.WriteString("From someone" + eol())
	}
	if r.IntN(40) == 0 {
		b.WriteString(" leading continuation" + eol())
	}
	required := []string{"Metadata-Version", "Name", "Version"}
	for _, f := range required {
		if r.IntN(15) != 0 {
			v := values[f][0]
			if r.IntN(5) == 0 {
				v = pick(values[f])
			}
			b.WriteString(recase(f) + ": " + v + eol())
		}
	}
	for i, n := 0, r.IntN(12); i < n; i++ {
		f := pick(fields)
		if (f == "Name" || f == "Version") && r.IntN(4) != 0 {
			f = "Requires-Dist"
		}
		sep := pick([]string{": ", ":", ":  ", ":\t", " : "})
		if r.IntN(10) != 0 {
			sep = ": "
		}
		v := pick(values[f])
		if r.IntN(3) == 0 {
			v = values[f][0]
		}
		switch r.IntN(30) {
		case 0:
			v += "\xff"
		case 1:
			v = "caf\xc3\xa9 " + v
		case 2:
			v += " "
		}
		b.WriteString(recase(f) + sep + v)
		if r.IntN(12) == 0 {
			b.WriteString(eol() + pick([]string{" ", "\t", "        |", "  "}) + "continued")
		}
		if r.IntN(40) == 0 {
			b.WriteString(eol() + ":nameless")
		}
		if r.IntN(60) == 0 {
			b.WriteString(eol() + "From inside")
		}
		b.WriteString(eol())
	}
	switch r.IntN(6) {
	case 0: // headers only
	case 1:
		b.WriteString("not a header line" + eol() + "body text" + eol())
	case 2:
		b.WriteString(eol() + "# Title" + eol() + eol() + "Body with \xff byte" + eol())
	default:
		b.WriteString(eol() + "# Project" + eol() + eol() + "Some *markdown* ✓." + eol())
	}
	return []byte(b.String())
}
