package codezip

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSymlinks: real directories with symbolic links. A link that leads
// out of the project (absolutely, relatively, through another link), one
// that points at nothing and one that loops are *LinkErrors naming the
// link; links inside the project are stored as what they point to.
func TestSymlinks(t *testing.T) {
	type link struct{ name, target string } // target "{outside}" is replaced
	tests := []struct {
		name     string
		project  string // "" for the flat project root; "src" puts the code in src/
		links    []link
		wantErr  []string          // substrings of the *LinkError; nil: it packs
		wantLink string            // the error's Link
		want     map[string]string // files in the zip that must hold this content
		absent   []string          // and names it must not hold
	}{
		{name: "absolute link out", links: []link{{"mypkg/passwd", "/etc/passwd"}},
			wantErr: []string{"mypkg/passwd", "/etc/passwd", "leads out of the project"}, wantLink: "mypkg/passwd"},
		{name: "relative link out", links: []link{{"mypkg/secret.py", "../../outside/secret.py"}},
			wantErr: []string{"mypkg/secret.py", "../../outside/secret.py", "leads out"}, wantLink: "mypkg/secret.py"},
		{name: "directory link out", links: []link{{"mypkg/ext", "{outside}"}},
			wantErr: []string{"mypkg/ext", "leads out"}, wantLink: "mypkg/ext"},
		{name: "top-level module link out", links: []link{{"evil.py", "{outside}/secret.py"}},
			wantErr: []string{"evil.py", "leads out"}, wantLink: "evil.py"},
		{name: "top-level package link out", links: []link{{"outpkg", "{outside}/pkg"}},
			wantErr: []string{"outpkg", "leads out"}, wantLink: "outpkg"},
		{name: "link out through a link inside", links: []link{{"hop", "{outside}"}, {"mypkg/via.py", "../hop/secret.py"}},
			wantErr: []string{"mypkg/via.py", "leads out"}, wantLink: "mypkg/via.py"},
		{name: "src linked out", links: []link{{"src", "{outside}"}},
			wantErr: []string{"src", "leads out"}, wantLink: "src"},
		{name: "dangling", links: []link{{"mypkg/gone.py", "missing.py"}},
			wantErr: []string{"mypkg/gone.py", "missing.py", "does not exist"}, wantLink: "mypkg/gone.py"},
		{name: "loop", links: []link{{"mypkg/again", "."}},
			wantErr: []string{"mypkg/again", "loop"}, wantLink: "mypkg/again"},
		{name: "loop to an ancestor", links: []link{{"mypkg/sub/up", ".."}},
			wantErr: []string{"mypkg/sub/up", "loop"}, wantLink: "mypkg/sub/up"},
		{name: "file link inside", links: []link{{"mypkg/alias.py", "core.py"}},
			want: map[string]string{"mypkg/alias.py": "def answer():\n    return 42\n", "mypkg/core.py": "def answer():\n    return 42\n"}},
		{name: "directory link inside", links: []link{{"mypkg/shared", "../shared"}},
			want: map[string]string{"mypkg/shared/util.py": "U = 1\n", "mypkg/shared/deep/d.txt": "d\n"}, absent: []string{"shared/util.py"}},
		{name: "top-level module link inside", links: []link{{"alias.py", "helper.py"}},
			want: map[string]string{"alias.py": "X = 1\n", "helper.py": "X = 1\n"}},
		{name: "link inside a src layout to the project root", project: "src", links: []link{{"src/mypkg/conf.py", "../../conf/settings.py"}},
			want: map[string]string{"mypkg/conf.py": "S = 1\n"}},
		{name: "skipped directories are not followed", links: []link{{"mypkg/.venv", "{outside}"}, {"mypkg/__pycache__", "/etc"}},
			want: map[string]string{"mypkg/core.py": "def answer():\n    return 42\n"}, absent: []string{"mypkg/.venv/secret.py"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			outside := filepath.Join(base, "outside")
			write(t, outside, map[string]string{"secret.py": "STOLEN = 1\n", "pkg/__init__.py": "STOLEN = 2\n"})
			proj := filepath.Join(base, "proj")
			code := map[string]string{
				"mypkg/__init__.py": "", "mypkg/core.py": "def answer():\n    return 42\n", "mypkg/sub/__init__.py": "",
				"helper.py": "X = 1\n", "shared/util.py": "U = 1\n", "shared/deep/d.txt": "d\n", "conf/settings.py": "S = 1\n",
			}
			if tt.project == "src" {
				code = map[string]string{"src/mypkg/__init__.py": "", "src/mypkg/core.py": "def answer():\n    return 42\n", "conf/settings.py": "S = 1\n"}
			}
			write(t, proj, code)
			for _, l := range tt.links {
				target := strings.ReplaceAll(l.target, "{outside}", outside)
				p := filepath.Join(proj, l.name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, p); err != nil {
					t.Fatal(err)
				}
			}
			// The project is reached through a link of its own, as a
			// user's checkout often is: that one is the user's choice.
			via := filepath.Join(base, "checkout")
			if err := os.Symlink(proj, via); err != nil {
				t.Fatal(err)
			}
			p, err := NewPlan(context.Background(), via)
			if tt.wantErr != nil {
				var le *LinkError
				if !errors.As(err, &le) {
					t.Fatalf("NewPlan = %v (plan %v); want a *LinkError", err, p)
				}
				if le.Link != tt.wantLink {
					t.Errorf("Link %q, want %q", le.Link, tt.wantLink)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := p.Write(context.Background(), &buf); err != nil {
				t.Fatal(err)
			}
			zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range zr.File {
				if f.Mode()&os.ModeSymlink != 0 {
					t.Errorf("%s is stored as a link", f.Name)
				}
				if f.Mode().IsDir() {
					continue
				}
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(rc)
				rc.Close()
				got[f.Name] = string(data)
				if strings.Contains(string(data), "STOLEN") {
					t.Errorf("%s holds a file from outside the project", f.Name)
				}
			}
			for name, content := range tt.want {
				if got[name] != content {
					t.Errorf("%s holds %q, want %q (zip: %v)", name, got[name], content, reflect.ValueOf(got).MapKeys())
				}
			}
			for _, name := range tt.absent {
				if _, ok := got[name]; ok {
					t.Errorf("the zip holds %s", name)
				}
			}
		})
	}
}
