package testindex

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"sort"
	"strings"
	"testing"
)

// readTarGz returns the entry names in order and the file contents.
func readTarGz(t *testing.T, data []byte) ([]string, map[string]string) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.ModTime.Year() != 1980 || h.Uid != 0 || h.Uname != "" {
			t.Errorf("%s: mtime %v uid %d uname %q", h.Name, h.ModTime, h.Uid, h.Uname)
		}
		names = append(names, h.Name)
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			files[h.Name] = string(b)
		}
	}
	return names, files
}

func TestBuildSdist(t *testing.T) {
	tests := []struct {
		name     string
		spec     SdistSpec
		filename string
		want     map[string]string // file → exact content ("" = must exist)
		absent   []string
	}{
		{
			name: "default backend, metadata 2.2",
			spec: SdistSpec{Name: "Demo_Pkg", Version: "0.1", RequiresDist: []string{"six"}, RequiresPython: ">=3.7",
				Files: map[string]string{"demo_pkg/__init__.py": "V = 1\n"}},
			filename: "demo_pkg-0.1.tar.gz",
			want: map[string]string{
				"demo_pkg-0.1/PKG-INFO":                             "Metadata-Version: 2.2\nName: Demo_Pkg\nVersion: 0.1\nRequires-Python: >=3.7\nRequires-Dist: six\n",
				"demo_pkg-0.1/pyproject.toml":                       "[build-system]\nrequires = []\nbuild-backend = \"clusterpack_test_backend\"\nbackend-path = [\"_backend\"]\n",
				"demo_pkg-0.1/demo_pkg/__init__.py":                 "V = 1\n",
				"demo_pkg-0.1/_backend/clusterpack_test_backend.py": "",
				"demo_pkg-0.1/_backend/metadata.json":               "",
			},
		},
		{
			name:     "dynamic dependencies",
			spec:     SdistSpec{Name: "dyn", Version: "1", RequiresDist: []string{"six"}, Dynamic: []string{"Requires-Dist"}},
			filename: "dyn-1.tar.gz",
			want:     map[string]string{"dyn-1/PKG-INFO": "Metadata-Version: 2.2\nName: dyn\nVersion: 1\nDynamic: Requires-Dist\n"},
		},
		{
			name:     "legacy 1.0 metadata",
			spec:     SdistSpec{Name: "old", Version: "1", MetadataVersion: "1.0", RequiresDist: []string{"six"}, RequiresPython: ">=2.7"},
			filename: "old-1.tar.gz",
			want:     map[string]string{"old-1/PKG-INFO": "Metadata-Version: 1.0\nName: old\nVersion: 1\n"},
		},
		{
			name:     "other backend",
			spec:     SdistSpec{Name: "st", Version: "1", BuildBackend: "setuptools.build_meta", BuildRequires: []string{"setuptools>=61"}},
			filename: "st-1.tar.gz",
			want:     map[string]string{"st-1/pyproject.toml": "[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n"},
			absent:   []string{"st-1/_backend/metadata.json"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Filename(); got != tt.filename {
				t.Errorf("Filename() = %q, want %q", got, tt.filename)
			}
			data, err := BuildSdist(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			names, files := readTarGz(t, data)
			if !sort.StringsAreSorted(names) {
				t.Errorf("entries not sorted: %q", names)
			}
			for name, want := range tt.want {
				got, ok := files[name]
				if !ok || want != "" && got != want {
					t.Errorf("%s = %q (present %v), want %q", name, got, ok, want)
				}
			}
			for _, name := range tt.absent {
				if _, ok := files[name]; ok {
					t.Errorf("%s is present", name)
				}
			}
			root := strings.TrimSuffix(tt.filename, ".tar.gz") + "/"
			for _, n := range names {
				if !strings.HasPrefix(n, root) {
					t.Errorf("entry %s outside %s", n, root)
				}
			}
			again, _ := BuildSdist(tt.spec)
			if !bytes.Equal(data, again) {
				t.Error("building the same spec twice gives different bytes")
			}
		})
	}
	if _, err := BuildSdist(SdistSpec{Name: "x", Version: "1", Files: map[string]string{"PKG-INFO": ""}}); err == nil || !strings.Contains(err.Error(), `"PKG-INFO" is generated`) {
		t.Errorf("error %v for a generated file given", err)
	}
}
