package runner

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestOpenArchiveVenvAndPex(t *testing.T) {
	dir := t.TempDir()
	wheels := greetWheels(t, dir)
	cache := t.TempDir()
	for _, archive := range []string{writeVenv(t, dir, [2]int{3, 11}, wheels), writePex(t, dir, [2]int{3, 11}, wheels)} {
		env, err := OpenArchive(context.Background(), archive, OpenOptions{CacheDir: cache, Platform: "manylinux_2_28_x86_64"})
		if err != nil {
			t.Fatal(err)
		}
		if env.Python != [2]int{3, 11} || len(env.SitePaths) == 0 || env.Bundled != nil {
			t.Fatalf("%s: %+v", archive, env)
		}
		var names []string
		for _, d := range env.Distributions {
			names = append(names, d.Name+"="+strings.Join(d.TopLevel, ","))
		}
		if want := []string{"greet=greet", "hello-pkg=hello"}; !reflect.DeepEqual(names, want) {
			t.Errorf("%s: distributions %v, want %v", env.Format, names, want)
		}
		if got := env.RequiredBy("GREET"); !reflect.DeepEqual(got, []string{"hello-pkg"}) {
			t.Errorf("RequiredBy: %v", got)
		}
		if d := env.ModuleOwner("hello.sub"); d == nil || d.Name != "hello-pkg" {
			t.Errorf("ModuleOwner: %v", d)
		}
		// A second open reuses the unpacked directory.
		again, err := OpenArchive(context.Background(), archive, OpenOptions{CacheDir: cache})
		if err != nil || again.Dir != env.Dir {
			t.Fatalf("reopen: %v %s %s", err, again.Dir, env.Dir)
		}
		if env.Format == FormatPex {
			if _, err := os.Stat(filepath.Join(env.Dir, "__main__.py")); err == nil {
				t.Error("the pex bootstrap was unpacked")
			}
		}
	}
}

func TestOpenArchiveErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.zip")
	os.WriteFile(junk, []byte("not a zip"), 0o644)
	if _, err := OpenArchive(context.Background(), junk, OpenOptions{CacheDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "not a zip") {
		t.Fatalf("junk: %v", err)
	}
	if _, err := OpenArchive(context.Background(), junk, OpenOptions{}); err == nil {
		t.Fatal("no cache dir: no error")
	}
	// A member that would land outside the cache is refused.
	evil := filepath.Join(dir, "evil.zip")
	f, _ := os.Create(evil)
	zw := zip.NewWriter(f)
	w, _ := zw.Create("../outside")
	w.Write([]byte("x"))
	zw.Close()
	f.Close()
	cache := t.TempDir()
	if _, err := OpenArchive(context.Background(), evil, OpenOptions{CacheDir: cache}); err == nil || !strings.Contains(err.Error(), "'..'") {
		t.Fatalf("evil: %v", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("a refused archive left %d entries in the cache", len(entries))
	}
}

func TestTopLevelFromFiles(t *testing.T) {
	got := topLevelFromFiles([]string{"pkg/__init__.py", "mod.py", "_ext.cpython-311-x86_64-linux-gnu.so", "pkg-1.0.dist-info/RECORD",
		"pkg.libs/libfoo.so", "__pycache__/x.pyc", "not-ident/x.py", "data/readme.txt"})
	if want := []string{"_ext", "mod", "pkg"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestParseMetadata(t *testing.T) {
	name, version, req, opt := parseMetadata([]byte("Metadata-Version: 2.1\nName: Table_Kit\nVersion: 0.5\nRequires-Dist: PyArrow>=10; extra == 'x'\nRequires-Dist: numpy (>=1)\nRequires-Dist: pyarrow\n" +
		"Requires-Dist: adbc_driver_manager; extra == 'ADBC'\nRequires-Dist: adbc-driver-manager; (python_version >= '3.9') and extra == \"all\"\nRequires-Dist: tzdata; python_version >= '3.9'\n\nRequires-Dist: body\n"))
	if name != "Table_Kit" || version != "0.5" || !reflect.DeepEqual(req, []string{"numpy", "pyarrow", "tzdata"}) {
		t.Fatalf("%q %q %v", name, version, req)
	}
	// pyarrow is required anyway; adbc-driver-manager only with [adbc] or [all].
	if want := map[string][]string{"adbc-driver-manager": {"adbc", "all"}}; !reflect.DeepEqual(opt, want) {
		t.Fatalf("optional %v, want %v", opt, want)
	}
}

func FuzzDistInfo(f *testing.F) {
	f.Add([]byte("a/b.py,sha256=x,1\n\"q,\"\"x\",,\n../../bin/x,,\n"), []byte("Name: x\nRequires-Dist: y ; z\n"))
	f.Fuzz(func(t *testing.T, record, meta []byte) {
		files := parseRecord(record)
		for _, p := range files {
			if strings.HasPrefix(p, "../") || strings.HasPrefix(p, "/") {
				t.Fatalf("path outside the site dir: %q", p)
			}
		}
		for _, m := range topLevelFromFiles(files) {
			if !isIdentifier(m) {
				t.Fatalf("not an identifier: %q", m)
			}
		}
		parseMetadata(meta)
		parseWheelTags(meta)
	})
}
