package lockfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// validateScript validates each TOML text with packaging.pylock and
// returns, for each, the error or to_dict() as JSON.
const validateScript = `
import datetime, json, sys, tomllib
from packaging.pylock import Pylock

def jsonable(o):
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    raise TypeError(type(o))

out = []
for text in json.load(sys.stdin):
    try:
        d = Pylock.from_dict(tomllib.loads(text)).to_dict()
        out.append({"dict": json.loads(json.dumps(d, default=jsonable))})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
`

type pyResult struct {
	Dict  map[string]any `json:"dict"`
	Error string         `json:"error"`
}

func packagingValidate(t *testing.T, texts []string) []pyResult {
	t.Helper()
	var out []pyResult
	pyref.Default(t).Run(t, validateScript, texts, &out)
	if len(out) != len(texts) {
		t.Fatalf("packaging answered %d of %d locks", len(out), len(texts))
	}
	return out
}

// pyISO formats a time as Python's datetime.isoformat() does.
func pyISO(tm time.Time) string {
	frac := ""
	if tm.Nanosecond() != 0 {
		frac = fmt.Sprintf(".%06d", tm.Nanosecond()/1000)
	}
	switch tm.Location().String() {
	case "datetime-local":
		return tm.Format("2006-01-02T15:04:05") + frac
	case "date-local":
		return tm.Format("2006-01-02")
	case "time-local":
		return tm.Format("15:04:05") + frac
	}
	return tm.UTC().Format("2006-01-02T15:04:05") + frac + "+00:00"
}

// pyValue is a free-form value as packaging's to_dict gives it, in JSON.
func pyValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return pyISO(x)
	case map[string]any:
		out := map[string]any{}
		for k, item := range x {
			out[k] = pyValue(item)
		}
		return out
	case []any:
		out := []any{}
		for _, item := range x {
			out = append(out, pyValue(item))
		}
		return out
	}
	return v
}

// view is our model as packaging's to_dict() shows it.
func view(l *Lock) map[string]any {
	m := map[string]any{"lock-version": l.LockVersion, "created-by": l.CreatedBy}
	putList := func(m map[string]any, k string, list []string) {
		if list != nil {
			m[k] = slices.Clone(list)
		}
	}
	putStr := func(m map[string]any, k, s string) {
		if s != "" {
			m[k] = s
		}
	}
	// packaging writes markers in its normal form, with double quotes; the
	// markers of these tests differ from it by their quotes at most.
	pyMarker := func(s string) string { return strings.ReplaceAll(s, "'", `"`) }
	if l.Environments != nil {
		envs := []string{}
		for _, e := range l.Environments {
			envs = append(envs, pyMarker(e))
		}
		m["environments"] = envs
	}
	putStr(m, "requires-python", l.RequiresPython)
	putList(m, "extras", l.Extras)
	putList(m, "dependency-groups", l.DependencyGroups)
	putList(m, "default-groups", l.DefaultGroups)
	if l.Tool != nil {
		m["tool"] = pyValue(l.Tool)
	}
	artifact := func(name string, up time.Time, url, path string, size int64, hashes map[string]string) map[string]any {
		a := map[string]any{}
		putStr(a, "name", name)
		putStr(a, "url", url)
		putStr(a, "path", path)
		if !up.IsZero() {
			a["upload-time"] = pyISO(up)
		}
		if size != 0 {
			a["size"] = size
		}
		h := map[string]any{}
		for k, v := range hashes {
			h[k] = v
		}
		a["hashes"] = h
		return a
	}
	pkgs := []any{}
	for _, p := range l.Packages {
		pm := map[string]any{"name": p.Name}
		putStr(pm, "version", p.Version)
		putStr(pm, "marker", pyMarker(p.Marker))
		putStr(pm, "requires-python", p.RequiresPython)
		putStr(pm, "index", p.Index)
		if p.Dependencies != nil {
			deps := []any{}
			for _, d := range p.Dependencies {
				deps = append(deps, pyValue(d))
			}
			pm["dependencies"] = deps
		}
		if v := p.VCS; v != nil {
			vm := map[string]any{"type": v.Type, "commit-id": v.CommitID}
			putStr(vm, "url", v.URL)
			putStr(vm, "path", v.Path)
			putStr(vm, "requested-revision", v.RequestedRevision)
			putStr(vm, "subdirectory", v.Subdirectory)
			pm["vcs"] = vm
		}
		if d := p.Directory; d != nil {
			dm := map[string]any{"path": d.Path}
			if d.Editable {
				dm["editable"] = true
			}
			putStr(dm, "subdirectory", d.Subdirectory)
			pm["directory"] = dm
		}
		if a := p.Archive; a != nil {
			am := artifact("", a.UploadTime, a.URL, a.Path, a.Size, a.Hashes)
			putStr(am, "subdirectory", a.Subdirectory)
			pm["archive"] = am
		}
		if s := p.Sdist; s != nil {
			pm["sdist"] = artifact(s.Name, s.UploadTime, s.URL, s.Path, s.Size, s.Hashes)
		}
		if p.Wheels != nil {
			ws := []any{}
			for _, w := range p.Wheels {
				ws = append(ws, artifact(w.Name, w.UploadTime, w.URL, w.Path, w.Size, w.Hashes))
			}
			pm["wheels"] = ws
		}
		if p.AttestationIdentities != nil {
			as := []any{}
			for _, a := range p.AttestationIdentities {
				as = append(as, pyValue(a))
			}
			pm["attestation-identities"] = as
		}
		if p.Tool != nil {
			pm["tool"] = pyValue(p.Tool)
		}
		pkgs = append(pkgs, pm)
	}
	m["packages"] = pkgs
	return m
}

// asJSON gives a value the types encoding/json decodes to.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every lock we write is valid for packaging, and packaging sees in it
// exactly our model.
func TestPackagingAcceptsWrittenLocks(t *testing.T) {
	locks := []*Lock{typicalLock(t), read(t, []byte(specExample))}
	rng := rand.New(rand.NewPCG(7, 51))
	for range 300 {
		locks = append(locks, randomLock(t, rng))
	}
	texts := make([]string, len(locks))
	for i, l := range locks {
		texts[i] = string(write(t, l))
	}
	for i, res := range packagingValidate(t, texts) {
		if res.Error != "" {
			t.Errorf("lock %d: packaging rejects our output: %s\n%s", i, res.Error, texts[i])
			continue
		}
		want := asJSON(t, view(read(t, []byte(texts[i]))))
		if got := asJSON(t, res.Dict); !reflect.DeepEqual(got, want) {
			t.Errorf("lock %d: packaging's to_dict differs from our model at %s\n%s", i, firstDiff("", got, want), texts[i])
		}
		// Our reading of our output is the sorted model we wrote.
		if back := read(t, []byte(texts[i])); !reflect.DeepEqual(asJSON(t, view(back)), asJSON(t, view(locks[i].Sorted()))) {
			t.Errorf("lock %d: round trip changed the model", i)
		}
	}
}

// The locks we reject for a reason packaging also checks are rejected by
// packaging too: our errors are real.
func TestPackagingRejectsInvalidLocks(t *testing.T) {
	alsoPackaging := map[string]bool{
		"syntax": true, "no lock-version": true, "lock-version 2": true, "lock-version not a version": true,
		"lock-version integer": true, "no created-by": true, "no packages": true, "missing hashes": true,
		"empty hashes": true, "two source kinds": true, "two direct sources": true, "no source": true,
		"name not normalized": true, "wheel of another project": true, "wheel of another version": true,
		"bad wheel file name": true, "no url or path": true, "string upload-time": true,
		"attestation without kind": true, "bad requires-python": true, "bad marker": true,
		"extra not normalized": true, "environments not strings": true, "packages not tables": true,
	}
	var cases []invalidCase
	for _, c := range invalidLocks {
		if alsoPackaging[c.name] {
			cases = append(cases, c)
			delete(alsoPackaging, c.name)
		}
	}
	if len(alsoPackaging) != 0 {
		t.Fatalf("no invalid lock named %v", alsoPackaging)
	}
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.text
	}
	for i, res := range packagingValidate(t, texts) {
		if res.Error == "" {
			t.Errorf("%s: packaging accepts the lock we reject:\n%s", cases[i].name, cases[i].text)
		}
	}
}

// Locks that packaging builds, dumped by a small TOML writer, read into
// the model packaging has.
const packagingWritesScript = `
import datetime, json, sys
from packaging.pylock import *
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.version import Version

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string of this ASCII is a TOML basic string
    if isinstance(v, datetime.datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k) + " = " + toml_value(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(type(v))

def dump(d):
    lines = []
    for k, v in d.items():
        if k not in ("packages", "tool"):
            lines.append(f"{k} = {toml_value(v)}")
    lines.append("packages = " + toml_value(d["packages"]))
    if "tool" in d:
        lines.append("tool = " + toml_value(d["tool"]))
    return "\n".join(lines) + "\n"

def jsonable(o):
    return o.isoformat()

sha = {"sha256": "0" * 64}
up = datetime.datetime(2025, 1, 25, 11, 30, 10, 164985, tzinfo=datetime.timezone.utc)
locks = [
    Pylock(lock_version=Version("1.0"), created_by="packaging", packages=[]),
    Pylock(
        lock_version=Version("1.0"),
        environments=[Marker('sys_platform == "linux"')],
        requires_python=SpecifierSet(">=3.9"),
        extras=["dev"], dependency_groups=["test"], default_groups=["default"],
        created_by="packaging",
        packages=[
            Package(name="attrs", version=Version("25.1.0"), requires_python=SpecifierSet(">=3.8"),
                    index="https://pypi.org/simple/",
                    wheels=[PackageWheel(url="https://x/attrs-25.1.0-py3-none-any.whl", upload_time=up, size=63152, hashes=sha)],
                    sdist=PackageSdist(name="attrs-25.1.0.tar.gz", path="dist/attrs-25.1.0.tar.gz", hashes=sha),
                    attestation_identities=[{"kind": "GitHub", "repository": "python-attrs/attrs"}]),
            Package(name="app", directory=PackageDirectory(path="./app", editable=True, subdirectory="src"),
                    dependencies=[{"name": "attrs"}], tool={"x": {"y": 1}}),
            Package(name="lib", version=Version("2.0"), marker=Marker('python_version >= "3.10"'),
                    archive=PackageArchive(url="https://x/lib-2.0.zip", size=10, hashes=sha, subdirectory="sub")),
            Package(name="vcslib", vcs=PackageVcs(type="git", url="https://github.com/o/r", requested_revision="main",
                    commit_id="0123456789abcdef0123456789abcdef01234567", subdirectory="py")),
        ],
        tool={"packaging-test": {"n": 3, "s": "x"}},
    ),
]
out = []
for lock in locks:
    lock.validate()
    d = lock.to_dict()
    out.append({"toml": dump(d), "dict": json.loads(json.dumps(d, default=jsonable))})
json.dump(out, sys.stdout)
`

func TestReadLocksPackagingWrites(t *testing.T) {
	var out []struct {
		TOML string         `json:"toml"`
		Dict map[string]any `json:"dict"`
	}
	pyref.Default(t).Run(t, packagingWritesScript, nil, &out)
	if len(out) < 2 {
		t.Fatalf("packaging wrote %d locks", len(out))
	}
	for i, o := range out {
		l := read(t, []byte(o.TOML))
		if got, want := asJSON(t, view(l)), asJSON(t, o.Dict); !reflect.DeepEqual(got, want) {
			t.Errorf("lock %d: our model differs from packaging's at %s\n%s", i, firstDiff("", got, want), o.TOML)
		}
		// and we write it back in our layout, still equal.
		if back := read(t, write(t, l)); !reflect.DeepEqual(back, l.Sorted()) {
			t.Errorf("lock %d: our round trip changed it", i)
		}
	}
}

// randomLock builds a valid lock with every kind of source and value.
func randomLock(t *testing.T, rng *rand.Rand) *Lock {
	t.Helper()
	pick := func(list ...string) string { return list[rng.IntN(len(list))] }
	maybe := func() bool { return rng.IntN(2) == 0 }
	text := func() string {
		return pick("plain", `quote " and \ backslash`, "tab\tnew\nline", "ünïcode ✓", "'single'", "ctl \x01\x7f", "", "#not a comment", "a = b", "[x]")
	}
	l := &Lock{LockVersion: "1.0", CreatedBy: pick("clusterpack", "uv", "pdm 2.0", "x\"y")}
	if maybe() {
		l.Environments = []string{pick(`sys_platform == "linux"`, `python_version >= "3.9"`, `os_name == "nt" or sys_platform == "darwin"`)}
	}
	if maybe() {
		l.RequiresPython = pick(">=3.9", "==3.12.*", "<4,>=3.8", "~=3.11")
	}
	if maybe() {
		l.Extras = []string{}
		if maybe() {
			l.Extras = append(l.Extras, "dev", "test-all")
		}
	}
	if maybe() {
		l.DependencyGroups = []string{pick("docs", "Lint_Tools")}
		l.DefaultGroups = []string{"default"}
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch rng.IntN(8) {
		case 0:
			return text()
		case 1:
			return rng.Int64N(1<<40) - 1<<39
		case 2:
			return float64(rng.IntN(1000)) / 8
		case 3:
			return maybe()
		case 4:
			return time.Date(2000+rng.IntN(30), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000)*1000000, time.UTC)
		case 5:
			if depth < 3 {
				arr := []any{}
				for range rng.IntN(3) {
					arr = append(arr, value(depth+1))
				}
				return arr
			}
		case 6, 7:
			if depth < 3 {
				m := map[string]any{}
				for range rng.IntN(4) {
					m[pick("a", "b-c", "with space", "dotted.key", "ü", "'")] = value(depth + 1)
				}
				return m
			}
		}
		return "leaf"
	}
	freeTable := func() map[string]any {
		m := map[string]any{}
		for range 1 + rng.IntN(3) {
			m[pick("clusterpack", "uv", "pdm", "x y")] = value(1)
		}
		return m
	}
	if maybe() {
		l.Tool = freeTable()
	}
	names := []string{"numpy", "attrs", "zope-interface", "py4j", "a", "x1"}
	for i := range 1 + rng.IntN(5) {
		name := names[rng.IntN(len(names))]
		p := Package{Name: name}
		if maybe() {
			p.Marker = fmt.Sprintf(`python_version >= "3.%d"`, i) // distinct per package
		} else {
			p.Marker = fmt.Sprintf(`platform_release != "%d"`, i)
		}
		if maybe() {
			p.RequiresPython = pick(">=3.8", "!=3.0.*")
		}
		if maybe() {
			p.Dependencies = []map[string]any{{"name": pick(names...)}}
			if maybe() {
				p.Dependencies = append(p.Dependencies, map[string]any{"name": "spam", "version": "1.0", "vcs": map[string]any{"url": "https://g/r"}})
			}
		}
		if maybe() {
			p.Index = "https://pypi.org/simple/"
		}
		up := time.Time{}
		if maybe() {
			up = time.Date(2024, 9, 22, 14, 58, 34, rng.IntN(1000000)*1000, time.UTC)
		}
		version := pick("1.0", "2.2.3", "0.10.9.7", "1.0rc1", "2!1.0", "1.0.post1", "3.0.dev2", "1.0+local.7")
		fileVersion := strings.ReplaceAll(version, "+", "+") // file names keep the version
		switch rng.IntN(5) {
		case 0:
			p.Directory = &Directory{Path: pick("src/app", `C:\work\app`, "../app", "app dir"), Editable: maybe()}
			if maybe() {
				p.Directory.Subdirectory = "python"
			}
		case 1:
			p.VCS = &VCS{Type: "git", URL: "https://github.com/o/r.git", CommitID: digest(name)[:40]}
			if maybe() {
				p.VCS = &VCS{Type: "hg", Path: "../checkout", CommitID: "abc", RequestedRevision: "default", Subdirectory: "sub"}
			}
		case 2:
			p.Version = version
			p.Archive = &Archive{URL: "https://x/" + name + ".tar.gz", Size: 1 + rng.Int64N(1<<40), UploadTime: up, Hashes: sha(name)}
			if maybe() {
				p.Archive.Subdirectory = "sub dir"
				p.Archive.Hashes["sha512"] = digest("1") + digest("2")
			}
		default:
			if maybe() {
				p.Version = version
			}
			fileName := strings.ReplaceAll(name, "-", "_")
			if maybe() || rng.IntN(3) == 0 {
				p.Sdist = &Sdist{URL: "https://files/" + fileName + "-" + fileVersion + ".tar.gz", UploadTime: up, Size: 123, Hashes: sha(name + "sdist")}
				if maybe() {
					p.Sdist = &Sdist{Name: fileName + "-" + fileVersion + ".tar.gz", Path: "dist/archive.bin", Hashes: map[string]string{"blake2b": digest("x") + digest("y")}}
				}
			}
			for _, tag := range []string{"py3-none-any", "cp312-cp312-win_amd64", "1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"}[:rng.IntN(4)] {
				w := Wheel{URL: "https://files/" + fileName + "-" + fileVersion + "-" + tag + ".whl", UploadTime: up, Hashes: sha(name + tag)}
				if maybe() {
					w = Wheel{Name: fileName + "-" + fileVersion + "-" + tag + ".whl", Path: `wheels\` + tag + ".whl", Size: 9, Hashes: sha(tag)}
				}
				p.Wheels = append(p.Wheels, w)
			}
			if p.Sdist == nil && len(p.Wheels) == 0 {
				p.Sdist = &Sdist{Path: fileName + "-" + fileVersion + ".zip", Hashes: sha("zip")}
			}
			if maybe() {
				p.AttestationIdentities = []map[string]any{{"kind": pick("GitHub", "GitLab"), "repository": "o/r"}}
			}
		}
		if maybe() {
			p.Tool = freeTable()
		}
		l.Packages = append(l.Packages, p)
	}
	if err := l.Validate(); err != nil {
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "%#v", l)
		t.Fatalf("generated an invalid lock: %v\n%s", err, buf.String())
	}
	return l
}

// firstDiff describes the first place where two JSON values differ.
func firstDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := sortedKeys(x)
		for _, k := range sortedKeys(y) {
			if _, ok := x[k]; !ok {
				return fmt.Sprintf("%s.%s: only ours has it: %v", path, k, y[k])
			}
		}
		for _, k := range keys {
			if _, ok := y[k]; !ok {
				return fmt.Sprintf("%s.%s: only packaging has it: %v", path, k, x[k])
			}
			if !reflect.DeepEqual(x[k], y[k]) {
				return firstDiff(path+"."+k, x[k], y[k])
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			break
		}
		for i := range x {
			if !reflect.DeepEqual(x[i], y[i]) {
				return firstDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])
			}
		}
	}
	return fmt.Sprintf("%s: packaging %#v, ours %#v", path, a, b)
}
