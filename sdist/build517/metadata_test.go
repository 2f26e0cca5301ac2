package build517

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/pypa/metadata"
)

func parseMetadata(t *testing.T, md []byte) *metadata.Metadata {
	t.Helper()
	m, err := metadata.Parse(md)
	if err != nil {
		t.Fatalf("metadata does not parse: %v\n%s", err, md)
	}
	return m
}

// TestMetadataStaticPKGINFO: PKG-INFO that PEP 643 makes reliable is
// returned without running Python (the interpreter does not exist); any
// other PKG-INFO needs the backend, which fails for want of Python.
func TestMetadataStaticPKGINFO(t *testing.T) {
	tests := []struct {
		name            string
		metadataVersion string
		dynamic         []string
		static          bool
	}{
		{"2.2 without Dynamic", "2.2", nil, true},
		{"2.4 without Dynamic", "2.4", nil, true},
		{"2.2 with another field dynamic", "2.2", []string{"Summary", "Keywords"}, true},
		{"2.1 is never static", "2.1", nil, false},
		{"Requires-Dist dynamic", "2.2", []string{"Requires-Dist"}, false},
		{"Requires-Python dynamic", "2.3", []string{"Requires-Python"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := testindex.SdistSpec{
				Name: "static-pkg", Version: "2.0", MetadataVersion: tt.metadataVersion, Dynamic: tt.dynamic,
				RequiresDist: []string{"numpy>=1.20", `pandas; extra == "df"`}, ProvidesExtra: []string{"df"},
				RequiresPython: ">=3.8",
			}
			path := writeSdist(t, spec)
			missing := filepath.Join(t.TempDir(), "no-such-python3.11")
			for _, cacheDir := range []string{"", t.TempDir()} {
				f := &Frontend{Python: missing, PythonVersion: "3.11", CacheDir: cacheDir}
				for range 2 { // the second call reads the cached PKG-INFO
					md, err := f.Metadata(context.Background(), path, "")
					if !tt.static {
						var ierr *InterpreterError
						if !errors.As(err, &ierr) || ierr.Version() != "3.11" || ierr.Python != missing {
							t.Fatalf("Metadata = %v, want an InterpreterError for Python 3.11", err)
						}
						mustContain(t, err.Error(), "static_pkg-2.0.tar.gz", "3.11", missing, "name one", "pyenv install 3.11")
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					want := []string{"numpy>=1.20", `pandas; extra == "df"`}
					if got := requiresDist(t, md); !slices.Equal(got, want) {
						t.Errorf("Requires-Dist = %q, want %q", got, want)
					}
				}
			}
		})
	}
}

// TestMetadataDynamic runs the default in-tree backend of testindex
// through prepare_metadata_for_build_wheel in every CPython.
func TestMetadataDynamic(t *testing.T) {
	want := []string{"requests>=2.0", `tomli; python_version < "3.11"`, `rich; extra == "cli"`}
	for _, py := range interpreters(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			path := writeSdist(t, testindex.SdistSpec{
				Name: "Dyn.Pkg", Version: "0.3", Dynamic: []string{"Requires-Dist"}, RequiresDist: want,
				ProvidesExtra: []string{"cli"}, RequiresPython: ">=3.7",
			})
			f, hooks := newFrontend(t, py.Python)
			md, err := f.Metadata(context.Background(), path, "")
			if err != nil {
				t.Fatal(err)
			}
			if got := requiresDist(t, md); !slices.Equal(got, want) {
				t.Errorf("Requires-Dist = %q, want %q", got, want)
			}
			if m := parseMetadata(t, md); m.Name != "Dyn.Pkg" || m.Version != "0.3" {
				t.Errorf("name, version = %q, %q", m.Name, m.Version)
			}
			if runs := hooks.runs(); runs["prepare_metadata_for_build_wheel"] != 1 || runs["build_wheel"] != 0 {
				t.Errorf("hook runs = %v, want one prepare_metadata_for_build_wheel and no build_wheel", runs)
			}
		})
	}
}

// TestMetadataFallsBackToBuildWheel: a backend without
// prepare_metadata_for_build_wheel has its wheel built for the metadata,
// and that wheel serves BuildWheel later.
func TestMetadataFallsBackToBuildWheel(t *testing.T) {
	py := defaultPython(t)
	path := demoSdist(t, behaviour{NoPrepare: true, NoGetRequires: true, RequiresDist: []string{"six>=1.16"}})
	f, hooks := newFrontend(t, py)
	md, err := f.Metadata(context.Background(), path, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := requiresDist(t, md); !slices.Equal(got, []string{"six>=1.16"}) {
		t.Errorf("Requires-Dist = %q", got)
	}
	wheel, err := f.BuildWheel(context.Background(), path, "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(wheel) != "demo-1.0-py3-none-any.whl" {
		t.Errorf("wheel = %s", wheel)
	}
	want := map[string]int{"get_requires_for_build_wheel": 1, "prepare_metadata_for_build_wheel": 1, "build_wheel": 1} // BuildWheel reuses the wheel
	if runs := hooks.runs(); !mapsEqual(runs, want) {
		t.Errorf("hook runs = %v, want %v", runs, want)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestInterpreterErrors: the messages say which Python is needed.
func TestInterpreterErrors(t *testing.T) {
	py := defaultPython(t)
	dynamic := testindex.SdistSpec{Name: "needy", Version: "1.0", MetadataVersion: "2.1", RequiresPython: ">=4"}
	plain := testindex.SdistSpec{Name: "plain", Version: "1.0", MetadataVersion: "2.1"}
	tests := []struct {
		name    string
		f       *Frontend
		spec    testindex.SdistSpec
		wants   []string
		version string // InterpreterError.Version
	}{
		{"no python", &Frontend{PythonVersion: "3.12"}, plain, []string{"plain-1.0.tar.gz", "needs a CPython 3.12 interpreter", "none was given", "name one", "pyenv install 3.12"}, "3.12"},
		{"wrong version", &Frontend{Python: py, PythonVersion: "2.7"}, plain, []string{"needs a CPython 2.7 interpreter", py + " is Python 3.", "pyenv install 2.7"}, "2.7"},
		{"not runnable", &Frontend{Python: "/dev/null/python", PythonVersion: "3.10"}, plain, []string{"/dev/null/python does not run", "pyenv install 3.10"}, "3.10"},
		{"requires-python excludes it", &Frontend{Python: py}, dynamic, []string{"needy-1.0.tar.gz", "needs a CPython >=4 interpreter", py + " is Python 3.", "name one"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeSdist(t, tt.spec)
			for _, call := range []func() error{
				func() error { _, err := tt.f.Metadata(context.Background(), path, ""); return err },
				func() error { _, err := tt.f.BuildWheel(context.Background(), path, "", t.TempDir()); return err },
			} {
				err := call()
				var ierr *InterpreterError
				if !errors.As(err, &ierr) || ierr.Version() != tt.version {
					t.Fatalf("err = %v, want an InterpreterError for %q", err, tt.version)
				}
				mustContain(t, err.Error(), tt.wants...)
			}
		})
	}
}

// TestSdistHash: a given hash is checked for form and used as the cache
// key; an empty one is computed.
func TestSdistHash(t *testing.T) {
	path := writeSdist(t, testindex.SdistSpec{Name: "h", Version: "1"})
	computed, err := sdistHash(path, "")
	if err != nil || len(computed) != 64 {
		t.Fatalf("sdistHash = %q, %v", computed, err)
	}
	if got, err := sdistHash(path, strings.ToUpper(computed)); err != nil || got != computed {
		t.Errorf("upper-case hash = %q, %v", got, err)
	}
	for _, bad := range []string{"abc", strings.Repeat("g", 64), computed + "00"} {
		if _, err := sdistHash(path, bad); err == nil {
			t.Errorf("sdistHash(%q) succeeded", bad)
		}
	}
	if _, err := sdistHash(filepath.Join(t.TempDir(), "missing.tar.gz"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
