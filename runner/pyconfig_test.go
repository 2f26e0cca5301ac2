package runner

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// fakeBaseEnv is set for TestInProcessSite when its interpreter is a copy
// of a real one whose base site-packages has .pth files of the test's own.
const fakeBaseEnv = "CLUSTERPACK_TEST_FAKE_BASE"

// TestBaseSitePackagesHidden runs TestInProcessSite on an interpreter
// whose base site-packages holds a .pth file that imports a module and
// sets an environment variable, as setuptools' distutils-precedence.pth
// or a vendor's certifi hook do: in a virtual environment neither
// happens, and in the runner's archive neither may. The interpreter is
// the pyref one's program copied under a prefix of links to its standard
// library, with a site-packages of its own.
func TestBaseSitePackagesHidden(t *testing.T) {
	eachInterpreter(t, func(t *testing.T, v, python string) {
		out, err := runChild(t, "^TestInProcessSite$", fakeBase(t, python, v), fakeBaseEnv+"=1")
		if err != nil || !strings.Contains(out, "--- PASS: TestInProcessSite") {
			t.Fatalf("Python %s: %v\n%s", v, err, out)
		}
	})
}

// fakeBase makes the prefix: bin/pythonX.Y a copy of the program,
// lib/libpython* links, lib/pythonX.Y a directory of links to the
// standard library but for site-packages, which has cpbaseleak.py and
// zz-cpbase.pth.
func fakeBase(t *testing.T, python, v string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(python)
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Dir(filepath.Dir(real))
	dir := t.TempDir()
	for _, d := range []string{"bin", "lib/python" + v + "/site-packages"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	prog, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "bin", "python"+v)
	if err := os.WriteFile(fake, prog, 0o755); err != nil {
		t.Fatal(err)
	}
	link := func(from, to string) {
		if err := os.Symlink(from, to); err != nil {
			t.Fatal(err)
		}
	}
	libs, _ := filepath.Glob(filepath.Join(prefix, "lib", "libpython*"))
	for _, l := range libs {
		link(l, filepath.Join(dir, "lib", filepath.Base(l)))
	}
	stdlib := filepath.Join(prefix, "lib", "python"+v)
	entries, err := os.ReadDir(stdlib)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "site-packages" {
			link(filepath.Join(stdlib, e.Name()), filepath.Join(dir, "lib", "python"+v, e.Name()))
		}
	}
	site := filepath.Join(dir, "lib", "python"+v, "site-packages")
	files := map[string]string{
		"cpbaseleak.py":  "VALUE = 'from the base'\n",
		"zz-cpbase.pth":  "import os, cpbaseleak; os.environ['CP_BASE_PTH_RAN'] = '1'\n",
		"cpbasehook.pth": "import sys; sys.path.append('/nonexistent-cp-base-hook')\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(site, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return fake
}

// TestInProcessSite: no module of the base interpreter's site-packages is
// in sys.modules or importable, site is off and the streams unbuffered
// where the runner knows the configuration's layout (pyconfig.go), the
// interpreter is in UTF-8 mode, and
// what site gives a virtual environment is there: the exit and help
// builtins, and the archive's sitecustomize, imported.
func TestInProcessSite(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	wheel := buildWheel(t, dir, testindex.WheelSpec{Name: "cpcustom", Version: "1.0", Files: map[string]string{
		"sitecustomize.py": "import builtins\nbuiltins.cp_sitecustomize = __file__\n",
		"cpcustom.py":      "",
	}})
	archive := writeVenv(t, dir, e.ver, []string{wheel})
	env := e.env(t, archive, "")
	p := e.pool(t, env, PoolOptions{})
	fake := os.Getenv(fakeBaseEnv) != ""
	value(t, do1(t, p, Call{Exec: []string{`
import builtins, os, site, sys
base = [os.path.join(d, "") for d in site.getsitepackages()]
def under(m):
    f = getattr(m, "__file__", None) or ""
    return any(f.startswith(b) for b in base)
try:
    import cpbaseleak
    leak = cpbaseleak.__file__
except ImportError:
    leak = None
report = {
    "no_site": sys.flags.no_site,
    "base_modules": sorted(n for n, m in list(sys.modules.items()) if under(m)),
    "leak": leak,
    "pth_ran": "CP_BASE_PTH_RAN" in os.environ,
    "hook_path": [p for p in sys.path if "cp-base-hook" in p],
    "exit": callable(getattr(builtins, "exit", None)) and callable(getattr(builtins, "help", None)),
    "sitecustomize": getattr(builtins, "cp_sitecustomize", ""),
    "unbuffered": [type(s.buffer).__name__ == "FileIO" and s.write_through for s in (sys.__stdout__, sys.__stderr__)],
    "utf8": [sys.flags.utf8_mode, __import__("locale").getpreferredencoding(False).lower(), sys.getfilesystemencoding(), sys.__stdout__.encoding],
}
`}}))
	got := value(t, do1(t, p, Call{Eval: "report"}))
	var r struct {
		NoSite        int      `json:"no_site"`
		BaseModules   []string `json:"base_modules"`
		Leak          *string  `json:"leak"`
		PthRan        bool     `json:"pth_ran"`
		HookPath      []string `json:"hook_path"`
		Exit          bool     `json:"exit"`
		Sitecustomize string   `json:"sitecustomize"`
		Unbuffered    []bool   `json:"unbuffered"`
		UTF8          []any    `json:"utf8"`
	}
	if err := json.Unmarshal([]byte(got), &r); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	_, known := configLayouts[e.ver]
	if want := []any{float64(1), "utf-8", "utf-8", "utf-8"}; known && !reflect.DeepEqual(r.UTF8, want) {
		t.Errorf("Python %d.%d: UTF-8 mode, open()'s, file names' and stdout's encodings are %v, want %v (pyconfig.go)", e.ver[0], e.ver[1], r.UTF8, want)
	}
	if known && (r.NoSite != 1 || !reflect.DeepEqual(r.Unbuffered, []bool{true, true})) {
		t.Errorf("Python %d.%d started with site on or buffered streams (%s): its PyConfig is not the known one (pyconfig.go)", e.ver[0], e.ver[1], got)
	}
	if len(r.BaseModules) > 0 || r.Leak != nil {
		t.Errorf("modules of the base site-packages: %v; cpbaseleak importable: %s", r.BaseModules, got)
	}
	if r.NoSite == 1 && (r.PthRan || len(r.HookPath) > 0) {
		t.Errorf("a base .pth file ran: %s", got)
	}
	if fake && !known {
		t.Logf("Python %d.%d: site on, the base .pth files ran; their modules are forgotten", e.ver[0], e.ver[1])
	}
	if !r.Exit {
		t.Error("exit or help is not a builtin")
	}
	if !strings.HasPrefix(r.Sitecustomize, env.Dir) {
		t.Errorf("the archive's sitecustomize was not imported (%q)", r.Sitecustomize)
	}
}

// TestConfigureExecutorRefuses: site_import and buffered_stdio are written only into a
// configuration whose bytes are the known ones of its version.
func TestConfigureExecutorRefuses(t *testing.T) {
	filled := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = configFill
		}
		return b
	}
	zeroed := func(size uintptr) []byte {
		b := filled(16 << 10)
		for i := uintptr(0); i < size; i++ {
			b[i] = 0
		}
		return b
	}
	if utf8Mode(filled(40)) || utf8Mode(make([]byte, 4<<10)) {
		t.Error("utf8_mode written into a PyPreConfig that is not the known one")
	}
	sc := configLayouts[[2]int{3, 11}]
	longer := zeroed(sc.size + 8) // a larger struct than the known one
	for _, tc := range []struct {
		name string
		v    [2]int
		cfg  []byte
	}{
		{"a version not known", [2]int{3, 99}, zeroed(400)},
		{"other bytes", [2]int{3, 11}, zeroed(sc.size)},
		{"written past the known size", [2]int{3, 11}, longer},
		{"a buffer too small", [2]int{3, 11}, filled(int(sc.size))},
	} {
		before := append([]byte(nil), tc.cfg...)
		if configureExecutor(tc.v, tc.cfg) {
			t.Errorf("%s: site_import written", tc.name)
		}
		if string(before) != string(tc.cfg) {
			t.Errorf("%s: the buffer changed", tc.name)
		}
	}
}
