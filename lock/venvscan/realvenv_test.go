package venvscan

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// run runs a command quietly and fails the test with its output when it
// fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := tryRunIn(t, "", name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// tryRunIn runs a command quietly in dir (when not empty) and returns
// its output and error.
func tryRunIn(t *testing.T, dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PIP_CONFIG_FILE=/dev/null",
		"PIP_ROOT_USER_ACTION=ignore", "PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PIP_NO_CACHE_DIR=1"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// pip runs the venv's pip with no index but the ones given.
func pip(t *testing.T, venv string, args ...string) {
	t.Helper()
	run(t, filepath.Join(venv, "bin", "python"), append([]string{"-m", "pip", "--isolated", "--retries", "0", "--timeout", "20", "install"}, args...)...)
}

// miniBackend is a PEP 517/660 build backend in one module: it builds a
// wheel whose only content is a .pth file pointing at the project's src
// directory, as hatchling and flit do for editable installs.
const miniBackend = `import base64, hashlib, os, zipfile

ROOT = os.path.dirname(os.path.abspath(__file__))
DIST, VERSION = "edit_me", "0.1"
INFO = DIST + "-" + VERSION + ".dist-info"

def _wheel(directory):
    files = {
        "_" + DIST + ".pth": os.path.join(ROOT, "src") + "\n",
        INFO + "/METADATA": "Metadata-Version: 2.1\nName: Edit.Me\nVersion: " + VERSION + "\n",
        INFO + "/WHEEL": "Wheel-Version: 1.0\nGenerator: mini\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    name = DIST + "-" + VERSION + "-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as z:
        for path, text in files.items():
            data = text.encode()
            z.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(INFO + "/RECORD,,")
        z.writestr(INFO + "/RECORD", "\n".join(record) + "\n")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory)

def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory)
`

// bundledSetuptools returns the setuptools wheel ensurepip bundles with
// python, or "".
func bundledSetuptools(t *testing.T, python string) string {
	dir := strings.TrimSpace(run(t, python, "-c", "import ensurepip, os; print(os.path.dirname(ensurepip.__file__))"))
	whls, _ := filepath.Glob(filepath.Join(dir, "_bundled", "setuptools-*.whl"))
	if len(whls) == 0 {
		return ""
	}
	return whls[0]
}

// realVenv is a virtualenv made by CPython's venv and filled by pip.
type realVenv struct {
	dir        string
	urlWheel   []byte // the wheel installed by a file: URL
	projects   string // directory of the local projects
	setuptools bool   // the setuptools develop project was installed
	pep660     bool   // the setuptools PEP 660 projects were installed
}

// makeRealVenv makes a venv with pip and installs into it: wheels from
// an index (one requested, one a dependency), a wheel by file: URL, a
// project editable through a minimal PEP 660 backend, and, when the
// interpreter bundles setuptools, setuptools projects installed editable
// the PEP 660 way (flat and src layouts) and the legacy setup.py develop
// way. setuptools 65 needs the wheel package for PEP 660 installs: that
// comes from PyPI when the machine reaches it.
func makeRealVenv(t *testing.T) *realVenv {
	t.Helper()
	python := pyref.Default(t).Python
	tmp := t.TempDir()
	rv := &realVenv{dir: filepath.Join(tmp, "venv"), projects: filepath.Join(tmp, "projects")}
	run(t, python, "-m", "venv", rv.dir)

	srv := testindex.Start(t, []testindex.Project{
		{Name: "Demo.App", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
			Name: "Demo.App", Version: "1.0", RequiresDist: []string{"helper>=2"},
			Files:       map[string]string{"demo_app/__init__.py": "", "demo_app/cli.py": "def main(): pass\n", "demo_single.py": ""},
			EntryPoints: map[string]map[string]string{"console_scripts": {"demo-cli": "demo_app.cli:main"}},
		})}},
		{Name: "helper", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
			Name: "helper", Version: "2.0.post1", Files: map[string]string{"helper/__init__.py": ""},
			Data: map[string]map[string]string{"data": {"share/helper/x.txt": "x"}},
		})}},
	}, testindex.Options{})
	pip(t, rv.dir, "--index-url", srv.IndexURL(), "Demo.App")

	url := testindex.Wheel(testindex.WheelSpec{Name: "url_pkg", Version: "3.1", Files: map[string]string{"url_pkg.py": ""}})
	rv.urlWheel = url.Content
	whl := filepath.Join(tmp, url.Filename)
	if err := os.WriteFile(whl, url.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	pip(t, rv.dir, "--no-index", "url-pkg @ file://"+filepath.ToSlash(whl))

	writeFiles(t, rv.projects, map[string]string{
		"editme/pyproject.toml":           "[build-system]\nrequires = []\nbuild-backend = \"minibackend\"\nbackend-path = [\".\"]\n",
		"editme/minibackend.py":           miniBackend,
		"editme/src/edit_me/__init__.py":  "",
		"stflat/setup.py":                 "from setuptools import setup\nsetup(name='st-flat', version='0.3', packages=['st_flat'])\n",
		"stflat/st_flat/__init__.py":      "",
		"stsrc/setup.py":                  "from setuptools import setup\nsetup(name='st_src', version='0.4', packages=['st_src'], package_dir={'': 'src'})\n",
		"stsrc/src/st_src/__init__.py":    "",
		"develop/setup.py":                "from setuptools import setup\nsetup(name='Dev.Proj', version='0.5', packages=['devproj'])\n",
		"develop/devproj/__init__.py":     "",
		"develop/devproj/sub/__init__.py": "",
	})
	pip(t, rv.dir, "--no-index", "--no-build-isolation", "-e", filepath.Join(rv.projects, "editme"))

	if st := bundledSetuptools(t, python); st != "" {
		rv.setuptools = true
		pip(t, rv.dir, "--no-index", st)
		// What pip install --no-use-pep517 -e runs; pip would want the
		// wheel package for it.
		py := filepath.Join(rv.dir, "bin", "python")
		if out, err := tryRunIn(t, filepath.Join(rv.projects, "develop"), py, "setup.py", "develop"); err != nil {
			t.Fatalf("setup.py develop: %v\n%s", err, out)
		}
		args := []string{"-m", "pip", "--isolated", "--retries", "0", "--timeout", "10", "install", "--index-url", "https://pypi.org/simple/", "wheel==0.43.0"}
		if cert := os.Getenv("PIP_CERT"); cert != "" {
			args = append(args, "--cert", cert) // a proxy's certificate authority
		}
		if out, err := tryRunIn(t, "", py, args...); err != nil {
			t.Logf("wheel not installed from PyPI (offline?): setuptools PEP 660 installs not tested\n%s", out)
		} else {
			rv.pep660 = true
			pip(t, rv.dir, "--no-index", "--no-build-isolation", "--use-pep517", "-e", filepath.Join(rv.projects, "stflat"), "-e", filepath.Join(rv.projects, "stsrc"))
		}
	} else {
		t.Log("no bundled setuptools wheel: setuptools editable installs not tested")
	}
	return rv
}

// referenceScript lists the environment as Python sees it: the
// distributions importlib.metadata finds, the first of each name as pip
// takes it, with pip's editable project location, and which of the
// names on standard input are importable.
const referenceScript = `import importlib.metadata as md, importlib.util, json, os, re, site, subprocess, sys

names = json.load(sys.stdin)
pip = {re.sub(r"[-_.]+", "-", p["name"]).lower(): p for p in json.loads(subprocess.run(
    [sys.executable, "-m", "pip", "--isolated", "--disable-pip-version-check", "list", "--format=json", "-v"],
    check=True, capture_output=True).stdout)}
dists = {}
for d in md.distributions():
    name = d.metadata["Name"]
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in dists:
        continue
    du = d.read_text("direct_url.json")
    dists[key] = {
        "name": name, "version": d.version, "info": os.path.realpath(str(d._path)),
        "installer": (d.read_text("INSTALLER") or "").strip(),
        "requested": d.read_text("REQUESTED") is not None,
        "direct_url": json.loads(du) if du else None,
        "editable_location": pip.get(key, {}).get("editable_project_location", ""),
        "in_pip_list": key in pip,
    }
sites = []
for p in site.getsitepackages():
    if os.path.isdir(p) and os.path.realpath(p) not in [os.path.realpath(s) for s in sites]:
        sites.append(p)
print(json.dumps({
    "dists": dists,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "python": os.path.realpath(sys.executable),
    "sites": sites,
    "importable": {n: importlib.util.find_spec(n) is not None for n in names},
}))
`

type reference struct {
	Dists map[string]struct {
		Name, Version, Info, Installer string
		Requested                      bool
		DirectURL                      map[string]any `json:"direct_url"`
		EditableLocation               string         `json:"editable_location"`
		InPipList                      bool           `json:"in_pip_list"`
	}
	Version, Python string
	Sites           []string
	Importable      map[string]bool
}

func TestRealVenv(t *testing.T) {
	rv := makeRealVenv(t)
	// Drop top_level.txt of two distributions so that RECORD is read.
	for _, info := range []string{"demo_app-1.0.dist-info", "helper-2.0.post1.dist-info"} {
		if err := os.Remove(filepath.Join(rv.dir, "lib", "python3.11", "site-packages", info, "top_level.txt")); err != nil {
			t.Fatal(err)
		}
	}
	v, err := Scan(context.Background(), rv.dir)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Dist{}
	var topLevel []string
	for _, d := range v.Dists {
		byName[d.NormalizedName] = d
		topLevel = append(topLevel, d.TopLevel...)
	}
	var ref reference
	pyref.Interpreter{Python: filepath.Join(rv.dir, "bin", "python")}.Run(t, referenceScript, topLevel, &ref)

	t.Run("differential", func(t *testing.T) {
		if v.PythonVersion != ref.Version || v.Python != ref.Python || !reflect.DeepEqual(v.SitePackages, ref.Sites) {
			t.Errorf("Scan: version %q, python %q, sites %q; Python: %q, %q, %q", v.PythonVersion, v.Python, v.SitePackages, ref.Version, ref.Python, ref.Sites)
		}
		var got, want []string
		for n := range byName {
			got = append(got, n)
		}
		for n := range ref.Dists {
			want = append(want, n)
		}
		sort.Strings(got)
		sort.Strings(want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("distributions: Scan %q, importlib.metadata %q", got, want)
		}
		for name, r := range ref.Dists {
			d := byName[name]
			real, _ := filepath.EvalSymlinks(d.DistInfo)
			if d.Name != r.Name || d.Version != r.Version || real != r.Info || d.Installer != r.Installer || d.Requested != r.Requested {
				t.Errorf("%s: Scan %q %q %q installer %q requested %v; Python %q %q %q %q %v",
					name, d.Name, d.Version, real, d.Installer, d.Requested, r.Name, r.Version, r.Info, r.Installer, r.Requested)
			}
			if !r.InPipList {
				t.Errorf("%s: not in pip list", name)
			}
			if d.Editable != (r.EditableLocation != "") || d.EditablePath != r.EditableLocation {
				t.Errorf("%s: Scan editable %v at %q; pip: %q", name, d.Editable, d.EditablePath, r.EditableLocation)
			}
			if (d.DirectURL == nil) != (r.DirectURL == nil) {
				t.Errorf("%s: DirectURL %+v, direct_url.json %v", name, d.DirectURL, r.DirectURL)
			} else if d.DirectURL != nil {
				if d.DirectURL.URL != r.DirectURL["url"] {
					t.Errorf("%s: URL %q, direct_url.json %q", name, d.DirectURL.URL, r.DirectURL["url"])
				}
				if ai, ok := r.DirectURL["archive_info"].(map[string]any); ok {
					hashes, _ := ai["hashes"].(map[string]any)
					if d.DirectURL.Archive == nil || len(hashes) == 0 || d.DirectURL.Archive.Hashes["sha256"] != hashes["sha256"] {
						t.Errorf("%s: archive %+v, direct_url.json %v", name, d.DirectURL.Archive, ai)
					}
				}
			}
		}
		for _, n := range topLevel {
			if !ref.Importable[n] {
				t.Errorf("top-level name %q is not importable in the venv", n)
			}
		}
	})

	t.Run("expectations", func(t *testing.T) {
		sum := sha256.Sum256(rv.urlWheel)
		checks := []struct {
			name string
			ok   func(Dist) bool
		}{
			{"demo-app", func(d Dist) bool {
				return d.Name == "Demo.App" && d.Requested && d.Installer == "pip" && !d.Editable &&
					reflect.DeepEqual(d.TopLevel, []string{"demo_app", "demo_single"})
			}},
			{"helper", func(d Dist) bool {
				return d.Version == "2.0.post1" && !d.Requested && reflect.DeepEqual(d.TopLevel, []string{"helper"})
			}},
			{"url-pkg", func(d Dist) bool {
				return d.DirectURL != nil && d.DirectURL.Archive != nil && d.DirectURL.Archive.Hashes["sha256"] == hex.EncodeToString(sum[:]) &&
					strings.HasPrefix(d.DirectURL.URL, "file:///") && reflect.DeepEqual(d.TopLevel, []string{"url_pkg"})
			}},
			{"edit-me", func(d Dist) bool {
				return d.Name == "Edit.Me" && d.Editable && d.EditablePath == filepath.Join(rv.projects, "editme") &&
					d.DirectURL != nil && d.DirectURL.Dir != nil && !d.Legacy
			}},
			{"pip", func(d Dist) bool { return d.Installer == "pip" && reflect.DeepEqual(d.TopLevel, []string{"pip"}) }},
		}
		if rv.setuptools {
			checks = append(checks, []struct {
				name string
				ok   func(Dist) bool
			}{
				{"dev-proj", func(d Dist) bool {
					return d.Name == "Dev.Proj" && d.Legacy && d.Editable && d.EditablePath == filepath.Join(rv.projects, "develop") &&
						d.DirectURL == nil && reflect.DeepEqual(d.TopLevel, []string{"devproj"})
				}},
				{"setuptools", func(d Dist) bool { return !d.Editable && d.Requested }},
			}...)
		}
		if rv.pep660 {
			checks = append(checks, []struct {
				name string
				ok   func(Dist) bool
			}{
				{"st-flat", func(d Dist) bool {
					return d.Editable && d.EditablePath == filepath.Join(rv.projects, "stflat") && !d.Legacy
				}},
				{"st-src", func(d Dist) bool {
					return d.Editable && d.EditablePath == filepath.Join(rv.projects, "stsrc") && !d.Legacy
				}},
			}...)
		}
		for _, c := range checks {
			d, ok := byName[c.name]
			if !ok {
				t.Errorf("%s not found", c.name)
			} else if !c.ok(d) {
				t.Errorf("%s: unexpected %+v", c.name, d)
			}
		}
	})

	t.Run("setuptools .pth and finder without direct_url.json", func(t *testing.T) {
		if !rv.pep660 {
			t.Skip("setuptools PEP 660 installs not made")
		}
		for _, name := range []string{"st-flat", "st-src"} {
			if err := os.Remove(filepath.Join(byName[name].DistInfo, "direct_url.json")); err != nil {
				t.Fatal(err)
			}
		}
		v, err := Scan(context.Background(), rv.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range v.Dists {
			want := map[string]string{"st-flat": "stflat", "st-src": "stsrc"}[d.NormalizedName]
			if want == "" {
				continue
			}
			if d.DirectURL != nil || !d.Editable || d.EditablePath != filepath.Join(rv.projects, want) {
				t.Errorf("%s: editable %v at %q, want %q", d.Name, d.Editable, d.EditablePath, filepath.Join(rv.projects, want))
			}
		}
	})

	t.Run("credentials in direct_url.json", func(t *testing.T) {
		// pip removes credentials itself; other installers and old pips
		// did not.
		path := filepath.Join(byName["url-pkg"].DistInfo, "direct_url.json")
		secret := `{"url": "https://alice:s3cr3t-token@repo.example/url_pkg-3.1-py3-none-any.whl", "archive_info": {}}`
		if err := os.WriteFile(path, []byte(secret), 0o644); err != nil {
			t.Fatal(err)
		}
		v, err := Scan(context.Background(), rv.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range v.Dists {
			if d.NormalizedName == "url-pkg" && d.DirectURL.URL != "https://repo.example/url_pkg-3.1-py3-none-any.whl" {
				t.Errorf("URL = %q", d.DirectURL.URL)
			}
			if d.DirectURL != nil && strings.Contains(d.DirectURL.URL, "s3cr3t") {
				t.Errorf("%s: secret in %q", d.Name, d.DirectURL.URL)
			}
		}
	})

	t.Run("duplicate dist-info", func(t *testing.T) {
		// An interrupted upgrade leaves the old metadata directory behind.
		site := filepath.Dir(byName["helper"].DistInfo)
		stale := filepath.Join(site, "helper-1.0.dist-info")
		if err := os.CopyFS(stale, os.DirFS(byName["helper"].DistInfo)); err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(stale)
		_, err := Scan(context.Background(), rv.dir)
		var dup *DuplicateError
		if !errors.As(err, &dup) || dup.Name != "helper" || !reflect.DeepEqual(dup.Paths, []string{stale, byName["helper"].DistInfo}) {
			t.Fatalf("Scan: %v, want a DuplicateError naming %s and %s", err, stale, byName["helper"].DistInfo)
		}
	})
}
