package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

type member struct {
	name string
	mode fs.FileMode
	body string
}

func zipBytes(t testing.TB, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		h.SetMode(m.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(m.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tarGzBytes(t testing.TB, members []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Mode: int64(m.mode.Perm()), Size: int64(len(m.body)), Typeflag: tar.TypeReg}
		switch {
		case m.mode.IsDir():
			h.Typeflag, h.Size = tar.TypeDir, 0
		case m.mode&fs.ModeSymlink != 0:
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, m.body
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(m.body))
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// tree lists the files under dir with their modes and contents.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		if d.IsDir() {
			out = append(out, filepath.ToSlash(rel)+"/")
			return nil
		}
		data, _ := os.ReadFile(p)
		out = append(out, filepath.ToSlash(rel)+" "+info.Mode().Perm().String()+" "+string(data))
		return nil
	})
	sort.Strings(out)
	return out
}

var good = []member{
	{"environment/", fs.ModeDir | 0o755, ""},
	{"environment/bin/python", 0o755, "#!/bin/sh\n"},
	{"environment/lib/python3.11/site-packages/pkg/__init__.py", 0o600, "x = 1\n"},
	{"./environment/pyvenv.cfg", 0o644, "home = /usr\n"},
}

var goodTree = []string{
	"./",
	"environment/",
	"environment/bin/",
	"environment/bin/python -rwxr-xr-x #!/bin/sh\n",
	"environment/lib/",
	"environment/lib/python3.11/",
	"environment/lib/python3.11/site-packages/",
	"environment/lib/python3.11/site-packages/pkg/",
	"environment/lib/python3.11/site-packages/pkg/__init__.py -rw-r--r-- x = 1\n",
	"environment/pyvenv.cfg -rw-r--r-- home = /usr\n",
}

func TestZipAndTarGz(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"zip", "tar.gz"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			archive := filepath.Join(t.TempDir(), "env."+format)
			var err error
			if format == "zip" {
				os.WriteFile(archive, zipBytes(t, good), 0o644)
				err = ZipFile(ctx, archive, dir, nil)
			} else {
				os.WriteFile(archive, tarGzBytes(t, good), 0o644)
				err = TarGzFile(ctx, archive, dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := tree(t, dir)
			if strings.Join(got, "|") != strings.Join(goodTree, "|") {
				t.Errorf("tree:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(goodTree, "\n"))
			}
		})
	}
}

func TestZipKeep(t *testing.T) {
	dir := t.TempDir()
	zr, err := zip.NewReader(bytes.NewReader(zipBytes(t, good)), int64(len(zipBytes(t, good))))
	if err != nil {
		t.Fatal(err)
	}
	keep := func(name string) bool { return strings.HasSuffix(name, ".cfg") }
	if err := Zip(context.Background(), zr, dir, keep); err != nil {
		t.Fatal(err)
	}
	if got := tree(t, dir); len(got) != 3 || got[2] != "environment/pyvenv.cfg -rw-r--r-- home = /usr\n" {
		t.Errorf("tree %q, want only pyvenv.cfg", got)
	}
}

func TestRefused(t *testing.T) {
	tests := []struct {
		name    string
		members []member
		want    string
	}{
		{"parent", []member{{"../evil", 0o644, "x"}}, "leaves the archive ('..')"},
		{"deep parent", []member{{"a/../../evil", 0o644, "x"}}, "leaves the archive"},
		{"absolute", []member{{"/tmp/evil", 0o644, "x"}}, "absolute"},
		{"backslash", []member{{`..\evil`, 0o644, "x"}}, "backslash"},
		{"drive letter", []member{{"C:/evil", 0o644, "x"}}, "drive letter"},
		{"symlink", []member{{"link", fs.ModeSymlink | 0o777, "/etc/passwd"}}, "symbolic link"},
		{"duplicate", []member{{"a", 0o644, "x"}, {"a", 0o644, "y"}}, "exists"},
	}
	for _, tt := range tests {
		for _, format := range []string{"zip", "tar.gz"} {
			outer := t.TempDir()
			dir := filepath.Join(outer, "in")
			os.Mkdir(dir, 0o755)
			var err error
			if format == "zip" {
				data := zipBytes(t, tt.members)
				zr, zerr := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				if zerr != nil {
					t.Fatal(zerr)
				}
				err = Zip(context.Background(), zr, dir, nil)
			} else {
				err = TarGz(context.Background(), bytes.NewReader(tarGzBytes(t, tt.members)), dir)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s %s: error %v, want one containing %q", tt.name, format, err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(outer, "evil")); err == nil {
				t.Errorf("%s %s: a file was written outside the destination", tt.name, format)
			}
		}
	}
}

func TestJoin(t *testing.T) {
	root := filepath.FromSlash("/r")
	for name, want := range map[string]string{
		"a/b": "/r/a/b", "./a": "/r/a", "a//b/./c": "/r/a/b/c", "a/b/": "/r/a/b",
		".": "/r", "./": "/r", "": "", "/a": "", "..": "", "a/..": "", "a/../..": "", `a\b`: "",
	} {
		got, err := Join(root, name)
		if want == "" {
			if err == nil {
				t.Errorf("Join(%q) = %q, want an error", name, got)
			}
			continue
		}
		if err != nil || got != filepath.FromSlash(want) {
			t.Errorf("Join(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestNotArchives(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("not an archive"), 0o644)
	if err := ZipFile(context.Background(), junk, t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "not a zip") {
		t.Errorf("ZipFile(junk): %v", err)
	}
	if err := TarGzFile(context.Background(), junk, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a tar.gz") {
		t.Errorf("TarGzFile(junk): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := TarGz(ctx, bytes.NewReader(tarGzBytes(t, good)), t.TempDir()); err != context.Canceled {
		t.Errorf("cancelled: %v", err)
	}
}

func TestOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "abc")
	var mu sync.Mutex
	fills := 0
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Once(dir, func(tmp string) error {
				mu.Lock()
				fills++
				mu.Unlock()
				return os.WriteFile(filepath.Join(tmp, "f"), []byte("done"), 0o644)
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(data) != "done" || !Complete(dir) {
		t.Fatalf("after concurrent Once: %q %v complete=%v", data, err, Complete(dir))
	}
	// A finished directory is not filled again.
	before := fills
	if err := Once(dir, func(string) error { t.Fatal("filled again"); return nil }); err != nil || fills != before {
		t.Fatal(err)
	}
	// A failed fill leaves nothing, not even its temporary directory.
	other := filepath.Join(filepath.Dir(dir), "def")
	if err := Once(other, func(tmp string) error { os.WriteFile(filepath.Join(tmp, "half"), nil, 0o644); return fs.ErrInvalid }); err == nil {
		t.Fatal("failed fill: no error")
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("after a failed fill the cache holds %d entries, want 1", len(entries))
	}
	// A leftover directory without the marker is replaced.
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "stale"), nil, 0o644)
	if err := Once(other, func(tmp string) error { return nil }); err != nil || !Complete(other) {
		t.Fatalf("over a stale directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(other, "stale")); err == nil {
		t.Error("the stale file survived")
	}
}

// FuzzZip and FuzzTarGz feed arbitrary bytes to the extractors: they may
// fail, but never panic or write outside the destination.
func FuzzZip(f *testing.F) {
	f.Add(zipBytes(f, good))
	f.Add(zipBytes(f, []member{{"../x", 0o644, "x"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		outer := t.TempDir()
		dir := filepath.Join(outer, "in")
		os.Mkdir(dir, 0o755)
		Zip(context.Background(), zr, dir, nil)
		checkContained(t, outer)
	})
}

func FuzzTarGz(f *testing.F) {
	f.Add(tarGzBytes(f, good))
	f.Add(tarGzBytes(f, []member{{"../x", 0o644, "x"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		outer := t.TempDir()
		dir := filepath.Join(outer, "in")
		os.Mkdir(dir, 0o755)
		TarGz(context.Background(), bytes.NewReader(data), dir)
		checkContained(t, outer)
	})
}

func checkContained(t *testing.T, outer string) {
	entries, _ := os.ReadDir(outer)
	if len(entries) != 1 || entries[0].Name() != "in" {
		t.Fatalf("the extractor wrote outside its destination: %v", entries)
	}
	filepath.WalkDir(outer, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type()&fs.ModeSymlink != 0 {
			t.Fatalf("the extractor made a symbolic link: %s", p)
		}
		return nil
	})
}
