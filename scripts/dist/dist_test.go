package main

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/internal/version"
	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/runner/elfcheck"
)

var (
	wheelOnce sync.Once
	wheelPath string
	wheelErr  error
)

// linuxWheel builds the linux/amd64 wheel once for the package's tests.
func linuxWheel(t *testing.T) string {
	t.Helper()
	wheelOnce.Do(func() {
		var dir string
		if dir, wheelErr = os.MkdirTemp("", "clusterpack-dist-test-"); wheelErr != nil {
			return
		}
		wheelPath, wheelErr = dist(t.Context(), dir)
	})
	if wheelErr != nil {
		t.Fatal(wheelErr)
	}
	return wheelPath
}

func dist(ctx context.Context, dir string) (string, error) {
	return Dist(ctx, Options{Platform: "linux/amd64", OutDir: dir, PythonSrc: "../../python", Module: "github.com/clusterpack/clusterpack/cmd/clusterpack",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if wheelPath != "" {
		os.RemoveAll(filepath.Dir(wheelPath))
	}
	os.Exit(code)
}

func TestWheelContent(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles clusterpack: not with -short")
	}
	whl := linuxWheel(t)
	name := filepath.Base(whl)
	w, err := distfilename.ParseWheel(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w.Name != "clusterpack" || !strings.Contains(name, "-py3-none-manylinux_2_17_x86_64.") {
		t.Errorf("wheel %s: want clusterpack, py3-none-manylinux_2_17_x86_64", name)
	}
	zr, err := zip.OpenReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	v := w.Version.String()
	want := map[string]bool{"clusterpack-" + v + ".data/scripts/clusterpack": false, "clusterpack/__init__.py": false,
		"clusterpack/spark.py": false, "clusterpack/flink.py": false, "clusterpack/py.typed": false, "clusterpack-" + v + ".dist-info/RECORD": false}
	for _, f := range zr.File {
		if strings.Contains(f.Name, "__pycache__") || strings.HasSuffix(f.Name, ".pyc") || strings.HasPrefix(f.Name, "tests/") {
			t.Errorf("wheel has %s", f.Name)
		}
		if _, ok := want[f.Name]; ok {
			want[f.Name] = true
		}
		if !strings.HasSuffix(f.Name, "/scripts/clusterpack") {
			continue
		}
		if f.Mode().Perm() != 0o755 {
			t.Errorf("%s has mode %v, want 0755", f.Name, f.Mode())
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		ef, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("the wheel's binary is no ELF file: %v", err)
		}
		if ef.Machine != elf.EM_X86_64 {
			t.Errorf("the wheel's binary is for %v, want x86-64", ef.Machine)
		}
		// purego links glibc's libraries, nothing else: any glibc runs it.
		libs, err := ef.ImportedLibraries()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range libs {
			switch l {
			case "libc.so.6", "libdl.so.2", "libpthread.so.0":
			default:
				t.Errorf("the wheel's binary needs %s, beyond glibc", l)
			}
		}
		syms, err := ef.ImportedSymbols()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range syms {
			if s.Version != "" && elfcheck.CompareVersions(strings.TrimPrefix(s.Version, "GLIBC_"), "2.17") > 0 {
				t.Errorf("the wheel's binary needs %s@%s, newer than manylinux_2_17's glibc", s.Name, s.Version)
			}
		}
	}
	for n, seen := range want {
		if !seen {
			t.Errorf("wheel lacks %s", n)
		}
	}
}

func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles clusterpack: not with -short")
	}
	a := linuxWheel(t)
	b, err := dist(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(a) != filepath.Base(b) {
		t.Fatalf("two builds are named %s and %s", filepath.Base(a), filepath.Base(b))
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Errorf("two builds of %s differ (%d and %d bytes)", filepath.Base(a), len(da), len(db))
	}
}

func TestUnknownPlatform(t *testing.T) {
	_, err := Dist(t.Context(), Options{Platform: "plan9/386", OutDir: t.TempDir(), Logger: slog.Default()})
	if err == nil || !strings.Contains(err.Error(), "linux/amd64") {
		t.Errorf("Dist(plan9/386): %v, want an error listing the platforms", err)
	}
}

// findLinks is a directory with tinypkg 1.0, a pure wheel.
func findLinks(t *testing.T) string {
	t.Helper()
	spec := testindex.WheelSpec{Name: "tinypkg", Version: "1.0", Files: map[string]string{"tinypkg/__init__.py": "X = 42\n"}}
	data, err := testindex.BuildWheel(spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, spec.Filename()), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runCmd(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", name, strings.Join(args, " "), err, out.String(), stderr.String())
	}
	return out.String()
}

// TestInstall installs the wheel with pip (into the oldest and the
// newest CPython 3.8+ here) and with uv, then runs the binary from the
// venv, the Python API's tests (python/tests/test_api.py) and the
// embedded CPython of the CGO_ENABLED=0 build.
func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles clusterpack: not with -short")
	}
	whl := linuxWheel(t)
	wv, err := distfilename.ParseWheel(filepath.Base(whl))
	if err != nil {
		t.Fatal(err)
	}
	var pythons []string
	for _, in := range pyref.All(t) {
		if b := filepath.Base(in.Python); b != "python3.7" && b != "python3.6" {
			pythons = append(pythons, in.Python)
		}
	}
	if len(pythons) == 0 {
		t.Fatal("no CPython 3.8 or later")
	}
	uv := pyref.UV(t)
	links := findLinks(t) // tinypkg, installed beside clusterpack
	apiTests, err := filepath.Abs("../../python/tests/test_api.py")
	if err != nil {
		t.Fatal(err)
	}
	type installer struct {
		name, python string
		install      func(t *testing.T, venv, python string)
	}
	pip := func(t *testing.T, venv, python string) {
		runCmd(t, nil, python, "-m", "venv", venv)
		runCmd(t, []string{"PIP_DISABLE_PIP_VERSION_CHECK=1"}, filepath.Join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--no-index", "-f", links, whl, "tinypkg")
	}
	uvInstall := func(t *testing.T, venv, python string) {
		runCmd(t, nil, uv, "venv", "-q", "--python", python, venv)
		runCmd(t, nil, uv, "pip", "install", "-q", "--offline", "--no-index", "-f", links, "--python", filepath.Join(venv, "bin", "python"), whl, "tinypkg")
	}
	cases := []installer{{"pip-" + filepath.Base(pythons[0]), pythons[0], pip}}
	if last := pythons[len(pythons)-1]; last != pythons[0] {
		cases = append(cases, installer{"pip-" + filepath.Base(last), last, pip})
	}
	cases = append(cases, installer{"uv-" + filepath.Base(pythons[len(pythons)/2]), pythons[len(pythons)/2], uvInstall})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			venv := filepath.Join(t.TempDir(), "venv")
			tc.install(t, venv, tc.python)
			bin := filepath.Join(venv, "bin", "clusterpack")
			var v struct{ Version, Platform string }
			if err := json.Unmarshal([]byte(runCmd(t, nil, bin, "version", "--json")), &v); err != nil {
				t.Fatal(err)
			}
			pv, err := version.PEP440(v.Version)
			if err != nil {
				t.Fatal(err)
			}
			if pv != wv.Version.String() || v.Platform != "linux/amd64" {
				t.Errorf("the venv's clusterpack says %s (%s) on %s; the wheel is %s", v.Version, pv, v.Platform, wv.Version)
			}
			cache := t.TempDir()
			env := []string{"CLUSTERPACK_CACHE_DIR=" + cache, "CLUSTERPACK_TEST_FIND_LINKS=" + links,
				"CLUSTERPACK_TEST_WHEEL_VERSION=" + wv.Version.String(), "CLUSTERPACK_TEST_STORE=" + t.TempDir(), "CLUSTERPACK_BINARY="}
			out := runCmd(t, env, filepath.Join(venv, "bin", "python"), apiTests)
			t.Log(out)
			// The embedded CPython works in the CGO_ENABLED=0 build.
			archive := strings.TrimSpace(runCmd(t, env, bin, "build", "tinypkg==1.0", "--no-index", "-f", links, "--python", tc.python, "-o", t.TempDir()))
			if got := strings.TrimSpace(runCmd(t, env, bin, "run", archive, "--eval", "__import__('tinypkg').X")); got != "42" {
				t.Errorf("clusterpack run printed %q, want 42", got)
			}
		})
	}
}
