package lock

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/target"
)

var update = flag.Bool("update", false, "rewrite golden files")

// projects is a small world: an app with extras and markers over a few
// libraries, one of them with a yanked release and one with a pre-release.
func projects() []testindex.Project {
	w := func(name, version string, requires ...string) testindex.File {
		return testindex.Wheel(testindex.WheelSpec{Name: name, Version: version, RequiresDist: requires,
			Files: map[string]string{strings.ReplaceAll(name, "-", "_") + "/__init__.py": "VERSION = '" + version + "'\n"}})
	}
	yanked := w("lib-b", "2.1")
	yanked.Yanked, yanked.YankedReason = true, "broken"
	return []testindex.Project{
		{Name: "app", Files: []testindex.File{
			w("app", "1.0", "lib-a>=1"),
			testindex.Wheel(testindex.WheelSpec{Name: "app", Version: "2.0", ProvidesExtra: []string{"fast"},
				Files:        map[string]string{"app/__init__.py": "VERSION = '2.0'\n"},
				RequiresDist: []string{"lib-a>=2", "lib-b<3", `lib-c; extra == "fast"`, `lib-win; sys_platform == "win32"`}}),
		}},
		{Name: "lib-a", Files: []testindex.File{w("lib-a", "1.0"), w("lib-a", "2.0"), w("lib-a", "3.0b1")}},
		{Name: "lib-b", Files: []testindex.File{w("lib-b", "1.0"), w("lib-b", "2.0"), yanked}},
		{Name: "lib-c", Files: []testindex.File{w("lib-c", "0.5")}},
	}
}

func testEnv(t *testing.T, vars map[string]string) Env {
	return Env{
		Getenv:   func(k string) string { return vars[k] },
		HomeDir:  t.TempDir(),
		CacheDir: t.TempDir(),
		Version:  "test",
	}
}

func synthetic() target.Spec {
	return target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}
}

func write(t *testing.T, lk *lockfile.Lock) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := lk.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestMakeGolden(t *testing.T) {
	srv := testindex.Start(t, projects(), testindex.Options{})
	in := Input{Requirements: []string{"app[fast]"}, Target: synthetic(), IndexURL: srv.IndexURL()}
	res, err := Make(context.Background(), in, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := bytes.ReplaceAll(write(t, res.Lock), []byte(strings.TrimSuffix(srv.URL(), "/")), []byte("http://index.test"))
	golden := filepath.Join("testdata", "app-fast.pylock.toml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("lock differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// The same inputs give the same bytes.
	again, err := Make(context.Background(), in, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(write(t, again.Lock), write(t, res.Lock)) {
		t.Error("a second lock of the same inputs differs")
	}
}

func TestMakeHonoursPipConfiguration(t *testing.T) {
	srv := testindex.Start(t, projects(), testindex.Options{Username: "alice", Password: "s3cret-token"})
	home := t.TempDir()
	netrc := filepath.Join(home, ".netrc")
	host := strings.TrimPrefix(strings.TrimPrefix(srv.URL(), "http://"), "https://")
	host = host[:strings.IndexByte(host, ':')]
	if err := os.WriteFile(netrc, []byte("machine "+host+" login alice password s3cret-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, map[string]string{"PIP_INDEX_URL": srv.IndexURL(), "HOME": home})
	env.HomeDir = home
	res, err := Make(context.Background(), Input{Requirements: []string{"lib-b"}, Target: synthetic()}, env)
	if err != nil {
		t.Fatal(err)
	}
	out := write(t, res.Lock)
	if !bytes.Contains(out, []byte(`name = "lib-b"`)) || !bytes.Contains(out, []byte(`version = "2.0"`)) {
		t.Fatalf("lock from PIP_INDEX_URL with netrc credentials:\n%s", out)
	}
	if bytes.Contains(out, []byte("s3cret-token")) || bytes.Contains(out, []byte("alice")) {
		t.Fatalf("the lock leaks credentials:\n%s", out)
	}
	// Credentials in the URL work too, and stay out of the lock.
	env = testEnv(t, map[string]string{"PIP_INDEX_URL": srv.IndexURLWithCredentials()})
	res, err = Make(context.Background(), Input{Requirements: []string{"lib-b"}, Target: synthetic()}, env)
	if err != nil {
		t.Fatal(err)
	}
	if out := write(t, res.Lock); bytes.Contains(out, []byte("s3cret-token")) {
		t.Fatalf("the lock leaks credentials:\n%s", out)
	}
	// Without credentials: an error naming the index, not the secret.
	_, err = Make(context.Background(), Input{Requirements: []string{"lib-b"}, Target: synthetic(), IndexURL: srv.IndexURL()}, testEnv(t, nil))
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), host) {
		t.Fatalf("unauthenticated lock gave %v", err)
	}
}

func TestMakeRequirementsFileAndPins(t *testing.T) {
	srv := testindex.Start(t, projects(), testindex.Options{})
	dir := t.TempDir()
	req := filepath.Join(dir, "requirements.txt")
	con := filepath.Join(dir, "constraints.txt")
	if err := os.WriteFile(req, []byte("--index-url ${INDEX}\n-c constraints.txt\napp  # the app\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(con, []byte("lib-a<2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, map[string]string{"INDEX": srv.IndexURL()})
	res, err := Make(context.Background(), Input{RequirementFiles: []string{req}, Target: synthetic()}, env)
	if err != nil {
		t.Fatal(err)
	}
	versions := func(lk *lockfile.Lock) map[string]string {
		out := map[string]string{}
		for _, p := range lk.Packages {
			out[p.Name] = p.Version
		}
		return out
	}
	// lib-a<2 rules out app 2.0 (it needs lib-a>=2).
	if v := versions(res.Lock); v["app"] != "1.0" || v["lib-a"] != "1.0" || len(v) != 2 {
		t.Fatalf("locked %v, want app 1.0 and lib-a 1.0", v)
	}
	// Re-locking without the constraint keeps the pins; --upgrade-package moves them.
	prev := res.Lock
	in := Input{Requirements: []string{"app"}, IndexURL: srv.IndexURL(), Target: synthetic(), Previous: prev}
	res, err = Make(context.Background(), in, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v := versions(res.Lock); v["app"] != "1.0" || v["lib-a"] != "1.0" {
		t.Fatalf("re-lock moved pins: %v", v)
	}
	in.UpgradePackages = []string{"app", "lib-a"}
	res, err = Make(context.Background(), in, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v := versions(res.Lock); v["app"] != "2.0" || v["lib-a"] != "2.0" || v["lib-b"] != "2.0" {
		t.Fatalf("upgrade gave %v, want app 2.0, lib-a 2.0, lib-b 2.0 (2.1 is yanked)", v)
	}
}

// TestLockInstallsWithPip proves other tools accept the lock: pip installs
// the requirements export with --require-hashes, and the real interpreter
// of the target imports what it installed.
func TestLockInstallsWithPip(t *testing.T) {
	py := pyref.Default(t)
	srv := testindex.Start(t, projects(), testindex.Options{})
	res, err := Make(context.Background(), Input{Requirements: []string{"app[fast]"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}}, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := res.Lock.WriteRequirements(&buf, lockfile.RequirementsOptions{LockName: "pylock.toml"}); err != nil {
		t.Fatal(err)
	}
	reqs := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(reqs, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "site")
	cmd := exec.Command(py.Python, "-m", "pip", "install", "--no-deps", "--require-hashes", "--index-url", srv.IndexURL(), "--target", site, "-r", reqs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install --require-hashes of the export failed: %v\n%s\n%s", err, out, buf.String())
	}
	check := exec.Command(py.Python, "-c", "import app, lib_a, lib_b, lib_c; print(lib_a.VERSION, lib_b.VERSION)")
	check.Env = append(os.Environ(), "PYTHONPATH="+site)
	out, err := check.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "2.0 2.0" {
		t.Fatalf("importing the installed lock: %v: %s", err, out)
	}
}

// tinyBackend is a PEP 517 backend shipped as a wheel on the index: it
// writes the metadata of the sdist it runs in, adding the requirements of
// deps.txt, as a backend computing dynamic dependencies would.
const tinyBackend = `
import os

def _metadata():
    with open("PKG-INFO", encoding="utf-8") as f:
        head = f.read().split("\n\n", 1)[0].rstrip("\n")
    with open("deps.txt", encoding="utf-8") as f:
        deps = [line.strip() for line in f if line.strip()]
    return head + "\n" + "".join("Requires-Dist: %s\n" % d for d in deps)

def get_requires_for_build_wheel(config_settings=None):
    return []

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    fields = dict(line.split(": ", 1) for line in _metadata().splitlines() if ": " in line)
    name = "%s-%s.dist-info" % (fields["Name"].replace("-", "_"), fields["Version"])
    os.makedirs(os.path.join(metadata_directory, name))
    with open(os.path.join(metadata_directory, name, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata())
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("tinyback builds no wheels")
`

// TestMakeBuildsSdistMetadata locks a source-only project whose
// dependencies are dynamic: clusterpack resolves its build backend from the
// index, installs it into a build environment, and runs the PEP 517 hook
// with a real CPython 3.11 found on the machine.
func TestMakeBuildsSdistMetadata(t *testing.T) {
	pyref.Default(t) // the test needs the machine's CPython 3.11, as CI has
	ps := projects()
	ps = append(ps,
		testindex.Project{Name: "tinyback", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "tinyback", Version: "1.0", Files: map[string]string{"tinyback.py": tinyBackend}})}},
		testindex.Project{Name: "app-src", Files: []testindex.File{testindex.Sdist(testindex.SdistSpec{
			Name: "app-src", Version: "0.3", Dynamic: []string{"Requires-Dist"},
			BuildBackend: "tinyback", BuildRequires: []string{"tinyback>=1"},
			Files: map[string]string{"deps.txt": "lib-a>=2\nlib-b<2\n"},
		})}},
	)
	srv := testindex.Start(t, ps, testindex.Options{})
	env := testEnv(t, map[string]string{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "PYENV_ROOT": os.Getenv("PYENV_ROOT")})
	res, err := Make(context.Background(), Input{Requirements: []string{"app-src"}, IndexURL: srv.IndexURL(), Target: synthetic()}, env)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range res.Lock.Packages {
		got[p.Name] = p.Version
		if p.Name == "app-src" && (p.Sdist == nil || len(p.Wheels) != 0) {
			t.Errorf("app-src should be locked with its sdist only: %+v", p)
		}
	}
	want := map[string]string{"app-src": "0.3", "lib-a": "2.0", "lib-b": "1.0"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("locked %v, want %v (the dependencies come from the built metadata)", got, want)
	}
	// The build environment is reused: a second lock runs no new install.
	envs, _ := filepath.Glob(filepath.Join(env.CacheDir, "buildenv", "*", ".complete"))
	if len(envs) != 1 {
		t.Fatalf("%d build environments, want 1", len(envs))
	}
}

// metaBackend is a PEP 517 backend (shipped as a wheel) that reports the
// metadata written in the project's meta.txt: a project whose
// dependencies only its backend knows.
const metaBackend = `
import os

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    with open("meta.txt", encoding="utf-8") as f:
        text = f.read()
    fields = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    name = "%s-%s.dist-info" % (fields["Name"].replace("-", "_"), fields["Version"])
    os.makedirs(os.path.join(metadata_directory, name))
    with open(os.path.join(metadata_directory, name, "METADATA"), "w", encoding="utf-8") as f:
        f.write(text)
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("metaback builds no wheels")
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMakeDirectReferences locks requirements given by location: a local
// wheel, a wheel URL, an editable project with static pyproject metadata,
// and a project whose dependencies need its build backend.
func TestMakeDirectReferences(t *testing.T) {
	pyref.Default(t)
	ps := append(projects(), testindex.Project{Name: "metaback", Files: []testindex.File{
		testindex.Wheel(testindex.WheelSpec{Name: "metaback", Version: "1.0", Files: map[string]string{"metaback.py": metaBackend}}),
	}})
	srv := testindex.Start(t, ps, testindex.Options{})
	work := t.TempDir()
	// A local wheel, not on the index.
	whl := testindex.WheelSpec{Name: "local-tool", Version: "0.9", RequiresDist: []string{"lib-c"}}
	data, err := testindex.BuildWheel(whl)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, work, map[string]string{
		"wheels/" + whl.Filename(): string(data),
		"proj/pyproject.toml": `[project]
name = "my-proj"
version = "0.1.0"
dependencies = ["lib-a>=2"]
[project.optional-dependencies]
dev = ["lib-b<2"]
`,
		"proj/my_proj/__init__.py": "",
		"dyn/pyproject.toml": `[build-system]
requires = ["metaback"]
build-backend = "metaback"
[project]
name = "dyn"
dynamic = ["version", "dependencies"]
`,
		"dyn/meta.txt": "Metadata-Version: 2.1\nName: dyn\nVersion: 3.0\nRequires-Dist: lib-b>=2\n",
	})
	lockDir := filepath.Join(work, "out")
	if err := os.MkdirAll(lockDir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, map[string]string{"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "PYENV_ROOT": os.Getenv("PYENV_ROOT")})
	in := Input{
		Requirements: []string{
			filepath.Join(work, "wheels", whl.Filename()),
			"app @ " + srv.URL() + "/files/app-1.0-py3-none-any.whl",
			filepath.Join(work, "dyn"),
		},
		Editables: []string{filepath.Join(work, "proj")},
		IndexURL:  srv.IndexURL(), Target: synthetic(), LockDir: lockDir,
	}
	res, err := Make(context.Background(), in, env)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]lockfile.Package{}
	for _, p := range res.Lock.Packages {
		byName[p.Name] = p
	}
	if p := byName["my-proj"]; p.Directory == nil || !p.Directory.Editable || p.Directory.Path != "../proj" || p.Version != "" {
		t.Errorf("editable project locked as %+v", p)
	}
	if p := byName["dyn"]; p.Directory == nil || p.Directory.Editable || p.Directory.Path != "../dyn" {
		t.Errorf("dynamic project locked as %+v", p)
	}
	if p := byName["local-tool"]; p.Archive == nil || p.Archive.Path != "../wheels/"+whl.Filename() || p.Version != "0.9" || p.Archive.Hashes["sha256"] == "" {
		t.Errorf("local wheel locked as %+v", p)
	}
	if p := byName["app"]; p.Archive == nil || !strings.HasSuffix(p.Archive.URL, "/files/app-1.0-py3-none-any.whl") || p.Version != "1.0" {
		t.Errorf("wheel URL locked as %+v", p)
	}
	// Dependencies of all four came from their metadata: lib-a>=2 (my-proj),
	// lib-b>=2 (dyn), lib-c (local-tool), and app 1.0's lib-a>=1.
	if byName["lib-a"].Version != "2.0" || byName["lib-b"].Version != "2.0" || byName["lib-c"].Version != "0.5" {
		t.Errorf("dependencies: lib-a %s, lib-b %s, lib-c %s", byName["lib-a"].Version, byName["lib-b"].Version, byName["lib-c"].Version)
	}
	if _, ok := byName["lib-win"]; ok {
		t.Error("a win32-only dependency was locked for Linux")
	}

	// A name that does not match the file is an error that says so.
	in = Input{Requirements: []string{"other @ " + srv.URL() + "/files/app-1.0-py3-none-any.whl"}, IndexURL: srv.IndexURL(), Target: synthetic()}
	if _, err := Make(context.Background(), in, env); err == nil || !strings.Contains(err.Error(), "is app, not other") {
		t.Errorf("mismatched name gave %v", err)
	}
	// Two locations for one package are refused.
	in = Input{Requirements: []string{"app @ " + srv.URL() + "/files/app-1.0-py3-none-any.whl", "app @ " + srv.URL() + "/files/app-2.0-py3-none-any.whl"}, IndexURL: srv.IndexURL(), Target: synthetic()}
	if _, err := Make(context.Background(), in, env); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("two locations gave %v", err)
	}
}

// TestLockInstallsWithUV proves the PEP 751 lock itself is installable by
// another tool: uv installs pylock.toml (it checks the environments marker
// and every hash) into a target directory that the real CPython imports.
func TestLockInstallsWithUV(t *testing.T) {
	py := pyref.Default(t)
	uv := pyref.UV(t)
	srv := testindex.Start(t, projects(), testindex.Options{})
	res, err := Make(context.Background(), Input{Requirements: []string{"app[fast]"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}}, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lockPath := filepath.Join(dir, "pylock.toml")
	if err := os.WriteFile(lockPath, write(t, res.Lock), 0o644); err != nil {
		t.Fatal(err)
	}
	site := filepath.Join(dir, "site")
	cmd := exec.Command(uv, "pip", "install", "--python", py.Python, "--target", site, "-r", lockPath)
	cmd.Env = append(os.Environ(), "UV_CACHE_DIR="+filepath.Join(dir, "uv-cache"), "UV_NO_CONFIG=1", "UV_OFFLINE=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("uv pip install -r pylock.toml failed: %v\n%s", err, out)
	}
	check := exec.Command(py.Python, "-c", "import app, lib_a, lib_b, lib_c; print(app.VERSION, lib_a.VERSION)")
	check.Env = append(os.Environ(), "PYTHONPATH="+site)
	out, err := check.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "2.0 2.0" {
		t.Fatalf("importing what uv installed from the lock: %v: %s", err, out)
	}
}

// TestMakeFromVenv locks what a real virtualenv has installed: the
// installed versions (not the newest), an editable project as an editable
// directory package, and the virtualenv's interpreter as the target.
func TestMakeFromVenv(t *testing.T) {
	py := pyref.Default(t)
	srv := testindex.Start(t, projects(), testindex.Options{})
	work := t.TempDir()
	venv := filepath.Join(work, "venv")
	if out, err := exec.Command(py.Python, "-m", "venv", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("python -m venv: %v\n%s", err, out)
	}
	pip := exec.Command(py.Python, "-m", "pip", "--python", filepath.Join(venv, "bin", "python"), "install", "--index-url", srv.IndexURL(), "app==1.0", "lib-b==1.0")
	if out, err := pip.CombinedOutput(); err != nil {
		t.Fatalf("pip install into the venv: %v\n%s", err, out)
	}
	// An editable install as pip records it (PEP 610 direct_url.json).
	proj := filepath.Join(work, "proj")
	writeFiles(t, proj, map[string]string{
		"pyproject.toml":      "[project]\nname = \"my-proj\"\nversion = \"0.1.0\"\ndependencies = [\"lib-c\"]\n",
		"my_proj/__init__.py": "",
	})
	site, _ := filepath.Glob(filepath.Join(venv, "lib", "python3.*", "site-packages"))
	if len(site) != 1 {
		t.Fatalf("site-packages: %v", site)
	}
	projURL := (&url.URL{Scheme: "file", Path: proj}).String()
	writeFiles(t, filepath.Join(site[0], "my_proj-0.1.0.dist-info"), map[string]string{
		"METADATA":        "Metadata-Version: 2.1\nName: my-proj\nVersion: 0.1.0\nRequires-Dist: lib-c\n",
		"INSTALLER":       "pip\n",
		"RECORD":          "",
		"direct_url.json": `{"url": "` + projURL + `", "dir_info": {"editable": true}}`,
	})
	env := testEnv(t, nil)
	res, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: work}, env)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range res.Lock.Packages {
		got[p.Name] = p.Version
		if p.Name == "my-proj" && (p.Directory == nil || !p.Directory.Editable || p.Directory.Path != "proj") {
			t.Errorf("editable project locked as %+v", p)
		}
	}
	want := map[string]string{"app": "1.0", "lib-a": "2.0", "lib-b": "1.0", "lib-c": "0.5", "my-proj": ""}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("locked %v, want %v", got, want)
	}
	if res.Target.Synthetic() || !strings.HasPrefix(res.Target.Interpreter, venv) {
		t.Errorf("target %q is not the virtualenv's interpreter", res.Target.Interpreter)
	}

	// Leaving out the editable project and app (spelled otherwise): what
	// the venv has installed stays (lib-a, lib-b); lib-c, which only the
	// skipped my-proj asked for and the venv lacks, goes.
	ex, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: work, Exclude: []string{"My_Proj", "APP"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, p := range ex.Lock.Packages {
		got[p.Name] = p.Version
	}
	if want := map[string]string{"lib-a": "2.0", "lib-b": "1.0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with app and my-proj excluded locked %v, want %v", got, want)
	}
	if tool, err := ex.Lock.Clusterpack(); err != nil || !reflect.DeepEqual(tool.Exclude, []string{"app", "my-proj"}) {
		t.Errorf("[tool.clusterpack] exclude = %v (%v), want [app my-proj]", tool.Exclude, err)
	}
	if len(ex.Notes) != 0 {
		t.Errorf("notes %q for names that matched", ex.Notes)
	}

	// The same virtualenv again: the kept lock, no request to the index.
	pages := srv.Requests("/simple/app/")
	again, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: work}, env)
	if err != nil {
		t.Fatal(err)
	}
	if srv.Requests("/simple/app/") != pages || !bytes.Equal(write(t, again.Lock), write(t, res.Lock)) {
		t.Fatal("re-locking an unchanged virtualenv went to the index or gave another lock")
	}
	// Another version installed: locked afresh.
	pip = exec.Command(py.Python, "-m", "pip", "--python", filepath.Join(venv, "bin", "python"), "install", "--index-url", srv.IndexURL(), "lib-b==2.0")
	if out, err := pip.CombinedOutput(); err != nil {
		t.Fatalf("pip install into the venv: %v\n%s", err, out)
	}
	changed, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: work}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range changed.Lock.Packages {
		if p.Name == "lib-b" && p.Version != "2.0" {
			t.Fatalf("after upgrading lib-b the lock has %s", p.Version)
		}
	}
}

// TestMakeFromVenvWithoutInterpreter: a virtualenv whose bin/python
// points nowhere is still read; its target must then be given.
func TestMakeFromVenvWithoutInterpreter(t *testing.T) {
	venv := filepath.Join(t.TempDir(), "venv")
	writeFiles(t, venv, map[string]string{
		"pyvenv.cfg": "home = /gone/bin\nversion = 3.11.7\n",
		"lib/python3.11/site-packages/lib_c-0.5.dist-info/METADATA":  "Metadata-Version: 2.1\nName: lib-c\nVersion: 0.5\n",
		"lib/python3.11/site-packages/lib_c-0.5.dist-info/INSTALLER": "pip\n",
		"lib/python3.11/site-packages/lib_c-0.5.dist-info/RECORD":    "",
	})
	if err := os.MkdirAll(filepath.Join(venv, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/gone/bin/python3.11", filepath.Join(venv, "bin", "python")); err != nil {
		t.Fatal(err)
	}
	srv := testindex.Start(t, projects(), testindex.Options{})
	env := testEnv(t, nil)
	_, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: t.TempDir()}, env)
	if !errors.Is(err, ErrVenvNoInterpreter) || !strings.Contains(err.Error(), venv) {
		t.Fatalf("no target: %v", err)
	}
	res, err := Make(context.Background(), Input{FromVenv: venv, IndexURL: srv.IndexURL(), LockDir: t.TempDir(), Target: synthetic()}, env)
	if err != nil {
		t.Fatalf("with a target: %v", err)
	}
	if res.Target.PythonVersion != "3.11" || len(res.Lock.Packages) != 1 || res.Lock.Packages[0].Version != "0.5" {
		t.Errorf("with a target: Python %s, %d packages", res.Target.PythonVersion, len(res.Lock.Packages))
	}
}

func TestMakeNothingToLock(t *testing.T) {
	_, err := Make(context.Background(), Input{Target: synthetic(), LockDir: t.TempDir()}, testEnv(t, nil))
	if !errors.Is(err, ErrNothingToLock) {
		t.Fatalf("Make without requirements = %v, want ErrNothingToLock", err)
	}
}

// preferWorld has a project whose newest version, 2.0, has only an sdist
// (with static metadata: no build needed to lock it), and whose 1.5 has a
// wheel tagged tag.
func preferWorld(tag string) []testindex.Project {
	return []testindex.Project{{Name: "num", Files: []testindex.File{
		testindex.Wheel(testindex.WheelSpec{Name: "num", Version: "1.5", Tag: tag}),
		testindex.Sdist(testindex.SdistSpec{Name: "num", Version: "2.0"}),
	}}}
}

// TestMakePrefersBinaryForForeignTargets: for a declared platform, an
// older version with a wheel for it is locked rather than a newer sdist,
// which would be built on this host for this host, with a note; the
// preference can be turned off, and is off for a host target unless it
// is asked for.
func TestMakePrefersBinaryForForeignTargets(t *testing.T) {
	srv := testindex.Start(t, preferWorld("cp311-cp311-manylinux_2_17_x86_64"), testindex.Options{})
	foreign := target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_17_x86_64"}}
	locked := func(t *testing.T, res *Result) (version string, sdist bool) {
		t.Helper()
		if len(res.Lock.Packages) != 1 {
			t.Fatalf("locked %+v", res.Lock.Packages)
		}
		p := res.Lock.Packages[0]
		return p.Version, p.Sdist != nil && len(p.Wheels) == 0
	}
	res, err := Make(context.Background(), Input{Requirements: []string{"num"}, IndexURL: srv.IndexURL(), Target: foreign}, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v, sdist := locked(t, res); v != "1.5" || sdist {
		t.Fatalf("locked num %s (sdist only: %v), want 1.5 with its wheel", v, sdist)
	}
	want := []string{"num: 2.0 has no wheel for manylinux_2_17_x86_64; locked 1.5, the newest with one"}
	if !reflect.DeepEqual(res.Notes, want) || !reflect.DeepEqual(res.PassedOver, []string{"num"}) {
		t.Errorf("notes %q, passed over %q; want %q", res.Notes, res.PassedOver, want)
	}
	if tool, err := res.Lock.Clusterpack(); err != nil || !tool.PreferBinary {
		t.Errorf("[tool.clusterpack] does not record prefer-binary: %+v %v", tool, err)
	}
	// Re-locking with the opt-out over that lock still honours its pin;
	// without a lock it takes the newest, the sdist.
	res, err = Make(context.Background(), Input{Requirements: []string{"num"}, IndexURL: srv.IndexURL(), Target: foreign, PreferBinary: PreferBinaryNever, Previous: res.Lock}, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := locked(t, res); v != "1.5" {
		t.Fatalf("re-lock moved the pin to %s", v)
	}
	res, err = Make(context.Background(), Input{Requirements: []string{"num"}, IndexURL: srv.IndexURL(), Target: foreign, PreferBinary: PreferBinaryNever}, testEnv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if v, sdist := locked(t, res); v != "2.0" || !sdist || len(res.Notes) != 0 {
		t.Fatalf("opted out: locked num %s (sdist only: %v), notes %q; want the 2.0 sdist and no note", v, sdist, res.Notes)
	}
	if tool, _ := res.Lock.Clusterpack(); tool.PreferBinary || bytes.Contains(write(t, res.Lock), []byte("prefer-binary")) {
		t.Errorf("opted out, the lock says prefer-binary:\n%s", write(t, res.Lock))
	}

	t.Run("host target", func(t *testing.T) {
		py := pyref.Default(t)
		host, err := target.Resolve(context.Background(), target.Spec{Python: py.Python}, target.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The wheel of 1.5 has the host's best tag, so the host can use it.
		srv := testindex.Start(t, preferWorld(host.Tags[0].String()), testindex.Options{})
		in := Input{Requirements: []string{"num"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}}
		res, err := Make(context.Background(), in, testEnv(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		if v, sdist := locked(t, res); v != "2.0" || !sdist || len(res.Notes) != 0 {
			t.Fatalf("host target: locked num %s (sdist only: %v), notes %q; want the newest, 2.0", v, sdist, res.Notes)
		}
		in.PreferBinary = PreferBinaryAlways
		res, err = Make(context.Background(), in, testEnv(t, nil))
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := locked(t, res); v != "1.5" || len(res.Notes) != 1 {
			t.Fatalf("host target, prefer binary: locked num %s, notes %q; want 1.5 and a note", v, res.Notes)
		}
		// A requirements file's --prefer-binary asks for it too, as in pip.
		req := filepath.Join(t.TempDir(), "requirements.txt")
		if err := os.WriteFile(req, []byte("--prefer-binary\nnum\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		in = Input{RequirementFiles: []string{req}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}}
		if res, err = Make(context.Background(), in, testEnv(t, nil)); err != nil {
			t.Fatal(err)
		}
		if v, _ := locked(t, res); v != "1.5" {
			t.Fatalf("--prefer-binary in a requirements file: locked num %s, want 1.5", v)
		}
		// So does pip's configuration: a pip.conf's prefer-binary, and
		// PIP_PREFER_BINARY, which --no-prefer-binary overrides.
		conf := filepath.Join(t.TempDir(), "pip.conf")
		if err := os.WriteFile(conf, []byte("[global]\nprefer-binary = yes\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			env  map[string]string
			pref BinaryPreference
			want string
		}{
			{"pip.conf", map[string]string{"PIP_CONFIG_FILE": conf}, PreferBinaryForeign, "1.5"},
			{"PIP_PREFER_BINARY", map[string]string{"PIP_PREFER_BINARY": "1"}, PreferBinaryForeign, "1.5"},
			{"PIP_PREFER_BINARY=0", map[string]string{"PIP_PREFER_BINARY": "0"}, PreferBinaryForeign, "2.0"},
			{"pip.conf, --no-prefer-binary", map[string]string{"PIP_CONFIG_FILE": conf}, PreferBinaryNever, "2.0"},
		} {
			in := Input{Requirements: []string{"num"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}, PreferBinary: tc.pref}
			res, err := Make(context.Background(), in, testEnv(t, tc.env))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if v, _ := locked(t, res); v != tc.want {
				t.Errorf("%s: locked num %s, want %s", tc.name, v, tc.want)
			}
		}
	})
}

// TestMakeExclude leaves packages out of a lock of requirements, as uv's
// --no-install-package does: the package is resolved and dropped, its
// dependencies stay unless excluded too.
func TestMakeExclude(t *testing.T) {
	srv := testindex.Start(t, projects(), testindex.Options{})
	for _, tc := range []struct {
		name    string
		reqs    []string
		exclude []string
		want    []string
		tool    []string
		notes   int
	}{
		{"none", []string{"app==1.0"}, nil, []string{"app", "lib-a"}, nil, 0},
		{"a dependency", []string{"app==1.0"}, []string{"Lib_A"}, []string{"app"}, []string{"lib-a"}, 0},
		{"a root keeps its dependencies", []string{"app==1.0"}, []string{"app"}, []string{"lib-a"}, []string{"app"}, 0},
		{"both", []string{"app==1.0"}, []string{"lib-a", "app"}, nil, []string{"app", "lib-a"}, 0},
		{"a name nothing has", []string{"app==1.0"}, []string{"pyspark"}, []string{"app", "lib-a"}, []string{"pyspark"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Make(context.Background(), Input{Requirements: tc.reqs, Exclude: tc.exclude, IndexURL: srv.IndexURL(), Target: synthetic()}, testEnv(t, nil))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range res.Lock.Packages {
				got = append(got, p.Name)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("locked %v, want %v", got, tc.want)
			}
			tool, err := res.Lock.Clusterpack()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tool.Exclude, tc.tool) {
				t.Errorf("[tool.clusterpack] exclude = %v, want %v", tool.Exclude, tc.tool)
			}
			if len(res.Notes) != tc.notes {
				t.Errorf("notes %q, want %d", res.Notes, tc.notes)
			}
			// The lock reads back with its exclusions.
			back, err := lockfile.Read(bytes.NewReader(write(t, res.Lock)), "pylock.toml")
			if err != nil {
				t.Fatal(err)
			}
			if bt, _ := back.Clusterpack(); !reflect.DeepEqual(bt.Exclude, tc.tool) {
				t.Errorf("read back, exclude = %v", bt.Exclude)
			}
		})
	}
	_, err := Make(context.Background(), Input{Requirements: []string{"app"}, Exclude: []string{"not a name"}, IndexURL: srv.IndexURL(), Target: synthetic()}, testEnv(t, nil))
	var ne *ExcludeNameError
	if !errors.As(err, &ne) || ne.Name != "not a name" {
		t.Errorf("excluding %q: %v, want an *ExcludeNameError", "not a name", err)
	}
}
