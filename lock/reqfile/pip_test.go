package reqfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// pipScript parses each case's file with pip's own parser (the pip of the
// reference venv, 23.2) and reports what it yields and how it leaves the
// finder, the session and the options.
const pipScript = `
import json, os, sys, optparse, logging, urllib.request
logging.disable(logging.CRITICAL)
import pip
from pip._internal.req.req_file import parse_requirements
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.index.package_finder import PackageFinder
from pip._internal.index.collector import LinkCollector
from pip._internal.models.search_scope import SearchScope
from pip._internal.models.selection_prefs import SelectionPreferences
from pip._internal.models.format_control import FormatControl
from pip._internal.network.session import PipSession
from packaging.requirements import Requirement
from packaging.markers import Marker

out = []
cases = json.load(sys.stdin)
session = PipSession()
for case in cases:
    for k in list(os.environ):
        if k.startswith("RQ_"):
            del os.environ[k]
    os.environ.update(case["env"])
    os.chdir(case["cwd"])
    hosts = []
    session.add_trusted_host = lambda host, source=None, suppress_logging=False: hosts.append(host)
    finder = PackageFinder.create(
        LinkCollector(session, SearchScope([], ["DEFAULT"], False)),
        SelectionPreferences(allow_yanked=True, format_control=FormatControl(set(), set())))
    options = optparse.Values({"require_hashes": False, "features_enabled": []})
    res = {"pip": pip.__version__}
    try:
        reqs = []
        for r in parse_requirements(case["file"], session, finder, options):
            d = {"text": r.requirement, "editable": r.is_editable, "constraint": r.constraint,
                 "comes_from": r.comes_from}
            opts = r.options or {}
            d["hashes"] = sorted(a + ":" + h for a, hs in opts.get("hashes", {}).items() for h in hs)
            d["global_options"] = opts.get("global_options", [])
            cs = opts.get("config_settings") or {}
            d["config_settings"] = {k: (v if isinstance(v, list) else [v]) for k, v in cs.items()}
            ireq = install_req_from_parsed_requirement(r)
            req = ireq.req
            if req is not None:
                req = Requirement(str(req))
                req.marker = None
                d["req"] = str(req)
            else:
                d["req"] = None
            d["marker"] = str(Marker(str(ireq.markers))) if ireq.markers else None
            d["extras"] = sorted(e.lower() for e in ireq.extras)
            link = ireq.link
            if link is None:
                d["path"], d["url"] = None, None
            elif link.scheme == "file":
                d["path"], d["url"] = urllib.request.url2pathname(link.path), link.url
            else:
                d["path"], d["url"] = None, link.url
            reqs.append(d)
        res["reqs"] = reqs
        res["index_urls"] = finder.index_urls
        res["find_links"] = finder.find_links
        res["pre"] = finder._candidate_prefs.allow_all_prereleases
        res["prefer_binary"] = finder._candidate_prefs.prefer_binary
        res["no_binary"] = sorted(finder.format_control.no_binary)
        res["only_binary"] = sorted(finder.format_control.only_binary)
        res["trusted_hosts"] = hosts
        res["require_hashes"] = options.require_hashes
    except BaseException as e:
        res["error"] = type(e).__name__ + ": " + str(e)
    out.append(res)
print(json.dumps(out))
`

// pipCase is one file for pip.
type pipCase struct {
	Cwd  string            `json:"cwd"`
	File string            `json:"file"`
	Env  map[string]string `json:"env"`
}

// pipResult is what pip made of one file.
type pipResult struct {
	Pip           string   `json:"pip"`
	Error         string   `json:"error"`
	Reqs          []pipReq `json:"reqs"`
	IndexURLs     []string `json:"index_urls"`
	FindLinks     []string `json:"find_links"`
	Pre           bool     `json:"pre"`
	PreferBinary  bool     `json:"prefer_binary"`
	NoBinary      []string `json:"no_binary"`
	OnlyBinary    []string `json:"only_binary"`
	TrustedHosts  []string `json:"trusted_hosts"`
	RequireHashes bool     `json:"require_hashes"`
}

// pipReq is one requirement pip yielded.
type pipReq struct {
	Text           string              `json:"text"`
	Editable       bool                `json:"editable"`
	Constraint     bool                `json:"constraint"`
	ComesFrom      string              `json:"comes_from"`
	Hashes         []string            `json:"hashes"`
	GlobalOptions  []string            `json:"global_options"`
	ConfigSettings map[string][]string `json:"config_settings"`
	Req            *string             `json:"req"`
	Marker         *string             `json:"marker"`
	Extras         []string            `json:"extras"`
	Path           *string             `json:"path"`
	URL            *string             `json:"url"`
}

// runPip parses every case with pip in one interpreter run.
func runPip(t *testing.T, cases []pipCase) []pipResult {
	t.Helper()
	py := pyref.Default(t)
	var out []pipResult
	py.Run(t, pipScript, cases, &out)
	if len(out) != len(cases) {
		t.Fatalf("pip returned %d results for %d cases", len(out), len(cases))
	}
	return out
}

// comparePip checks that Parse agrees with pip on one case.
func comparePip(t *testing.T, c pipCase, want pipResult) {
	t.Helper()
	getenv := func(k string) string { return c.Env[k] }
	got, err := Parse(context.Background(), c.File, Options{Getenv: getenv})
	content, _ := os.ReadFile(c.File)
	if strings.Contains(want.Error, "--use-feature: invalid choice") {
		return // on purpose: --use-feature accepts any value (see the package doc)
	}
	if want.Error != "" || err != nil {
		if (want.Error == "") != (err == nil) {
			t.Errorf("%s:\n%s\npip error: %q\nour error: %v", c.File, content, want.Error, err)
		}
		var lineErr *Error
		if err != nil && (!errors.As(err, &lineErr) || lineErr.Source.Line < 1) {
			t.Errorf("%s: error without a line number: %v", c.File, err)
		}
		return
	}
	var wantReqs, wantCons []pipReq
	for _, r := range want.Reqs {
		if r.Constraint {
			wantCons = append(wantCons, r)
		} else {
			wantReqs = append(wantReqs, r)
		}
	}
	compareReqs(t, c, string(content), "requirements", got.Requirements, wantReqs)
	compareReqs(t, c, string(content), "constraints", got.Constraints, wantCons)

	o := got.Options
	wantIndex := []string{}
	if !o.NoIndex {
		first := o.IndexURL
		if first == "" {
			first = "DEFAULT"
		}
		wantIndex = append(append(wantIndex, first), o.ExtraIndexURLs...)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"index urls", wantIndex, nonNil(want.IndexURLs)},
		{"find links", nonNil(o.FindLinks), cleanPaths(want.FindLinks)},
		{"pre", o.Pre, want.Pre},
		{"prefer binary", o.PreferBinary, want.PreferBinary},
		{"no binary", nonNil(o.NoBinary), nonNil(want.NoBinary)},
		{"only binary", nonNil(o.OnlyBinary), nonNil(want.OnlyBinary)},
		{"trusted hosts", nonNil(o.TrustedHosts), nonNil(want.TrustedHosts)},
		{"require hashes", o.RequireHashes, want.RequireHashes},
	}
	for _, ch := range checks {
		if fmt.Sprint(ch.got) != fmt.Sprint(ch.want) {
			t.Errorf("%s:\n%s\n%s: got %v, pip %v", c.File, content, ch.what, ch.got, ch.want)
		}
	}
}

// cleanPaths cleans the absolute paths pip joined without cleaning
// ("/dir/./links").
func cleanPaths(s []string) []string {
	out := []string{}
	for _, p := range s {
		if filepath.IsAbs(p) {
			p = filepath.Clean(p)
		}
		out = append(out, p)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func compareReqs(t *testing.T, c pipCase, content, what string, got []Requirement, want []pipReq) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s:\n%s\n%d %s, pip has %d: %+v", c.File, content, len(got), what, len(want), want)
		return
	}
	for i, w := range want {
		g := got[i]
		kind := "-r"
		if w.Constraint {
			kind = "-c"
		}
		comesFrom := fmt.Sprintf("%s %s (line %d)", kind, g.Line.File, g.Line.Line)
		gotReq := (*string)(nil)
		if g.Req != nil {
			r := *g.Req
			r.Marker = nil
			s := r.String()
			gotReq = &s
		}
		gotMarker := g.Marker
		if g.Req != nil {
			gotMarker = g.Req.Marker
		}
		gotExtras := g.Extras
		if g.Req != nil {
			gotExtras = g.Req.Extras
		}
		var lower []string
		for _, e := range gotExtras {
			lower = append(lower, strings.ToLower(e))
		}
		slices.Sort(lower)
		hashes := slices.Clone(g.Hashes)
		slices.Sort(hashes)
		gotPath, wantPath := g.Path, deref(w.Path)
		if wantPath != "" && !filepath.IsAbs(wantPath) {
			// A relative file: URL: pip leaves it relative to its working
			// directory, which the test sets to the file's directory.
			wantPath = filepath.Join(c.Cwd, wantPath)
		}
		if rel, err := filepath.Rel(c.Cwd, wantPath); err == nil && wantPath != "" && !g.Editable {
			// On purpose: relative paths start at the including file's
			// directory, not at pip's working directory.
			wantPath = filepath.Join(filepath.Dir(g.Line.File), rel)
		}
		gotURL, wantURL := g.URL, deref(w.URL)
		if w.Path != nil {
			// pip turns paths into file: URLs; compare the paths only.
			gotURL, wantURL = "", ""
		}
		checks := []struct {
			what      string
			got, want any
		}{
			{"text", g.Text, strings.TrimFunc(w.Text, isPySpace)},
			{"editable", g.Editable, w.Editable},
			{"comes from", comesFrom, filepath.Clean(strings.TrimSuffix(w.ComesFrom, ")")) + ")"},
			{"hashes", nonNil(hashes), nonNil(w.Hashes)},
			{"global options", nonNil(g.GlobalOptions), nonNil(w.GlobalOptions)},
			{"config settings", fmt.Sprint(g.ConfigSettings), fmt.Sprint(w.ConfigSettings)},
			{"req", deref(gotReq), deref(w.Req)},
			{"marker", markerString(gotMarker), deref(w.Marker)},
			{"extras", nonNil(lower), nonNil(w.Extras)},
			{"path", gotPath, wantPath},
			{"url", gotURL, wantURL},
		}
		for _, ch := range checks {
			if fmt.Sprint(ch.got) != fmt.Sprint(ch.want) {
				t.Errorf("%s:\n%s\n%s #%d (%q) %s: got %q, pip %q", c.File, content, what, i, w.Text, ch.what, ch.got, ch.want)
			}
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func markerString(m *pep508.Marker) string {
	if m == nil {
		return ""
	}
	return m.String()
}
