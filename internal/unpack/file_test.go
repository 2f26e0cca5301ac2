package unpack

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// entry is one member of a hand-made tar or zip archive.
type entry struct {
	name     string
	typeflag byte // tar type; 0 is a regular file
	link     string
	body     string
	mode     int64 // 0 is 0644
}

func tarData(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typeflag, Linkname: e.link, Mode: e.mode, Size: int64(len(e.body)), Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			h = &tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "git archive"}}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipData(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipData(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := fs.FileMode(0o644)
		switch e.typeflag {
		case tar.TypeSymlink:
			mode |= fs.ModeSymlink
			e.body = e.link
		case tar.TypeDir:
			mode |= fs.ModeDir
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// archiveFile writes data as the file name in a fresh directory.
func archiveFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// sdistOptions are what a build frontend extracts sdists with.
var sdistOptions = Options{CopyLinks: true, Replace: true, MaxBytes: 100, MaxMembers: 8}

// TestFile: the three formats, link copies, replaced members, pax global
// headers.
func TestFile(t *testing.T) {
	tgz := func(e ...entry) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return gzipData(t, tarData(t, e...)) }
	}
	tests := []struct {
		name    string
		archive func(*testing.T) []byte
		opts    Options
		files   map[string]string
		exec    []string
	}{
		{
			name: "tar.gz with links to files copied",
			archive: tgz(entry{name: "p-1.0/", typeflag: tar.TypeDir}, entry{name: "p-1.0/LICENSE", body: "MIT"},
				entry{name: "./p-1.0/docs/LICENSE", typeflag: tar.TypeSymlink, link: "../LICENSE"},
				entry{name: "p-1.0/COPYING", typeflag: tar.TypeLink, link: "p-1.0/LICENSE"},
				entry{name: "p-1.0/configure", body: "#!/bin/sh", mode: 0o755}),
			opts:  sdistOptions,
			files: map[string]string{"p-1.0/LICENSE": "MIT", "p-1.0/docs/LICENSE": "MIT", "p-1.0/COPYING": "MIT", "p-1.0/configure": "#!/bin/sh"},
			exec:  []string{"p-1.0/configure"},
		},
		{
			name: "plain tar with a pax global header (git archive)",
			archive: func(t *testing.T) []byte {
				return tarData(t, entry{name: "pax_global_header", typeflag: tar.TypeXGlobalHeader}, entry{name: "p/a.py", body: "a"})
			},
			files: map[string]string{"p/a.py": "a"},
		},
		{
			name: "zip with a symbolic link copied",
			archive: func(t *testing.T) []byte {
				return zipData(t, entry{name: "p/", typeflag: tar.TypeDir}, entry{name: "p/a.py", body: "a"}, entry{name: "p/b.py", typeflag: tar.TypeSymlink, link: "a.py"})
			},
			opts:  sdistOptions,
			files: map[string]string{"p/a.py": "a", "p/b.py": "a"},
		},
		{
			name:    "a later member replaces an earlier one",
			archive: tgz(entry{name: "p/a.py", body: "old"}, entry{name: "p/a.py", body: "new"}),
			opts:    sdistOptions,
			files:   map[string]string{"p/a.py": "new"},
		},
		{
			name:    "keep",
			archive: tgz(entry{name: "p/a.py", body: "a"}, entry{name: "p/b.txt", body: "b"}),
			opts:    Options{Keep: func(name string) bool { return strings.HasSuffix(name, ".py") }},
			files:   map[string]string{"p/a.py": "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := File(context.Background(), archiveFile(t, "archive", tt.archive(t)), dir, tt.opts); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					t.Fatal(err)
				}
				if d.Type()&fs.ModeSymlink != 0 {
					t.Errorf("%s is a symbolic link", p)
				}
				if d.Type().IsRegular() {
					rel, _ := filepath.Rel(dir, p)
					data, _ := os.ReadFile(p)
					got[filepath.ToSlash(rel)] = string(data)
				}
				return nil
			})
			if len(got) != len(tt.files) {
				t.Errorf("files %q, want %q", got, tt.files)
			}
			for name, want := range tt.files {
				if got[name] != want {
					t.Errorf("%s = %q, want %q", name, got[name], want)
				}
			}
			for _, name := range tt.exec {
				if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != 0o755 {
					t.Errorf("%s is not 0755: %v", name, err)
				}
			}
		})
	}
}

// TestFileRefuses: malicious and oversized archives, with the options a
// build frontend uses for sdists. Nothing may appear outside the
// destination.
func TestFileRefuses(t *testing.T) {
	tgz := func(e ...entry) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return gzipData(t, tarData(t, e...)) }
	}
	tests := []struct {
		name    string
		archive func(*testing.T) []byte
		opts    Options
		want    string
		is      error
	}{
		{name: "dot-dot", archive: tgz(entry{name: "p/../../evil", body: "x"}), want: "leaves the archive"},
		{name: "absolute", archive: tgz(entry{name: "/evil", body: "x"}), want: "absolute path"},
		{name: "NUL", archive: func(t *testing.T) []byte { return zipData(t, entry{name: "p/a\x00b", body: "x"}) }, want: "NUL"},
		{name: "drive letter", archive: func(t *testing.T) []byte { return zipData(t, entry{name: "C:/evil", body: "x"}) }, want: "drive letter"},
		{name: "a file as the root", archive: tgz(entry{name: ".", body: "x"}), want: "names the archive root"},
		{
			// The classic: a link to a directory outside, then a file
			// written through it. Links are never created, so the file
			// lands inside, and the link itself is refused.
			name:    "write through a symbolic link to a directory outside",
			archive: tgz(entry{name: "p/l", typeflag: tar.TypeSymlink, link: "../../outside"}, entry{name: "p/l/evil", body: "x"}),
			opts:    sdistOptions,
			want:    "points outside",
		},
		{
			name:    "write through a symbolic link, links refused",
			archive: tgz(entry{name: "p/l", typeflag: tar.TypeSymlink, link: "../../outside"}, entry{name: "p/l/evil", body: "x"}),
			want:    "is a symbolic link, which is not extracted",
		},
		{name: "absolute symlink", archive: tgz(entry{name: "p/x", typeflag: tar.TypeSymlink, link: "/etc/passwd"}), opts: sdistOptions, want: "points outside"},
		{
			name: "zip symlink out of the tree",
			archive: func(t *testing.T) []byte {
				return zipData(t, entry{name: "p/x", typeflag: tar.TypeSymlink, link: "../../x"})
			},
			opts: sdistOptions,
			want: "points outside",
		},
		{
			name:    "symlink to a directory",
			archive: tgz(entry{name: "p/d/", typeflag: tar.TypeDir}, entry{name: "p/l", typeflag: tar.TypeSymlink, link: "d"}),
			opts:    sdistOptions,
			want:    "not a regular file of the archive",
		},
		{name: "hard link out of the tree", archive: tgz(entry{name: "p/x", typeflag: tar.TypeLink, link: "../etc/passwd"}), opts: sdistOptions, want: "hard link target"},
		{name: "hard link, links refused", archive: tgz(entry{name: "p/a", body: "a"}, entry{name: "p/x", typeflag: tar.TypeLink, link: "p/a"}), want: "is a hard link"},
		{name: "device", archive: tgz(entry{name: "p/dev", typeflag: tar.TypeChar}), opts: sdistOptions, want: "device or FIFO"},
		{name: "FIFO", archive: tgz(entry{name: "p/fifo", typeflag: tar.TypeFifo}), want: "device or FIFO"},
		{name: "duplicate without Replace", archive: tgz(entry{name: "p/a", body: "1"}, entry{name: "p/a", body: "2"}), want: "exists"},
		{name: "too large", archive: tgz(entry{name: "p/big", body: strings.Repeat("x", 101)}), opts: sdistOptions, want: "more than 100 bytes", is: ErrTooLarge},
		{
			name:    "too large through links",
			archive: tgz(entry{name: "p/f", body: strings.Repeat("x", 60)}, entry{name: "p/g", typeflag: tar.TypeSymlink, link: "f"}),
			opts:    sdistOptions,
			want:    "more than 100 bytes",
			is:      ErrTooLarge,
		},
		{
			name: "too many entries",
			archive: tgz(entry{name: "1"}, entry{name: "2"}, entry{name: "3"}, entry{name: "4"}, entry{name: "5"},
				entry{name: "6"}, entry{name: "7"}, entry{name: "8"}, entry{name: "9"}),
			opts: sdistOptions,
			want: "more than 8 entries",
			is:   ErrTooLarge,
		},
		{name: "not an archive", archive: func(*testing.T) []byte { return []byte("<html>not found</html>") }, want: "not a tar.gz, tar or zip", is: ErrUnknownFormat},
		{name: "bz2", archive: func(*testing.T) []byte { return []byte("BZh91AY&SY") }, is: ErrUnknownFormat},
		{name: "empty file", archive: func(*testing.T) []byte { return nil }, is: ErrUnknownFormat},
		{
			name: "truncated gzip",
			archive: func(t *testing.T) []byte {
				data := gzipData(t, tarData(t, entry{name: "p/a", body: strings.Repeat("abc", 1000)}))
				return data[:len(data)/2]
			},
			want: "reading the tar stream",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outer := t.TempDir()
			dir := filepath.Join(outer, "a", "dest")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			err := File(context.Background(), archiveFile(t, "archive", tt.archive(t)), dir, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
			for _, p := range []string{filepath.Join(outer, "evil"), filepath.Join(outer, "a", "evil"), filepath.Join(outer, "outside")} {
				if _, err := os.Lstat(p); err == nil {
					t.Errorf("%s was written outside the destination", p)
				}
			}
			filepath.WalkDir(outer, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type()&fs.ModeSymlink != 0 {
					t.Errorf("%s is a symbolic link", p)
				}
				return nil
			})
		})
	}
}

// TestFileMemberError: an error about one member says which, as the
// archive names it.
func TestFileMemberError(t *testing.T) {
	archive := archiveFile(t, "a.tgz", gzipData(t, tarData(t, entry{name: "./p/../../x", body: "x"})))
	err := File(context.Background(), archive, t.TempDir(), Options{})
	var me *MemberError
	if !errors.As(err, &me) || me.Name != "./p/../../x" {
		t.Fatalf("error %v is not a *MemberError for ./p/../../x", err)
	}
}

// TestWalk: every member in order, with cleaned names and bodies, until
// visit says stop.
func TestWalk(t *testing.T) {
	archive := archiveFile(t, "a.zip", zipData(t, entry{name: "./p/", typeflag: tar.TypeDir}, entry{name: "p//PKG-INFO", body: "meta"},
		entry{name: "p/l", typeflag: tar.TypeSymlink, link: "PKG-INFO"}, entry{name: "p/after", body: "x"}))
	var seen []string
	err := Walk(context.Background(), archive, func(m *Member) error {
		seen = append(seen, m.Type.String()+" "+m.Name)
		switch m.Type {
		case Regular:
			data, err := io.ReadAll(m.Body)
			if err != nil || string(data) != "meta" {
				t.Errorf("%s: body %q, %v", m.Name, data, err)
			}
		case Symlink:
			if m.Link != "PKG-INFO" {
				t.Errorf("link %q", m.Link)
			}
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "directory p|regular file p/PKG-INFO|symbolic link p/l"; strings.Join(seen, "|") != want {
		t.Errorf("seen %q, want %q", strings.Join(seen, "|"), want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Walk(ctx, archive, func(*Member) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled walk: %v", err)
	}
}

func TestCleanName(t *testing.T) {
	for name, want := range map[string]string{
		"a/b": "a/b", "./a": "a", "a//b/./c": "a/b/c", "a/b/": "a/b", ".": "", "./": "", "ab:c/d": "ab:c/d",
		"": "!empty", "/a": "!absolute", "..": "!leaves", "a/..": "!leaves", "a/../b": "!leaves", `a\b`: "!backslash",
		"C:/x": "!drive letter", "c:": "!drive letter", "a\x00": "!NUL",
	} {
		got, err := CleanName(name)
		if bad, isErr := strings.CutPrefix(want, "!"); isErr {
			if err == nil || !strings.Contains(err.Error(), bad) {
				t.Errorf("CleanName(%q) = %q, %v; want an error with %q", name, got, err, bad)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
}
