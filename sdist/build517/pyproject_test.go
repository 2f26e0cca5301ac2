package build517

import (
	"slices"
	"strings"
	"testing"
)

func TestParseBuildSystem(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		want    BuildSystem
		errWant string
	}{
		{"no table: legacy setuptools", "[project]\nname = \"x\"\n", LegacyBuildSystem(), ""},
		{"empty file", "", LegacyBuildSystem(), ""},
		{"requires only: legacy backend", "[build-system]\nrequires = [\"setuptools>=61\", \"wheel\"]\n",
			BuildSystem{Requires: []string{"setuptools>=61", "wheel"}, Backend: "setuptools.build_meta:__legacy__"}, ""},
		{"full table", `[build-system]
requires = ["hatchling"]
build-backend = " hatchling.build "
backend-path = ["./_build/", "."]
unknown-key = 1
`, BuildSystem{Requires: []string{"hatchling"}, Backend: "hatchling.build", BackendPath: []string{"_build", "."}}, ""},
		{"object path", "[build-system]\nrequires = []\nbuild-backend = \"pkg.mod:obj.attr\"\n",
			BuildSystem{Requires: []string{}, Backend: "pkg.mod:obj.attr"}, ""},
		{"missing requires", "[build-system]\nbuild-backend = \"flit_core.buildapi\"\n", BuildSystem{}, "no requires key"},
		{"requires not a list", "[build-system]\nrequires = \"setuptools\"\n", BuildSystem{}, "build-system.requires is a string, not an array"},
		{"requires item not a string", "[build-system]\nrequires = [\"a\", 1]\n", BuildSystem{}, "build-system.requires[1] is a integer"},
		{"invalid requirement", "[build-system]\nrequires = [\"setuptools >>= 1\"]\n", BuildSystem{}, "build-system.requires"},
		{"backend not a string", "[build-system]\nrequires = []\nbuild-backend = [\"x\"]\n", BuildSystem{}, "build-backend is a array"},
		{"backend syntax", "[build-system]\nrequires = []\nbuild-backend = \"setuptools build\"\n", BuildSystem{}, "not of the form"},
		{"backend empty object", "[build-system]\nrequires = []\nbuild-backend = \"mod:\"\n", BuildSystem{}, "not of the form"},
		{"build-system not a table", "build-system = 3\n", BuildSystem{}, "not a table"},
		{"absolute backend-path", "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"/opt/b\"]\n", BuildSystem{}, "absolute"},
		{"windows backend-path", "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"C:\\\\b\"]\n", BuildSystem{}, "absolute"},
		{"escaping backend-path", "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"x/../../b\"]\n", BuildSystem{}, "leaves the source tree"},
		{"empty backend-path entry", "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"\"]\n", BuildSystem{}, "empty"},
		{"invalid TOML", "[build-system\nrequires = []\n", BuildSystem{}, "pyproject.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBuildSystem([]byte(tt.toml))
			if tt.errWant != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errWant) {
					t.Fatalf("err = %v, want one saying %q", err, tt.errWant)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Backend != tt.want.Backend || !slices.Equal(got.Requires, tt.want.Requires) || !slices.Equal(got.BackendPath, tt.want.BackendPath) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseBuildSystem(f *testing.F) {
	for _, seed := range []string{
		"",
		"[build-system]\nrequires = [\"setuptools>=61\"]\nbuild-backend = \"setuptools.build_meta\"\n",
		"[build-system]\nrequires = []\nbuild-backend = \"b:c.d\"\nbackend-path = [\"a/../b\", \".\"]\n",
		"[build-system]\nrequires = [\"x; python_version<'3.8'\"]\n",
		"build-system = {requires = [], backend-path = [\"..\"]}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bs, err := ParseBuildSystem(data)
		if err != nil {
			return
		}
		if !backendPattern.MatchString(bs.Backend) {
			t.Errorf("backend %q accepted", bs.Backend)
		}
		for _, p := range bs.BackendPath {
			if _, err := cleanBackendPath(p); err != nil || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
				t.Errorf("backend-path %q accepted", p)
			}
		}
		if bs.Requires == nil {
			t.Errorf("nil requires accepted")
		}
	})
}
