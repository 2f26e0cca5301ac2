package codezip

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/reproducible"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

func write(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var flat = map[string]string{
	"mypkg/__init__.py":                      "from .core import answer\n",
	"mypkg/core.py":                          "def answer():\n    return 42\n",
	"mypkg/data/table.csv":                   "a,b\n1,2\n",
	"mypkg/__pycache__/core.cpython-311.pyc": "junk",
	"mypkg/core.pyc":                         "junk",
	"helper.py":                              "X = 1\n",
	"setup.py":                               "from setuptools import setup; setup()\n",
	"conftest.py":                            "",
	"tests/__init__.py":                      "",
	"tests/test_core.py":                     "def test(): pass\n",
	".git/HEAD":                              "ref: refs/heads/main\n",
	"build/lib/mypkg/__init__.py":            "",
	"mypkg.egg-info/PKG-INFO":                "Name: mypkg\n",
	"README.md":                              "# mypkg\n",
}

func entries(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
		if !f.Modified.Equal(reproducible.Epoch()) && f.Modified.Year() != 1980 {
			t.Errorf("%s dated %v", f.Name, f.Modified)
		}
	}
	return out
}

func build(t *testing.T, dir string) (*Plan, []byte) {
	t.Helper()
	p, err := NewPlan(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Write(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return p, buf.Bytes()
}

func TestFlatLayout(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, flat)
	p, data := build(t, dir)
	want := []string{"helper.py", "mypkg/", "mypkg/__init__.py", "mypkg/core.py", "mypkg/data/", "mypkg/data/table.csv"}
	if got := entries(t, data); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries %v, want %v", got, want)
	}
	if !reflect.DeepEqual(p.TopLevel, []string{"helper.py", "mypkg"}) {
		t.Fatalf("top level %v", p.TopLevel)
	}
	if !strings.HasPrefix(p.Filename(), "code-"+filepath.Base(dir)+"-") {
		t.Fatalf("file name %s", p.Filename())
	}
}

func TestSrcLayout(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"src/mypkg/__init__.py": "X = 1\n",
		"pyproject.toml":        "[project]\nname = \"mypkg\"\n",
		"tests/test_x.py":       "",
	})
	p, data := build(t, dir)
	if got := entries(t, data); !reflect.DeepEqual(got, []string{"mypkg/", "mypkg/__init__.py"}) {
		t.Fatalf("entries %v", got)
	}
	if p.Root != filepath.Join(dir, "src") {
		t.Fatalf("root %s", p.Root)
	}
}

// TestDeterministic: the same code in another directory, written at
// another time under another umask, gives the same hash and bytes; a
// one-line change gives another hash.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	write(t, a, flat)
	old := syscall.Umask(0o077)
	write(t, b, flat)
	syscall.Umask(old)
	future := time.Now().Add(48 * time.Hour)
	filepath.WalkDir(b, func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, future, future) })
	pa, da := build(t, a)
	pb, db := build(t, b)
	if pa.Hash != pb.Hash || !bytes.Equal(da, db) {
		t.Fatalf("same code, different zips: %s %s", pa.Hash, pb.Hash)
	}
	write(t, b, map[string]string{"mypkg/core.py": "def answer():\n    return 43\n"})
	pc, _ := build(t, b)
	if pc.Hash == pa.Hash {
		t.Fatal("a changed line did not change the hash")
	}
	// Files outside the code do not count.
	write(t, a, map[string]string{"README.md": "changed", "tests/test_core.py": "changed"})
	pd, _ := build(t, a)
	if pd.Hash != pa.Hash {
		t.Fatal("a change outside the code changed the hash")
	}
}

func TestNoCode(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{"README.md": "", "tests/__init__.py": "", "setup.py": ""})
	if _, err := NewPlan(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "no Python package") {
		t.Fatalf("got %v", err)
	}
	if _, err := NewPlan(context.Background(), filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing directory gave no error")
	}
}

// TestImportableFromZip: CPython imports the code straight from the zip,
// as Spark's --py-files does.
func TestImportableFromZip(t *testing.T) {
	py := pyref.Default(t)
	dir := t.TempDir()
	write(t, dir, flat)
	_, data := build(t, dir)
	zipPath := filepath.Join(t.TempDir(), "code.zip")
	if err := os.WriteFile(zipPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py.Python, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import mypkg, helper; print(mypkg.answer(), helper.X, mypkg.__file__.startswith(sys.argv[1]))", zipPath)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "42 1 True" {
		t.Fatalf("import from the zip: %v: %s", err, out)
	}
}
