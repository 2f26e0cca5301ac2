package venvscan

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// copyFixture copies testdata/layouts/name into a temporary directory,
// replacing @ROOT@ in every file with that directory, and returns it.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", "layouts", name)
	dst := filepath.Join(t.TempDir(), name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		data = []byte(strings.ReplaceAll(string(data), "@ROOT@", dst))
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// summary is what a fixture test checks of a Dist; paths are relative
// to the fixture's root.
type summary struct {
	Name, Version    string
	Legacy, Editable bool
	EditablePath     string
	Installer        string
	Requested        bool
	TopLevel         []string
	URL              string
	DistInfo         string
}

func summarize(root string, dists []Dist) []summary {
	rel := func(p string) string {
		if p == "" {
			return ""
		}
		r, err := filepath.Rel(root, p)
		if err != nil {
			return p
		}
		return filepath.ToSlash(r)
	}
	var out []summary
	for _, d := range dists {
		s := summary{
			Name: d.Name, Version: d.Version, Legacy: d.Legacy, Editable: d.Editable,
			EditablePath: rel(d.EditablePath), Installer: d.Installer, Requested: d.Requested,
			TopLevel: d.TopLevel, DistInfo: rel(d.DistInfo),
		}
		if d.DirectURL != nil {
			s.URL = d.DirectURL.URL
		}
		out = append(out, s)
	}
	return out
}

func TestScanFixtures(t *testing.T) {
	tests := []struct {
		fixture, scan string // scan is the directory to scan inside the fixture
		python, ver   string
		home          string
		system        bool
		sites         []string
		want          []summary
	}{
		{
			fixture: "windows", python: "Scripts/python.exe", ver: "3.11.4", home: `C:\Python311`, system: true,
			sites: []string{"Lib/site-packages"},
			want: []summary{{Name: "WinPkg", Version: "1.0", Installer: "pip", Requested: true,
				TopLevel: []string{"winfast", "winpkg"}, DistInfo: "Lib/site-packages/winpkg-1.0.dist-info"}},
		},
		{
			fixture: "lib64", ver: "3.9.18", home: "/usr/bin",
			sites: []string{"lib/python3.9/site-packages", "lib64/python3.9/site-packages"},
			want: []summary{
				{Name: "platpkg", Version: "3.0", Installer: "uv", TopLevel: []string{"platpkg"}, DistInfo: "lib64/python3.9/site-packages/platpkg-3.0.dist-info"},
				{Name: "purepkg", Version: "2.0", TopLevel: []string{"purepkg"}, DistInfo: "lib/python3.9/site-packages/purepkg-2.0.dist-info"},
			},
		},
		{
			fixture: "conda", ver: "3.10",
			sites: []string{"lib/python3.10/site-packages"},
			want: []summary{
				{Name: "distutils-file", Version: "0.5", Legacy: true, DistInfo: "lib/python3.10/site-packages/distutils_file-0.5-py3.10.egg-info"},
				{Name: "numpy", Version: "1.26.4", Installer: "conda", TopLevel: []string{"numpy"},
					URL: "https://private.example/numpy-1.26.4-cp310-cp310-linux_x86_64.whl", DistInfo: "lib/python3.10/site-packages/numpy-1.26.4.dist-info"},
				{Name: "oldpkg", Version: "2.0", Legacy: true, TopLevel: []string{"old_helpers", "oldpkg"}, DistInfo: "lib/python3.10/site-packages/oldpkg-2.0-py3.10.egg-info"},
			},
		},
		{
			fixture: "cfgpicks", ver: "3.11.2", home: "/usr/bin",
			sites: []string{"lib/python3.11/site-packages"},
			want:  []summary{{Name: "b", Version: "1.0", DistInfo: "lib/python3.11/site-packages/b-1.0.dist-info"}},
		},
		{
			fixture: "develop", scan: "venv", ver: "3.11.7", home: "/usr/local/bin",
			sites: []string{"venv/lib/python3.11/site-packages"},
			want: []summary{
				{Name: "dirinst", Version: "1.0", URL: "file:///home/me/dirinst", DistInfo: "venv/lib/python3.11/site-packages/dirinst-1.0.dist-info"},
				{Name: "flat", Version: "0.1", Legacy: true, Editable: true, EditablePath: "projects/flat", TopLevel: []string{"flat"}, DistInfo: "projects/flat/flat.egg-info"},
				{Name: "hatchy", Version: "0.5", Editable: true, EditablePath: "projects/hatchy", DistInfo: "venv/lib/python3.11/site-packages/hatchy-0.5.dist-info"},
				{Name: "lenient", Version: "2.0", Editable: true, EditablePath: "projects/lenient", DistInfo: "venv/lib/python3.11/site-packages/lenient-2.0.dist-info"},
				{Name: "linked", Version: "1.0", Editable: true, EditablePath: "projects/linked", DistInfo: "venv/lib/python3.11/site-packages/linked-1.0.dist-info"},
				{Name: "modern", Version: "3.0", Editable: true, EditablePath: "projects/modern", URL: "file://" + "@ROOT@/projects/modern", DistInfo: "venv/lib/python3.11/site-packages/modern-3.0.dist-info"},
				{Name: "NoLink", Version: "0.3", Legacy: true, Editable: true, EditablePath: "projects/nolink", DistInfo: "projects/nolink/NoLink.egg-info"},
				{Name: "pep660", Version: "1.0", Editable: true, EditablePath: "projects/pep660", TopLevel: []string{"pep660"}, DistInfo: "venv/lib/python3.11/site-packages/pep660-1.0.dist-info"},
				{Name: "pywin32", Version: "306", DistInfo: "venv/lib/python3.11/site-packages/pywin32-306.dist-info"},
				{Name: "srcproj", Version: "0.2", Legacy: true, Editable: true, EditablePath: "projects/srcproj", DistInfo: "projects/srcproj/src/srcproj.egg-info"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			root := copyFixture(t, tt.fixture)
			v, err := Scan(context.Background(), filepath.Join(root, tt.scan))
			if err != nil {
				t.Fatal(err)
			}
			if v.Root != filepath.Join(root, tt.scan) {
				t.Errorf("Root = %q", v.Root)
			}
			wantPython := ""
			if tt.python != "" {
				wantPython = filepath.Join(root, tt.python)
			}
			if v.Python != wantPython {
				t.Errorf("Python = %q, want %q", v.Python, wantPython)
			}
			if v.PythonVersion != tt.ver || v.Home != tt.home || v.SystemSitePackages != tt.system {
				t.Errorf("PythonVersion, Home, SystemSitePackages = %q, %q, %v; want %q, %q, %v",
					v.PythonVersion, v.Home, v.SystemSitePackages, tt.ver, tt.home, tt.system)
			}
			var sites []string
			for _, s := range v.SitePackages {
				r, _ := filepath.Rel(root, s)
				sites = append(sites, filepath.ToSlash(r))
			}
			if !reflect.DeepEqual(sites, tt.sites) {
				t.Errorf("SitePackages = %q, want %q", sites, tt.sites)
			}
			for i := range tt.want {
				tt.want[i].URL = strings.ReplaceAll(tt.want[i].URL, "@ROOT@", root)
			}
			got := summarize(root, v.Dists)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("dists differ")
				for i := 0; i < max(len(got), len(tt.want)); i++ {
					var g, w summary
					if i < len(got) {
						g = got[i]
					}
					if i < len(tt.want) {
						w = tt.want[i]
					}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("got  %+v\nwant %+v", g, w)
					}
				}
			}
			for _, d := range v.Dists {
				if d.Metadata == nil || d.Metadata.Name != d.Name || d.NormalizedName != strings.ToLower(strings.ReplaceAll(d.Name, "_", "-")) {
					t.Errorf("%s: Metadata %v, NormalizedName %q", d.Name, d.Metadata, d.NormalizedName)
				}
			}
		})
	}
}

func TestScanFixtureErrors(t *testing.T) {
	tests := []struct {
		fixture string
		want    []string // substrings of the error, @ROOT@ is the fixture's copy
	}{
		{"duplicate", []string{"foo is installed more than once", "@ROOT@/lib/python3.12/site-packages/Foo-1.0.dist-info and @ROOT@/lib/python3.12/site-packages/foo-2.0.dist-info", "reinstall"}},
		{"badjson", []string{"@ROOT@/lib/python3.12/site-packages/bad-1.0.dist-info/direct_url.json", `"editable" is not a boolean`}},
		{"nometadata", []string{"@ROOT@/lib/python3.12/site-packages/gone-1.0.dist-info: no METADATA", "reinstall"}},
		{"badmetadata", []string{"@ROOT@/lib/python3.12/site-packages/worse-1.0.dist-info/METADATA", "Version"}},
		{"badrecord", []string{"@ROOT@/lib/python3.12/site-packages/rec-1.0.dist-info/RECORD", `size "big"`}},
		{"notavenv", []string{"@ROOT@: not a Python environment"}},
		{"cfgnosite", []string{"@ROOT@: pyvenv.cfg is there but no site-packages", "lib/python3.12/site-packages"}},
		{"twoversions", []string{"site-packages of several Python versions", "@ROOT@/lib/python3.10/site-packages, @ROOT@/lib/python3.11/site-packages"}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			root := copyFixture(t, tt.fixture)
			v, err := Scan(context.Background(), root)
			if err == nil {
				t.Fatalf("no error; got %+v", v)
			}
			for _, w := range tt.want {
				if w = strings.ReplaceAll(w, "@ROOT@", root); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
			var dup *DuplicateError
			if errors.As(err, &dup) != (tt.fixture == "duplicate") {
				t.Errorf("errors.As(*DuplicateError) = %v", !(tt.fixture == "duplicate"))
			}
		})
	}
}
