package buildenv

import (
	"archive/zip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/index/artifacts"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/target"
)

// tinyBackend is a PEP 517 backend shipped as a wheel on the index: the
// sdist names it only in build-system.requires, so the build can find it
// only in the environment NewFrontend's Builder resolves and installs.
const tinyBackend = `import os, zipfile, hashlib, base64

def _record(z, files):
    rows = []
    for path, text in files:
        data = text.encode()
        z.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    return rows

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    name = "app-1.0-py3-none-any.whl"
    files = [
        ("app.py", "BUILT_BY = 'tinybackend'\n"),
        ("app-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: app\nVersion: 1.0\n"),
        ("app-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: tinybackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        rows = _record(z, files)
        rows.append("app-1.0.dist-info/RECORD,,")
        z.writestr(zipfile.ZipInfo("app-1.0.dist-info/RECORD", (1980, 1, 1, 0, 0, 0)), "\n".join(rows) + "\n")
    return name
`

func TestNewFrontendBuildsInResolvedEnvironment(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	srv := testindex.Start(t, []testindex.Project{{
		Name:  "tinybackend",
		Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "tinybackend", Version: "0.1", Files: map[string]string{"tinybackend.py": tinyBackend}})},
	}}, testindex.Options{})
	cacheDir := t.TempDir()
	client, err := index.New(index.Options{IndexURLs: []string{srv.IndexURL()}, CacheDir: filepath.Join(cacheDir, "http")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tgt, err := target.Resolve(ctx, target.Spec{Python: python}, target.Options{CacheDir: cacheDir, Getenv: os.Getenv})
	if err != nil {
		t.Fatal(err)
	}
	sdist, err := testindex.BuildSdist(testindex.SdistSpec{
		Name: "app", Version: "1.0",
		PyprojectTOML: "[build-system]\nrequires = [\"tinybackend\"]\nbuild-backend = \"tinybackend\"\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	sdistPath := filepath.Join(t.TempDir(), "app-1.0.tar.gz")
	if err := os.WriteFile(sdistPath, sdist, 0o644); err != nil {
		t.Fatal(err)
	}

	f := NewFrontend(FrontendOptions{
		Python: python, PythonVersion: tgt.PythonVersion, Source: client,
		Artifacts: &artifacts.Cache{Dir: filepath.Join(cacheDir, "artifacts"), Source: client},
		CacheDir:  cacheDir, Getenv: os.Getenv,
	})
	out := t.TempDir()
	wheelPath, err := f.BuildWheel(ctx, sdistPath, "", out)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(wheelPath) != "app-1.0-py3-none-any.whl" {
		t.Errorf("built %s", wheelPath)
	}
	z, err := zip.OpenReader(wheelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) == 0 || z.File[0].Name != "app.py" {
		t.Errorf("the wheel is not the backend's: %v", z.File)
	}
	// The build environment is under the cache root's buildenv/, with the
	// backend installed into it.
	found, _ := filepath.Glob(filepath.Join(cacheDir, "buildenv", "*", "*", "tinybackend.py"))
	found2, _ := filepath.Glob(filepath.Join(cacheDir, "buildenv", "*", "lib", "*", "site-packages", "tinybackend.py"))
	if len(found)+len(found2) == 0 {
		var all []string
		filepath.Walk(filepath.Join(cacheDir, "buildenv"), func(p string, _ os.FileInfo, _ error) error { all = append(all, p); return nil })
		t.Errorf("no tinybackend.py in the build environment under %s:\n%s", cacheDir, strings.Join(all, "\n"))
	}
	if srv.Requests("/simple/tinybackend/") == 0 {
		t.Error("the backend was not resolved from the index")
	}
}
