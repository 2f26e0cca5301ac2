package venvscan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeFiles writes files (slash paths relative to root, contents).
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScanSymlinks(t *testing.T) {
	base := t.TempDir()
	writeFiles(t, base, map[string]string{
		"base/bin/python3.12": "",
		"venv/pyvenv.cfg":     "home = " + filepath.Join(base, "base/bin") + "\nversion = 3.12.1\n",
		"venv/lib/python3.12/site-packages/x-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: x\nVersion: 1.0\n",
	})
	venv := filepath.Join(base, "venv")
	for link, target := range map[string]string{
		"lib64":          "lib",
		"bin/python":     "python3.12",
		"bin/python3.12": filepath.Join(base, "base/bin/python3.12"),
		"broken/python":  "/nonexistent/python",
	} {
		p := filepath.Join(venv, link)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("no symbolic links: %v", err)
		}
	}
	v, err := Scan(context.Background(), venv)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(base, "base/bin/python3.12"); v.Python != want {
		t.Errorf("Python = %q, want %q", v.Python, want)
	}
	if want := []string{filepath.Join(venv, "lib/python3.12/site-packages")}; !reflect.DeepEqual(v.SitePackages, want) {
		t.Errorf("SitePackages = %q, want %q (lib64 links to lib)", v.SitePackages, want)
	}
	if len(v.Dists) != 1 || v.Dists[0].Name != "x" {
		t.Errorf("Dists = %+v", v.Dists)
	}

	// An environment copied from another machine: bin/python dangles.
	if err := os.Remove(filepath.Join(venv, "bin/python")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nonexistent/python3.12", filepath.Join(venv, "bin/python")); err != nil {
		t.Fatal(err)
	}
	v, err = Scan(context.Background(), venv)
	if err != nil {
		t.Fatal(err)
	}
	if v.Python != "" {
		t.Errorf("Python = %q for a broken link, want empty", v.Python)
	}
}

func TestScanCanceled(t *testing.T) {
	root := copyFixture(t, "conda")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Scan(ctx, root); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan with a canceled context: %v, want context.Canceled", err)
	}
}

func TestPyvenvCfg(t *testing.T) {
	tests := []struct {
		cfg, version string
	}{
		{"home = /usr/bin\nversion = 3.11.7\ninclude-system-site-packages = false\n", "3.11.7"},
		{"Home=/usr/bin\nVERSION_INFO = 3.9.18.final.0\nInclude-System-Site-Packages = True\n", "3.9.18"},
		{"version_info = 3.12.1\n", "3.12.1"},
		{"version = 3.13.0rc1\n", "3.13.0"},
		{"version_info = 3.13.0.candidate.1\n", "3.13.0"},
		{"version = garbage\nversion_info = 3.10\n", "3.10"},
		{"no equals sign here\n", ""},
	}
	for _, tt := range tests {
		cfg := parsePyvenvCfg([]byte(tt.cfg))
		if got := cfgVersion(cfg); got != tt.version {
			t.Errorf("cfgVersion(%q) = %q, want %q", tt.cfg, got, tt.version)
		}
	}
}

func TestLibDirVersion(t *testing.T) {
	for name, want := range map[string]string{
		"python3.11": "3.11", "python3.13t": "3.13", "pypy3.10": "3.10",
		"python3": "", "python": "", "python3.11.2": "", "site-packages": "", "python3.x": "",
	} {
		if got := libDirVersion(name); got != want {
			t.Errorf("libDirVersion(%q) = %q, want %q", name, got, want)
		}
	}
}
