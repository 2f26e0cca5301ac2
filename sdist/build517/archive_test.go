package build517

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/unpack"
)

// member is one entry of a hand-made test archive.
type member struct {
	name     string
	typeflag byte // tar type; 0 means a regular file
	link     string
	body     string
	mode     int64
}

func tarGz(t *testing.T, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		h := &tar.Header{Name: m.name, Typeflag: m.typeflag, Linkname: m.link, Mode: m.mode, Size: int64(len(m.body))}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(m.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "pkg-1.0.tar.gz", buf.Bytes())
}

func zipFile(t *testing.T, members ...member) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if m.typeflag == tar.TypeSymlink {
			mode |= os.ModeSymlink
			m.body = m.link
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "pkg-1.0.zip", buf.Bytes())
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestUnpack: what unpacking writes, and what it refuses.
func TestUnpack(t *testing.T) {
	small := sdistOptions()
	small.MaxBytes, small.MaxMembers = 100, 5
	tests := []struct {
		name    string
		archive func(t *testing.T) string
		opts    *unpack.Options   // nil: sdistOptions()
		files   map[string]string // relative to the source tree
		exec    []string
		srcBase string
		errWant string // substring of the error; "" for success
	}{
		{
			name: "top directory becomes the source tree",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "pkg-1.0/", typeflag: tar.TypeDir}, member{name: "pkg-1.0/PKG-INFO", body: "x"},
					member{name: "./pkg-1.0/src/a.py", body: "A"}, member{name: "pkg-1.0/configure", body: "#!/bin/sh", mode: 0o755})
			},
			files:   map[string]string{"PKG-INFO": "x", "src/a.py": "A", "configure": "#!/bin/sh"},
			exec:    []string{"configure"},
			srcBase: "pkg-1.0",
		},
		{
			name: "links to files inside are copied",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/LICENSE", body: "MIT"},
					member{name: "p/docs/LICENSE", typeflag: tar.TypeSymlink, link: "../LICENSE"},
					member{name: "p/COPYING", typeflag: tar.TypeLink, link: "p/LICENSE"})
			},
			files:   map[string]string{"LICENSE": "MIT", "docs/LICENSE": "MIT", "COPYING": "MIT"},
			srcBase: "p",
		},
		{
			name: "zip sdist",
			archive: func(t *testing.T) string {
				return zipFile(t, member{name: "p/PKG-INFO", body: "z"}, member{name: "p/m/__init__.py", body: "i"})
			},
			files:   map[string]string{"PKG-INFO": "z", "m/__init__.py": "i"},
			srcBase: "p",
		},
		{
			name: "no common top directory",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "a.py", body: "a"}, member{name: "b/c.py", body: "c"})
			},
			files:   map[string]string{"a.py": "a", "b/c.py": "c"},
			srcBase: "src",
		},
		{name: "dot-dot", archive: func(t *testing.T) string { return tarGz(t, member{name: "p/../../evil", body: "x"}) }, errWant: "leaves the archive"},
		{name: "absolute", archive: func(t *testing.T) string { return tarGz(t, member{name: "/etc/evil", body: "x"}) }, errWant: "absolute"},
		{name: "backslash", archive: func(t *testing.T) string { return zipFile(t, member{name: `p\..\evil`, body: "x"}) }, errWant: "backslash"},
		{name: "drive letter", archive: func(t *testing.T) string { return zipFile(t, member{name: "C:/evil", body: "x"}) }, errWant: "drive letter"},
		{
			name: "symlink out of the tree",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/x", typeflag: tar.TypeSymlink, link: "../../etc/passwd"})
			},
			errWant: "points outside",
		},
		{
			name: "absolute symlink",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/x", typeflag: tar.TypeSymlink, link: "/etc/passwd"})
			},
			errWant: "points outside",
		},
		{
			name: "zip symlink out of the tree",
			archive: func(t *testing.T) string {
				return zipFile(t, member{name: "p/x", typeflag: tar.TypeSymlink, link: "../../x"})
			},
			errWant: "points outside",
		},
		{
			name: "symlink to a directory",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/d/", typeflag: tar.TypeDir}, member{name: "p/l", typeflag: tar.TypeSymlink, link: "d"})
			},
			errWant: "not a regular file of the archive",
		},
		{
			name: "hard link out of the tree",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/x", typeflag: tar.TypeLink, link: "../etc/passwd"})
			},
			errWant: "hard link target",
		},
		{name: "device", archive: func(t *testing.T) string { return tarGz(t, member{name: "p/dev", typeflag: tar.TypeChar}) }, errWant: "device or FIFO"},
		{
			name:    "too large",
			archive: func(t *testing.T) string { return tarGz(t, member{name: "p/big", body: strings.Repeat("x", 101)}) },
			opts:    &small,
			errWant: "more than 100 bytes",
		},
		{
			name: "too large through links",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "p/f", body: strings.Repeat("x", 60)}, member{name: "p/g", typeflag: tar.TypeSymlink, link: "f"})
			},
			opts:    &small,
			errWant: "more than 100 bytes",
		},
		{
			name: "too many entries",
			archive: func(t *testing.T) string {
				return tarGz(t, member{name: "1"}, member{name: "2"}, member{name: "3"}, member{name: "4"}, member{name: "5"}, member{name: "6"})
			},
			opts:    &small,
			errWant: "more than 5 entries",
		},
		{name: "not an archive", archive: func(t *testing.T) string { return writeTemp(t, "pkg-1.0.tar.gz", []byte("hello")) }, errWant: "not a tar.gz, tar or zip archive"},
		{name: "bz2 is not supported", archive: func(t *testing.T) string { return writeTemp(t, "pkg-1.0.tar.bz2", []byte("BZh91AY&SY")) }, errWant: "not a tar.gz, tar or zip archive"},
		{
			name: "truncated gzip",
			archive: func(t *testing.T) string {
				data, _ := os.ReadFile(tarGz(t, member{name: "p/a", body: strings.Repeat("abc", 1000)}))
				return writeTemp(t, "pkg-1.0.tar.gz", data[:len(data)/2])
			},
			errWant: "unpacking sdist",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := sdistOptions()
			if tt.opts != nil {
				opts = *tt.opts
			}
			archive := tt.archive(t)
			dest := filepath.Join(t.TempDir(), "src")
			if err := os.Mkdir(dest, 0o755); err != nil {
				t.Fatal(err)
			}
			src, err := unpackSdist(context.Background(), archive, dest, opts)
			if tt.errWant != "" {
				var aerr *ArchiveError
				if !errors.As(err, &aerr) || !strings.Contains(err.Error(), tt.errWant) || !strings.Contains(err.Error(), archive) {
					t.Fatalf("err = %v, want an ArchiveError naming the sdist and saying %q", err, tt.errWant)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(dest)), "evil")); err == nil {
					t.Error("a file escaped the unpack directory")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(src) != tt.srcBase {
				t.Errorf("source tree %s, want base %s", src, tt.srcBase)
			}
			for name, want := range tt.files {
				path := filepath.Join(src, filepath.FromSlash(name))
				st, err := os.Lstat(path)
				if err != nil {
					t.Fatal(err)
				}
				if !st.Mode().IsRegular() {
					t.Errorf("%s is %v, not a regular file", name, st.Mode())
				}
				if got, _ := os.ReadFile(path); string(got) != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, name := range tt.exec {
				if st, err := os.Stat(filepath.Join(src, name)); err != nil || st.Mode().Perm()&0o100 == 0 {
					t.Errorf("%s is not executable", name)
				}
			}
		})
	}
}

// TestReadPKGINFO: only the top-level PKG-INFO counts.
func TestReadPKGINFO(t *testing.T) {
	tests := []struct {
		name    string
		archive func(t *testing.T) string
		want    string
		found   bool
	}{
		{"tar.gz", func(t *testing.T) string {
			return tarGz(t, member{name: "p/a.py"}, member{name: "p/PKG-INFO", body: "top"})
		}, "top", true},
		{"zip", func(t *testing.T) string { return zipFile(t, member{name: "p/PKG-INFO", body: "zipped"}) }, "zipped", true},
		{"nested ones do not count", func(t *testing.T) string {
			return tarGz(t, member{name: "p/src/x.egg-info/PKG-INFO", body: "nested"})
		}, "", false},
		{"root of a flat archive", func(t *testing.T) string { return tarGz(t, member{name: "PKG-INFO", body: "flat"}) }, "flat", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readPKGINFO(context.Background(), tt.archive(t))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want || (got != nil) != tt.found {
				t.Errorf("readPKGINFO = %q, want %q (found %v)", got, tt.want, tt.found)
			}
		})
	}
}

// TestFrontendRefusesBadArchives: the public calls report ArchiveErrors
// before any Python runs.
func TestFrontendRefusesBadArchives(t *testing.T) {
	f := &Frontend{Python: filepath.Join(t.TempDir(), "python3")}
	notArchive := writeTemp(t, "pkg-1.0.tar.gz", []byte("<html>not found</html>"))
	if _, err := f.Metadata(context.Background(), notArchive, ""); !errors.As(err, new(*ArchiveError)) {
		t.Errorf("Metadata: %v", err)
	}
	if _, err := f.BuildWheel(context.Background(), notArchive, "", t.TempDir()); !errors.As(err, new(*ArchiveError)) {
		t.Errorf("BuildWheel: %v", err)
	}
}
