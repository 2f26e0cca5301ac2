package build517

import (
	"archive/zip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// setuptoolsWheels returns a directory holding setuptools and wheel
// wheels, downloading them once into a cache shared between runs; it
// skips the test when PyPI cannot be reached.
func setuptoolsWheels(t *testing.T, python string) string {
	t.Helper()
	base := os.Getenv("CLUSTERPACK_DEV_CACHE")
	if base == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("no cache directory for downloads: %v", err)
		}
		base = filepath.Join(dir, "clusterpack-dev")
	}
	dir := filepath.Join(base, "build517-setuptools-wheels")
	if matches, _ := filepath.Glob(filepath.Join(dir, "setuptools-*.whl")); len(matches) > 0 {
		return dir
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Skipf("cannot create %s: %v", base, err)
	}
	tmp, err := os.MkdirTemp(base, "build517-setuptools-download-")
	if err != nil {
		t.Skipf("cannot create a download directory: %v", err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-m", "pip", "download", "-q", "--only-binary", ":all:", "--dest", tmp, "setuptools", "wheel")
	cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot download setuptools from PyPI (offline?): %v\n%s", err, lastLines(string(out), 5))
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr != nil { // another run may have won
			t.Fatal(err)
		}
	}
	return dir
}

// TestSetuptools builds real-world style sdists with real setuptools,
// installed by a Prepare that runs pip install --target from local wheels.
func TestSetuptools(t *testing.T) {
	py := defaultPython(t)
	wheels := setuptoolsWheels(t, py)
	tests := []struct {
		name             string
		spec             testindex.SdistSpec
		firstRequires    []string
		wantRequiresDist []string
	}{
		{
			name: "pyproject with setuptools.build_meta",
			spec: testindex.SdistSpec{
				Name: "realpkg", Version: "0.1", Dynamic: []string{"Requires-Dist"},
				PyprojectTOML: `[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "realpkg"
version = "0.1"
dependencies = ["six>=1.16", "attrs; python_version >= '3.8'"]
`,
				Files: map[string]string{"realpkg/__init__.py": "VALUE = 1\n"},
			},
			firstRequires:    []string{"setuptools>=61"},
			wantRequiresDist: []string{"six>=1.16", `attrs; python_version >= "3.8"`},
		},
		{
			name: "legacy setup.py without [build-system]",
			spec: testindex.SdistSpec{
				Name: "realpkg", Version: "0.1", MetadataVersion: "2.1",
				PyprojectTOML: "[tool.example]\nkey = 1\n",
				Files: map[string]string{
					"realpkg/__init__.py": "VALUE = 1\n",
					"setup.py":            "from setuptools import setup\nsetup(name='realpkg', version='0.1', packages=['realpkg'], install_requires=['six>=1.16'])\n",
				},
			},
			firstRequires:    []string{"setuptools>=40.8.0"},
			wantRequiresDist: []string{"six>=1.16"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeSdist(t, tt.spec)
			var calls [][]string
			f, _ := newFrontend(t, py)
			f.Prepare = func(ctx context.Context, reqs []string, python string) ([]string, error) {
				calls = append(calls, reqs)
				target := t.TempDir()
				args := append([]string{"-m", "pip", "install", "-q", "--no-index", "--find-links", wheels, "--target", target}, reqs...)
				cmd := exec.CommandContext(ctx, python, args...)
				cmd.Env = append(os.Environ(), "PIP_DISABLE_PIP_VERSION_CHECK=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("pip install %q: %v\n%s", reqs, err, out)
				}
				return []string{target}, nil
			}
			md, err := f.Metadata(context.Background(), path, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) == 0 || !slices.Equal(calls[0], tt.firstRequires) {
				t.Errorf("Prepare calls = %q, want %q first", calls, tt.firstRequires)
			}
			if got := requiresDist(t, md); !slices.Equal(got, tt.wantRequiresDist) {
				t.Errorf("Requires-Dist = %q, want %q", got, tt.wantRequiresDist)
			}
			wheel, err := f.BuildWheel(context.Background(), path, "", t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(wheel) != "realpkg-0.1-py3-none-any.whl" {
				t.Errorf("wheel = %s", filepath.Base(wheel))
			}
			zr, err := zip.OpenReader(wheel)
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			if !slices.ContainsFunc(zr.File, func(f *zip.File) bool { return f.Name == "realpkg/__init__.py" }) {
				t.Errorf("wheel lacks realpkg/__init__.py")
			}
		})
	}
}
