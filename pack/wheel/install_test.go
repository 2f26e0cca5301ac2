package wheel

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

const relocatable = "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n"

// launcherBody is what follows the shebang in a launcher for mod:fn.
func launcherBody(module, importName, call string) string {
	return "# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom " + module + " import " + importName +
		"\nif __name__ == '__main__':\n    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n    sys.exit(" + call + "())\n"
}

func TestInstallLayout(t *testing.T) {
	const site = "lib/python3.11/site-packages/"
	custom := Scheme{Purelib: "pure", Platlib: "plat/lib", Scripts: "tools/bin", Data: "share/root", Headers: "inc"}
	longPython := "/opt/" + strings.Repeat("p", 130) + "/bin/python"
	tests := []struct {
		name string
		spec testindex.WheelSpec
		opts Options
		// want maps installed paths to their exact content; every file
		// must be listed, except the .dist-info files other than those
		// named here.
		want     map[string]string
		wantExec []string // paths that must be 0o755; the rest 0o644
		topLevel []string
		scripts  []string
	}{
		{
			name: "pure root to purelib",
			spec: testindex.WheelSpec{Name: "Pure_Pkg", Version: "1.0", Files: map[string]string{
				"pure_pkg/__init__.py": "x = 1\n", "pure_pkg/sub/m.py": "", "single.py": "s\n", "README": "not importable\n"}},
			opts: Options{Scheme: venv311},
			want: map[string]string{
				site + "pure_pkg/__init__.py": "x = 1\n", site + "pure_pkg/sub/m.py": "", site + "single.py": "s\n",
				site + "README": "not importable\n",
				site + "pure_pkg-1.0.dist-info/INSTALLER": "clusterpack\n",
			},
			topLevel: []string{"pure_pkg", "single"},
		},
		{
			name: "platform root to platlib, data subdirectories to their schemes",
			spec: testindex.WheelSpec{Name: "plat", Version: "2.0", Tag: "cp311-cp311-manylinux_2_28_x86_64",
				Files: map[string]string{"plat/_ext.cpython-311-x86_64-linux-gnu.so": "ELF", "_speedups.abi3.so": "ELF2"},
				Data: map[string]map[string]string{
					"purelib": {"plat_pure/__init__.py": "p\n"},
					"platlib": {"plat_more.py": "m\n"},
					"data":    {"etc/plat.conf": "conf\n"},
					"headers": {"plat.h": "int p;\n"},
					"scripts": {"plat-tool": "#!/bin/sh\necho tool\n"},
				}},
			opts: Options{Scheme: custom},
			want: map[string]string{
				"plat/lib/plat/_ext.cpython-311-x86_64-linux-gnu.so": "ELF", "plat/lib/_speedups.abi3.so": "ELF2",
				"pure/plat_pure/__init__.py": "p\n", "plat/lib/plat_more.py": "m\n",
				"share/root/etc/plat.conf": "conf\n", "inc/plat/plat.h": "int p;\n",
				"tools/bin/plat-tool":                   "#!/bin/sh\necho tool\n",
				"plat/lib/plat-2.0.dist-info/INSTALLER": "clusterpack\n",
			},
			wantExec: []string{"tools/bin/plat-tool"},
			topLevel: []string{"_speedups", "plat", "plat_more", "plat_pure"},
			scripts:  []string{"tools/bin/plat-tool"},
		},
		{
			name: "relocatable shebangs, launchers with extras and dotted objects",
			spec: testindex.WheelSpec{Name: "cli", Version: "0.1", Files: map[string]string{"cli/__init__.py": ""},
				EntryPoints: map[string]map[string]string{
					"console_scripts": {"cli": "cli.main:run [color, fast]", "cli-obj": "cli:App.main"},
					"gui_scripts":     {"cli-gui": "cli.gui : start"},
					"other_group":     {"ignored": "cli:x"},
				},
				Data: map[string]map[string]string{"scripts": {
					"py-tool":  "#!python\nprint('t')\n",
					"pyw-tool": "#!pythonw -E\r\nprint('w')\n",
					"no-nl":    "#!python",
					"bin-tool": "\x7fELF\x00#!python",
					"cli":      "setuptools wrapper, replaced by the launcher\n",
					"cli.exe":  "MZ windows wrapper, skipped\n",
				}}},
			opts: Options{Scheme: venv311},
			want: map[string]string{
				"bin/cli":                relocatable + launcherBody("cli.main", "run", "run"),
				"bin/cli-obj":            relocatable + launcherBody("cli", "App", "App.main"),
				"bin/cli-gui":            relocatable + launcherBody("cli.gui", "start", "start"),
				"bin/py-tool":            relocatable + "print('t')\n",
				"bin/pyw-tool":           relocatable + "print('w')\n",
				"bin/no-nl":              relocatable,
				"bin/bin-tool":           "\x7fELF\x00#!python",
				site + "cli/__init__.py": "",
			},
			wantExec: []string{"bin/cli", "bin/cli-obj", "bin/cli-gui", "bin/py-tool", "bin/pyw-tool", "bin/no-nl", "bin/bin-tool"},
			topLevel: []string{"cli"},
			scripts:  []string{"bin/bin-tool", "bin/cli", "bin/cli-gui", "bin/cli-obj", "bin/no-nl", "bin/py-tool", "bin/pyw-tool"},
		},
		{
			name: "absolute interpreter",
			spec: testindex.WheelSpec{Name: "abs", Version: "1", EntryPoints: map[string]map[string]string{"console_scripts": {"abs": "abs:main"}},
				Data: map[string]map[string]string{"scripts": {"s": "#!python3\nx\n"}}},
			opts: Options{Scheme: venv311, Shebang: "/usr/bin/python3.11"},
			want: map[string]string{
				"bin/abs": "#!/usr/bin/python3.11\n" + launcherBody("abs", "main", "main"),
				"bin/s":   "#!/usr/bin/python3.11\nx\n",
			},
			wantExec: []string{"bin/abs", "bin/s"},
			scripts:  []string{"bin/abs", "bin/s"},
		},
		{
			name: "long and spaced interpreters go through /bin/sh, relative ones from the scripts directory",
			spec: testindex.WheelSpec{Name: "long", Version: "1", Data: map[string]map[string]string{"scripts": {"s": "#!python\nx\n"}}},
			opts: Options{Scheme: venv311, Shebang: longPython},
			want: map[string]string{
				"bin/s": "#!/bin/sh\n'''exec' '" + longPython + "' \"$0\" \"$@\"\n' '''\nx\n",
			},
			wantExec: []string{"bin/s"},
			scripts:  []string{"bin/s"},
		},
		{
			name: "interpreter with a space",
			spec: testindex.WheelSpec{Name: "spaced", Version: "1", Data: map[string]map[string]string{"scripts": {"s": "#!python\nx\n"}}},
			opts: Options{Scheme: venv311, Shebang: "/opt/my python/bin/python"},
			want: map[string]string{
				"bin/s": "#!/bin/sh\n'''exec' '/opt/my python/bin/python' \"$0\" \"$@\"\n' '''\nx\n",
			},
			wantExec: []string{"bin/s"},
			scripts:  []string{"bin/s"},
		},
		{
			name: "relative interpreter",
			spec: testindex.WheelSpec{Name: "rel", Version: "1", Data: map[string]map[string]string{"scripts": {"s": "#!python\nx\n"}}},
			opts: Options{Scheme: venv311, Shebang: "python3.11"},
			want: map[string]string{
				"bin/s": "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python3.11' \"$0\" \"$@\"\n' '''\nx\n",
			},
			wantExec: []string{"bin/s"},
			scripts:  []string{"bin/s"},
		},
		{
			name: "requested and direct_url.json",
			spec: testindex.WheelSpec{Name: "req", Version: "3.0", Files: map[string]string{"req.py": ""}},
			opts: Options{Scheme: venv311, Requested: true, DirectURL: []byte(`{"url": "file:///w/req-3.0-py3-none-any.whl", "archive_info": {}}`)},
			want: map[string]string{
				site + "req.py":                            "",
				site + "req-3.0.dist-info/REQUESTED":       "",
				site + "req-3.0.dist-info/direct_url.json": `{"url": "file:///w/req-3.0-py3-none-any.whl", "archive_info": {}}`,
			},
			topLevel: []string{"req"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whl := buildWheel(t, tt.spec)
			dir := t.TempDir()
			d := DirDestination(dir)
			defer d.Close()
			in, err := Install(context.Background(), whl, d, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tree := readTree(t, dir)
			for p, content := range tt.want {
				got, ok := tree[p]
				if !ok {
					t.Errorf("%s not installed; have %v", p, sortedKeys(tree))
					continue
				}
				if got.content != content {
					t.Errorf("%s =\n%q\nwant\n%q", p, got.content, content)
				}
			}
			exec := map[string]bool{}
			for _, p := range tt.wantExec {
				exec[p] = true
			}
			for p, f := range tree {
				if _, listed := tt.want[p]; !listed && !strings.Contains(p, ".dist-info/") {
					t.Errorf("unexpected file %s", p)
				}
				if want := map[bool]os.FileMode{false: 0o644, true: 0o755}[exec[p]]; f.mode != want {
					t.Errorf("%s has mode %v, want %v", p, f.mode, want)
				}
			}
			for _, p := range []string{"cli.exe", "bin/cli.exe", "bin/ignored"} {
				if _, ok := tree[p]; ok {
					t.Errorf("%s should not be installed", p)
				}
			}
			if !reflect.DeepEqual(in.TopLevel, tt.topLevel) && len(in.TopLevel)+len(tt.topLevel) > 0 {
				t.Errorf("TopLevel = %q, want %q", in.TopLevel, tt.topLevel)
			}
			if !reflect.DeepEqual(in.Scripts, tt.scripts) && len(in.Scripts)+len(tt.scripts) > 0 {
				t.Errorf("Scripts = %q, want %q", in.Scripts, tt.scripts)
			}
			if in.Name != tt.spec.Name || in.Version != tt.spec.Version {
				t.Errorf("Name, Version = %q, %q; want %q, %q", in.Name, in.Version, tt.spec.Name, tt.spec.Version)
			}
			checkInstalled(t, dir, in, tree)
		})
	}
}

// checkInstalled checks that Installed.Files and the installed RECORD
// both describe exactly the files on disk, with their hashes, sizes and
// modes, and the fixed modification time.
func checkInstalled(t *testing.T, dir string, in *Installed, tree map[string]treeFile) {
	t.Helper()
	if len(in.Files) != len(tree) {
		t.Errorf("Installed.Files has %d files, the tree %d", len(in.Files), len(tree))
	}
	var recordPath string
	for i, f := range in.Files {
		if i > 0 && in.Files[i-1].Path >= f.Path {
			t.Errorf("Files not sorted: %s before %s", in.Files[i-1].Path, f.Path)
		}
		disk, ok := tree[f.Path]
		if !ok {
			t.Errorf("Installed.Files lists %s, which is not on disk", f.Path)
			continue
		}
		sum := sha256.Sum256([]byte(disk.content))
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(disk.content)) || f.Mode != disk.mode {
			t.Errorf("Installed.Files %+v; disk has sha256 %x, size %d, mode %v", f, sum, len(disk.content), disk.mode)
		}
		info, err := os.Stat(filepath.Join(dir, f.Path))
		if err != nil || !info.ModTime().Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: modification time %v, %v; want 1980-01-01", f.Path, info.ModTime(), err)
		}
		if strings.HasSuffix(f.Path, ".dist-info/RECORD") {
			recordPath = f.Path
		}
	}
	if recordPath == "" {
		t.Fatal("no RECORD installed")
	}
	libDir := path.Dir(path.Dir(recordPath))
	rows, err := csv.NewReader(strings.NewReader(tree[recordPath].content)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, row := range rows {
		p := path.Clean(path.Join(libDir, row[0]))
		if listed[p] {
			t.Errorf("RECORD lists %s twice", row[0])
		}
		listed[p] = true
		disk, ok := tree[p]
		if !ok {
			t.Errorf("RECORD lists %s (%s), which is not on disk", row[0], p)
			continue
		}
		if p == recordPath {
			if row[1] != "" || row[2] != "" {
				t.Errorf("RECORD's own row %q should have no hash or size", row)
			}
			continue
		}
		if row[1] != hashOf(disk.content) || row[2] != strconv.Itoa(len(disk.content)) {
			t.Errorf("RECORD row %q; disk has %s, %d", row, hashOf(disk.content), len(disk.content))
		}
	}
	for p := range tree {
		if !listed[p] {
			t.Errorf("%s is not in RECORD", p)
		}
	}
}
