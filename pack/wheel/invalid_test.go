package wheel

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallRejects(t *testing.T) {
	pkg := zipEntry{name: "demo/__init__.py", data: "x = 1\n"}
	replace := func(old, new string) func(string) string {
		return func(r string) string { return strings.Replace(r, old, new, 1) }
	}
	withMeta := func(name, data string) []zipEntry {
		var out []zipEntry
		for _, e := range demoMeta() {
			if e.name == name {
				e.data = data
			}
			out = append(out, e)
		}
		return out
	}
	tests := []struct {
		name       string
		filename   string     // default demoFilename
		entries    []zipEntry // written as given, no RECORD added
		members    []zipEntry // passed to craftWheel with a correct RECORD
		editRecord func(string) string
		opts       *Options
		wantIs     error    // errors.Is target
		wantText   []string // substrings of the message
	}{
		{name: "path traversal", members: []zipEntry{pkg, {name: "../evil.py", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{demoFilename, "../evil.py", "not clean"}},
		{name: "nested traversal", members: []zipEntry{{name: "demo/../../evil.py", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"demo/../../evil.py"}},
		{name: "traversal in .data", members: []zipEntry{{name: "demo-1.0.data/data/../../../evil", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"not clean"}},
		{name: "absolute path", members: []zipEntry{{name: "/etc/evil", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"/etc/evil", "absolute"}},
		{name: "backslash", members: []zipEntry{{name: `demo\..\..\evil.py`, data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"backslash"}},
		{name: "drive letter", members: []zipEntry{{name: "C:/evil.py", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"drive letter"}},
		{name: "directory traversal", members: []zipEntry{{name: "../dir/"}},
			wantIs: ErrInvalidWheel, wantText: []string{"../dir/"}},
		{name: "symlink", members: []zipEntry{pkg, {name: "demo/link", data: "/etc/passwd", mode: fs.ModeSymlink | 0o777}},
			wantIs: ErrInvalidWheel, wantText: []string{"demo/link", "not a regular file"}},
		{name: "duplicate member", entries: append(append([]zipEntry{pkg, {name: "demo/__init__.py", data: "y = 2\n"}}, demoMeta()...),
			zipEntry{name: "demo-1.0.dist-info/RECORD", data: recordOf(append([]zipEntry{pkg}, demoMeta()...), "demo-1.0.dist-info/RECORD")}),
			wantIs: ErrInvalidWheel, wantText: []string{"demo/__init__.py", "duplicate"}},
		{name: "RECORD hash mismatch", members: []zipEntry{pkg}, editRecord: replace(hashOf(pkg.data), hashOf("x = 2\n")),
			wantIs: ErrRecordMismatch, wantText: []string{"demo/__init__.py", hashOf("x = 2\n"), hashOf(pkg.data)}},
		{name: "RECORD size mismatch", members: []zipEntry{pkg}, editRecord: replace(hashOf(pkg.data)+",6", hashOf(pkg.data)+",7"),
			wantIs: ErrRecordMismatch, wantText: []string{"demo/__init__.py", "7 bytes"}},
		{name: "member not in RECORD", members: []zipEntry{pkg}, editRecord: replace("demo/__init__.py,", "demo/other.py,"),
			wantIs: ErrRecordMismatch, wantText: []string{"demo/__init__.py", "not listed in RECORD"}},
		{name: "member without hash", members: []zipEntry{pkg}, editRecord: replace(hashOf(pkg.data)+",6", ","),
			wantIs: ErrRecordMismatch, wantText: []string{"demo/__init__.py", "without a hash"}},
		{name: "md5 in RECORD", members: []zipEntry{pkg}, editRecord: replace(hashOf(pkg.data), "md5=1B2M2Y8AsgTpgAmY7PhCfg"),
			wantIs: ErrInvalidWheel, wantText: []string{"RECORD", "md5", "not permitted"}},
		{name: "malformed digest", members: []zipEntry{pkg}, editRecord: replace(hashOf(pkg.data), "sha256=abc"),
			wantIs: ErrInvalidWheel, wantText: []string{"RECORD", "line 1: demo/__init__.py: hash", "a sha256 digest has 32 bytes"}},
		{name: "missing RECORD", entries: append([]zipEntry{pkg}, demoMeta()...),
			wantIs: ErrInvalidWheel, wantText: []string{demoFilename, "no demo-1.0.dist-info/RECORD"}},
		{name: "missing WHEEL", entries: []zipEntry{pkg, demoMeta()[0], {name: "demo-1.0.dist-info/RECORD", data: ""}},
			wantIs: ErrInvalidWheel, wantText: []string{"no demo-1.0.dist-info/WHEEL"}},
		{name: "missing METADATA", entries: []zipEntry{pkg, demoMeta()[1], {name: "demo-1.0.dist-info/RECORD", data: ""}},
			wantIs: ErrInvalidWheel, wantText: []string{"no demo-1.0.dist-info/METADATA"}},
		{name: "no .dist-info", entries: []zipEntry{pkg},
			wantIs: ErrInvalidWheel, wantText: []string{"0 .dist-info directories"}},
		{name: "two .dist-info", members: []zipEntry{{name: "other-1.0.dist-info/METADATA", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"2 .dist-info directories"}},
		{name: "Wheel-Version 2.0", entries: append(withMeta("demo-1.0.dist-info/WHEEL", "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"),
			zipEntry{name: "demo-1.0.dist-info/RECORD"}),
			wantIs: ErrInvalidWheel, wantText: []string{"demo-1.0.dist-info/WHEEL", "Wheel-Version 2.0 is not supported"}},
		{name: "no Wheel-Version", entries: append(withMeta("demo-1.0.dist-info/WHEEL", "Root-Is-Purelib: true\n"),
			zipEntry{name: "demo-1.0.dist-info/RECORD"}),
			wantIs: ErrInvalidWheel, wantText: []string{"no Wheel-Version"}},
		{name: "METADATA of another project", entries: append(withMeta("demo-1.0.dist-info/METADATA", "Name: other\nVersion: 1.0\n"),
			zipEntry{name: "demo-1.0.dist-info/RECORD"}),
			wantIs: ErrInvalidWheel, wantText: []string{"METADATA", `Name "other"`}},
		{name: "METADATA of another version", entries: append(withMeta("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.1\n"),
			zipEntry{name: "demo-1.0.dist-info/RECORD"}),
			wantIs: ErrInvalidWheel, wantText: []string{"METADATA", `Version "1.1"`}},
		{name: ".dist-info of another version", filename: "demo-2.0-py3-none-any.whl", members: []zipEntry{pkg},
			wantIs: ErrInvalidWheel, wantText: []string{"demo-1.0.dist-info does not match"}},
		{name: ".data of another project", members: []zipEntry{{name: "evil-1.0.data/data/x", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"evil-1.0.data does not match"}},
		{name: "unknown .data subdirectory", members: []zipEntry{{name: "demo-1.0.data/lib/x", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"demo-1.0.data/lib/x", `unknown .data subdirectory "lib"`}},
		{name: "file directly in .data", members: []zipEntry{{name: "demo-1.0.data/purelib", data: "x"}},
			wantIs: ErrInvalidWheel, wantText: []string{"demo-1.0.data/purelib"}},
		{name: "two members to one path", members: []zipEntry{pkg, {name: "demo-1.0.data/purelib/demo/__init__.py", data: "y"}},
			wantIs: ErrInvalidWheel, wantText: []string{"installs to lib/python3.11/site-packages/demo/__init__.py"}},
		{name: "data over a launcher", members: []zipEntry{
			{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\nx = demo:main\n"},
			{name: "demo-1.0.data/data/bin/x", data: "y"}},
			wantIs: ErrInvalidWheel, wantText: []string{"installs to bin/x"}},
		{name: "entry point name with a slash", members: []zipEntry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\n../../x = demo:main\n"}},
			wantIs: ErrInvalidWheel, wantText: []string{"entry_points.txt", `script name "../../x"`}},
		{name: "entry point injecting code", members: []zipEntry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\nx = os:system('rm')\n"}},
			wantIs: ErrInvalidWheel, wantText: []string{"entry_points.txt", "module:object"}},
		{name: "entry point without callable", members: []zipEntry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[gui_scripts]\nx = demo\n"}},
			wantIs: ErrInvalidWheel, wantText: []string{"names no callable"}},
		{name: "entry point defined twice", members: []zipEntry{{name: "demo-1.0.dist-info/entry_points.txt", data: "[console_scripts]\nx = a:b\n[gui_scripts]\nx = a:c\n"}},
			wantIs: ErrInvalidWheel, wantText: []string{`script "x" is defined twice`}},
		{name: "bad wheel file name", filename: "demo.whl", members: []zipEntry{pkg},
			wantIs: ErrInvalidWheel, wantText: []string{"demo.whl"}},
		{name: "not a zip", entries: nil, filename: "demo-1.0-py3-none-any.whl",
			wantIs: nil, wantText: []string{"zip"}},
		{name: "scheme escaping the root", members: []zipEntry{pkg}, opts: &Options{Scheme: Scheme{Purelib: "../x", Platlib: "x", Scripts: "b", Data: ".", Headers: "h"}},
			wantText: []string{"Purelib", "../x"}},
		{name: "quote in the shebang", members: []zipEntry{pkg}, opts: &Options{Scheme: venv311, Shebang: "/usr/bin/py'thon"},
			wantText: []string{"shebang", "quote"}},
		{name: "direct_url.json not JSON", members: []zipEntry{pkg}, opts: &Options{Scheme: venv311, DirectURL: []byte("{")},
			wantText: []string{"DirectURL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var whl string
			filename := tt.filename
			if filename == "" {
				filename = demoFilename
			}
			switch {
			case tt.members != nil:
				whl = craftWheel(t, tt.members, tt.editRecord)
				if filename != demoFilename {
					renamed := filepath.Join(filepath.Dir(whl), filename)
					if err := os.Rename(whl, renamed); err != nil {
						t.Fatal(err)
					}
					whl = renamed
				}
			case tt.entries != nil:
				whl = writeTemp(t, filename, makeZip(t, tt.entries))
			default:
				whl = writeTemp(t, filename, []byte("not a zip at all"))
			}
			opts := Options{Scheme: venv311}
			if tt.opts != nil {
				opts = *tt.opts
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "env")
			in, err := InstallDir(context.Background(), whl, dir, opts)
			if err == nil {
				t.Fatalf("installed %+v; want an error", in)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v; want one wrapping %v", err, tt.wantIs)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			// Nothing is left behind: neither the directory nor its staging.
			left, _ := os.ReadDir(parent)
			if len(left) != 0 {
				t.Errorf("left behind %v", left)
			}
			// Nothing escaped the destination (the malicious names aim at the parent).
			for _, p := range []string{"evil.py", "evil", "x"} {
				if _, err := os.Stat(filepath.Join(filepath.Dir(parent), p)); err == nil {
					t.Errorf("%s was written outside the destination", p)
				}
			}
		})
	}
}

func TestInstallMemberErrorNamesWheelAndMember(t *testing.T) {
	whl := craftWheel(t, []zipEntry{{name: "demo/a.py", data: "a"}}, func(r string) string {
		return strings.Replace(r, hashOf("a"), hashOf("b"), 1)
	})
	_, err := Install(context.Background(), whl, DirDestination(t.TempDir()), Options{Scheme: venv311})
	var me *MemberError
	if !errors.As(err, &me) || me.Wheel != demoFilename || me.Member != "demo/a.py" {
		t.Fatalf("error %v (%#v); want a *MemberError for %s, demo/a.py", err, me, demoFilename)
	}
}

func TestInstallConflictsWithExistingFile(t *testing.T) {
	whl := craftWheel(t, []zipEntry{{name: "demo/a.py", data: "a"}}, nil)
	dir := t.TempDir()
	d := DirDestination(dir)
	defer d.Close()
	if _, err := Install(context.Background(), whl, d, Options{Scheme: venv311}); err != nil {
		t.Fatal(err)
	}
	_, err := Install(context.Background(), whl, d, Options{Scheme: venv311})
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second install into the same directory: %v; want fs.ErrExist", err)
	}
}

func TestInstallCancelled(t *testing.T) {
	whl := craftWheel(t, []zipEntry{{name: "demo/a.py", data: "a"}}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	parent := t.TempDir()
	_, err := InstallDir(ctx, whl, filepath.Join(parent, "env"), Options{Scheme: venv311})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v; want context.Canceled", err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Errorf("left behind %v", left)
	}
}

// VerifyRecord refuses what Install with VerifyHashes refuses about
// content, and passes a sound wheel.
func TestVerifyRecord(t *testing.T) {
	pkg := zipEntry{name: "demo/__init__.py", data: "x = 1\n"}
	big := zipEntry{name: "demo/big.py", data: strings.Repeat("y = 2\n", 50000)}
	script := zipEntry{name: "demo-1.0.data/scripts/tool", data: "#!python\nprint(1)\n"}
	tests := []struct {
		name       string
		members    []zipEntry
		editRecord func(string) string
		wantText   []string // empty: the wheel is sound
	}{
		{name: "sound", members: []zipEntry{pkg, big, script}},
		{name: "hash lie", members: []zipEntry{pkg, big},
			editRecord: func(r string) string { return strings.Replace(r, hashOf(big.data), hashOf("other"), 1) },
			wantText:   []string{demoFilename, "demo/big.py", "RECORD says " + hashOf("other"), "the content hashes to " + hashOf(big.data)}},
		{name: "hash lie about a script", members: []zipEntry{pkg, script},
			editRecord: func(r string) string { return strings.Replace(r, hashOf(script.data), hashOf("other"), 1) },
			wantText:   []string{"demo-1.0.data/scripts/tool", "RECORD says " + hashOf("other")}},
		{name: "size lie", members: []zipEntry{pkg},
			editRecord: func(r string) string { return strings.Replace(r, hashOf(pkg.data)+",6", hashOf(pkg.data)+",7", 1) },
			wantText:   []string{"demo/__init__.py", "RECORD says 7 bytes"}},
		{name: "not in RECORD", members: []zipEntry{pkg},
			editRecord: func(r string) string { return strings.Replace(r, "demo/__init__.py,", "demo/other.py,", 1) },
			wantText:   []string{"demo/__init__.py", "not listed in RECORD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whl := craftWheel(t, tt.members, tt.editRecord)
			err := VerifyRecord(context.Background(), whl)
			if len(tt.wantText) == 0 {
				if err != nil {
					t.Fatalf("a sound wheel: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrRecordMismatch) {
				t.Fatalf("error %v; want one wrapping ErrRecordMismatch", err)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := VerifyRecord(ctx, craftWheel(t, []zipEntry{pkg}, nil)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v; want context.Canceled", err)
	}
}
