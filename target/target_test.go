package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSyntheticGolden(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"cp311-manylinux_2_28_x86_64", Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}},
		{"cp3131-musllinux_1_2_aarch64", Spec{Python: "3.13.1", Platforms: []string{"musllinux_1_2_aarch64"}}},
		{"cp312-macosx_11_0_arm64", Spec{Python: "3.12", Platforms: []string{"macosx_11_0_arm64"}}},
		{"cp39-win_amd64", Spec{Python: "3.9", Platforms: []string{"win_amd64"}}},
		{"cp310-manylinux2014-and-linux", Spec{Python: "3.10.4", Platforms: []string{"manylinux2014_x86_64", "linux_x86_64"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := Resolve(context.Background(), tt.spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !tg.Synthetic() {
				t.Errorf("target from %+v is not synthetic", tt.spec)
			}
			got, err := json.MarshalIndent(tg, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", tt.name+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("target JSON differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
			var back Target
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&back, tg) {
				t.Errorf("JSON round trip changed the target:\n got %+v\nwant %+v", back, *tg)
			}
		})
	}
}

// A declared manylinux or musllinux platform accepts that family's wheels
// only (pip's --platform takes no linux_<arch> wheel), so that a wheel built
// for one machine on a private index never outranks the portable one;
// linux_<arch> is accepted where it is declared, in the order given.
func TestDeclaredPlatformFamilies(t *testing.T) {
	tests := []struct {
		name      string
		platforms []string
		// families are the platform families of the tags, in the order
		// they first appear ("manylinux", "musllinux", "linux").
		families []string
		first    string // the most preferred tag
	}{
		{"manylinux", []string{"manylinux_2_28_x86_64"}, []string{"manylinux"}, "cp311-cp311-manylinux_2_28_x86_64"},
		{"legacy", []string{"manylinux2014_aarch64"}, []string{"manylinux"}, "cp311-cp311-manylinux_2_17_aarch64"},
		{"musllinux", []string{"musllinux_1_2_aarch64"}, []string{"musllinux"}, "cp311-cp311-musllinux_1_2_aarch64"},
		{"linux alone", []string{"linux_x86_64"}, []string{"linux"}, "cp311-cp311-linux_x86_64"},
		{"linux first", []string{"linux_x86_64", "manylinux_2_28_x86_64"}, []string{"linux", "manylinux"}, "cp311-cp311-linux_x86_64"},
		{"linux last", []string{"manylinux_2_28_x86_64", "linux_x86_64"}, []string{"manylinux", "linux"}, "cp311-cp311-manylinux_2_28_x86_64"},
		{"musl then glibc", []string{"musllinux_1_2_x86_64", "manylinux_2_17_x86_64"}, []string{"musllinux", "manylinux"}, "cp311-cp311-musllinux_1_2_x86_64"},
	}
	family := func(platform string) string {
		for _, f := range []string{"manylinux", "musllinux", "linux"} {
			if strings.HasPrefix(platform, f) {
				return f
			}
		}
		return platform
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg, err := Resolve(context.Background(), Spec{Python: "3.11", Platforms: tt.platforms}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tg.Tags[0].String(); got != tt.first {
				t.Errorf("first tag %s, want %s", got, tt.first)
			}
			var families []string
			for _, x := range tg.Tags {
				if x.Platform == "any" {
					continue
				}
				if f := family(x.Platform); !slices.Contains(families, f) {
					families = append(families, f)
				}
				if strings.HasPrefix(x.Platform, "linux_") && !slices.Contains(tt.platforms, x.Platform) {
					t.Errorf("tag %s: %s was not declared", x, x.Platform)
				}
			}
			if !slices.Equal(families, tt.families) {
				t.Errorf("platform families %v, want %v", families, tt.families)
			}
			var pf []string
			for _, p := range tg.Platforms {
				if f := family(p); !slices.Contains(pf, f) {
					pf = append(pf, f)
				}
			}
			if !slices.Equal(pf, tt.families) {
				t.Errorf("Platforms %v: families %v, want %v", tg.Platforms, pf, tt.families)
			}
		})
	}
}

// An interpreter's version with declared platforms is a declared target
// too; the interpreter alone keeps packaging's order
// (TestInterpreterMatchesPackaging).
func TestInterpreterWithDeclaredPlatform(t *testing.T) {
	py := pyref.Default(t)
	tg, err := Resolve(context.Background(), Spec{Python: py.Python, Platforms: []string{"manylinux_2_28_x86_64"}}, Options{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tg.Tags {
		if strings.HasPrefix(x.Platform, "linux_") {
			t.Fatalf("--python %s --platform manylinux_2_28_x86_64: tag %s", py.Python, x)
		}
	}
}

// A version with no local interpreter and no --platform is that version
// on this host's platforms: every platform python3 on PATH accepts, in
// its order (not only its first, which packaging 26.3 made linux_<arch>).
func TestVersionOnHostPlatforms(t *testing.T) {
	py := pyref.Default(t)
	bin := t.TempDir()
	if err := os.Symlink(py.Python, filepath.Join(bin, "python3")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := map[string]string{"PATH": bin, "HOME": home, "PYENV_ROOT": filepath.Join(home, "no-pyenv")}
	opts := Options{CacheDir: t.TempDir(), Getenv: func(k string) string { return env[k] }}
	host, err := Resolve(context.Background(), Spec{Python: filepath.Join(bin, "python3")}, opts)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := Resolve(context.Background(), Spec{Python: "3.15"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !tg.Synthetic() || tg.PythonVersion != "3.15" {
		t.Fatalf("target %+v, want a synthetic 3.15", tg)
	}
	if !slices.Equal(tg.Platforms, host.Platforms) {
		t.Errorf("platforms %v, want the host's %v", tg.Platforms, host.Platforms)
	}
	if tg.Tags[0].Interpreter != "cp315" || tg.Tags[0].Platform != host.Platforms[0] {
		t.Errorf("first tag %s", tg.Tags[0])
	}
}

func TestSyntheticTargetMatchesPackaging(t *testing.T) {
	py := pyref.Default(t)
	specs := []Spec{
		{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}},
		{Python: "3.8", Platforms: []string{"manylinux2014_aarch64"}},
		{Python: "3.13", Platforms: []string{"macosx_14_0_arm64"}},
		{Python: "3.12", Platforms: []string{"win_amd64"}},
		{Python: "3.10", Platforms: []string{"musllinux_1_1_x86_64"}},
	}
	type query struct {
		Version   [2]int   `json:"version"`
		Platforms []string `json:"platforms"`
	}
	var queries []query
	var targets []*Target
	for _, s := range specs {
		tg, err := Resolve(context.Background(), s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		v, _, _ := parseVersionRequest(s.Python)
		queries = append(queries, query{[2]int{v.major, v.minor}, tg.Platforms})
		targets = append(targets, tg)
	}
	// What pip does for --python-version X.Y --platform P --implementation cp.
	const script = `
import json, sys
from packaging import tags
out = []
for q in json.load(sys.stdin):
    v = tuple(q["version"])
    abi = "cp%d%d" % v
    ts = list(tags.cpython_tags(v, [abi], q["platforms"]))
    ts += list(tags.compatible_tags(v, abi, q["platforms"]))
    out.append([str(t) for t in ts])
print(json.dumps(out))
`
	var want [][]string
	py.Run(t, script, queries, &want)
	for i, tg := range targets {
		var got []string
		for _, x := range tg.Tags {
			got = append(got, x.String())
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("%+v: tags differ from packaging:\n got %d tags %v\nwant %d tags %v", specs[i], len(got), head(got), len(want[i]), head(want[i]))
		}
	}
}

func head(s []string) []string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// TestInterpreterMatchesPackaging is the promise of `clusterpack target
// --python PATH`: markers and tags equal packaging's default_environment()
// and sys_tags() inside that interpreter, for every local CPython.
func TestInterpreterMatchesPackaging(t *testing.T) {
	const script = `
import json, sys
import packaging
from packaging import markers, tags
print(json.dumps({"markers": markers.default_environment(), "tags": [str(t) for t in tags.sys_tags()], "packaging": packaging.__version__}))
`
	for _, in := range pyref.All(t) {
		t.Run(in.Name(), func(t *testing.T) {
			var want struct {
				Markers   map[string]string `json:"markers"`
				Tags      []string          `json:"tags"`
				Packaging string            `json:"packaging"`
			}
			in.Run(t, script, nil, &want)
			tg, err := Resolve(context.Background(), Spec{Python: in.Python}, Options{CacheDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(map[string]string(tg.Markers), want.Markers) {
				t.Errorf("markers differ:\n got %v\nwant %v", tg.Markers, want.Markers)
			}
			var got []string
			for _, x := range tg.Tags {
				got = append(got, x.String())
			}
			if want.Packaging != "26.3" {
				// Packaging before 26.3 (the newest these old Pythons can
				// install) yields linux_<arch> after the manylinux tags
				// instead of before; we follow 26.3. Compare everything else
				// in order, and the linux_<arch> tags as a set.
				t.Logf("packaging %s in %s: comparing with linux_<arch> tags set apart", want.Packaging, in.Python)
				var gotLinux, wantLinux []string
				got, gotLinux = splitLinux(got)
				want.Tags, wantLinux = splitLinux(want.Tags)
				sort.Strings(gotLinux)
				sort.Strings(wantLinux)
				if !reflect.DeepEqual(gotLinux, wantLinux) {
					t.Errorf("linux_<arch> tags differ:\n got %v\nwant %v", gotLinux, wantLinux)
				}
			}
			for i := range max(len(got), len(want.Tags)) {
				if i >= len(got) || i >= len(want.Tags) || got[i] != want.Tags[i] {
					t.Fatalf("tags differ first at index %d (got %d tags, want %d):\n got %v\nwant %v", i, len(got), len(want.Tags), at(got, i), at(want.Tags, i))
				}
			}
			if tg.Interpreter != in.Python || tg.Synthetic() {
				t.Errorf("Interpreter = %q, want %q", tg.Interpreter, in.Python)
			}
		})
	}
}

// splitLinux separates tags whose platform is linux_<arch>.
func splitLinux(ts []string) (rest, linux []string) {
	for _, t := range ts {
		if strings.Contains(t, "-linux_") {
			linux = append(linux, t)
		} else {
			rest = append(rest, t)
		}
	}
	return rest, linux
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(end)"
}

// TestProbeIsCached shows the probe answer is cached per executable: a
// tampered cache entry is what the next resolution returns, a link that now
// points at another interpreter is probed afresh, and a wrapper script (a
// pyenv shim, which can switch interpreters behind one path) is never cached.
func TestProbeIsCached(t *testing.T) {
	all := pyref.All(t)
	if len(all) < 2 {
		t.Skip("needs two interpreters")
	}
	first, err := filepath.EvalSymlinks(all[0].Python)
	if err != nil {
		t.Fatal(err)
	}
	second, err := filepath.EvalSymlinks(all[len(all)-1].Python)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	link := filepath.Join(dir, "python3")
	if err := os.Symlink(first, link); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	opts := Options{CacheDir: cache}
	tg, err := Resolve(context.Background(), Spec{Python: link}, opts)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join(cache, "interpreters", "*.json"))
	if len(entries) != 1 {
		t.Fatalf("cache has %d entries after one probe, want 1", len(entries))
	}
	data, err := os.ReadFile(entries[0])
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(data), `"python_full_version": "`+tg.PythonFullVersion+`"`, `"python_full_version": "3.99.0"`, 1)
	if tampered == string(data) {
		t.Fatalf("cache entry does not hold python_full_version %q:\n%s", tg.PythonFullVersion, data)
	}
	if err := os.WriteFile(entries[0], []byte(tampered), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, err = Resolve(context.Background(), Spec{Python: link}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tg.PythonFullVersion != "3.99.0" {
		t.Fatalf("second resolution gave %q: the cache was not used", tg.PythonFullVersion)
	}
	// The same path now runs another interpreter: probed again.
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(second, link); err != nil {
		t.Fatal(err)
	}
	tg, err = Resolve(context.Background(), Spec{Python: link}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tg.PythonFullVersion == "3.99.0" || !strings.Contains(second, tg.PythonFullVersion) {
		t.Fatalf("after relinking to %s the target says %q", second, tg.PythonFullVersion)
	}

	// A wrapper script runs every time.
	counter := filepath.Join(dir, "runs")
	wrapper := filepath.Join(dir, "bin", "python3")
	if err := os.MkdirAll(filepath.Dir(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho run >> '" + counter + "'\nexec '" + first + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// Found as python3 on PATH.
	opts.Getenv = func(k string) string {
		if k == "PATH" {
			return filepath.Dir(wrapper)
		}
		return ""
	}
	for range 2 {
		tg, err := Resolve(context.Background(), Spec{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if tg.Interpreter != wrapper {
			t.Errorf("python3 on PATH resolved to %q, want %q", tg.Interpreter, wrapper)
		}
	}
	runs, _ := os.ReadFile(counter)
	if n := strings.Count(string(runs), "run"); n != 2 {
		t.Fatalf("wrapper ran %d times for 2 resolutions, want 2 (never cached)", n)
	}
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	notPython := filepath.Join(dir, "notpython")
	if err := os.WriteFile(notPython, []byte("#!/bin/sh\necho 'not a python' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	emptyPath := Options{Getenv: func(string) string { return "" }}
	tests := []struct {
		name string
		spec Spec
		opts Options
		want []string
		// is checks the error's type, when it has one of its own.
		is func(error) bool
	}{
		{"missing file", Spec{Python: filepath.Join(dir, "nope", "python")}, Options{}, []string{"nope/python", "no such file"}, nil},
		{"directory", Spec{Python: dir}, Options{}, []string{"is a directory", "bin/python"}, nil},
		{"not python", Spec{Python: notPython}, Options{}, []string{notPython, "not a python", "exit status 3"}, nil},
		{"python 2", Spec{Python: "2.7", Platforms: []string{"manylinux_2_17_x86_64"}}, Options{}, []string{"2.7", "only CPython 3"}, nil},
		{"bad platform", Spec{Python: "3.11", Platforms: []string{"solaris_sparc"}}, Options{}, []string{"solaris_sparc"}, nil},
		{"no python3 on PATH", Spec{}, emptyPath, []string{"no python3 on PATH", "a Python version and the cluster's platform"}, func(err error) bool {
			var e *NotOnPathError
			return errors.As(err, &e) && e.Command == "python3" && errors.Is(err, exec.ErrNotFound)
		}},
		{"no host python for a version", Spec{Python: "3.11"}, emptyPath, []string{"Python 3.11", "no python3 on PATH", "name the cluster's platform"}, func(err error) bool {
			var e *PlatformNeededError
			var inner *NotOnPathError
			return errors.As(err, &e) && e.Version == "3.11" && errors.As(e.Err, &inner)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(context.Background(), tt.spec, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.is != nil && !tt.is(err) {
				t.Errorf("error %q (%T) is not of the expected type", err, err)
			}
		})
	}
}

func TestFindInterpreterNone(t *testing.T) {
	empty := Options{Getenv: func(k string) string { return map[string]string{"PATH": t.TempDir(), "HOME": t.TempDir()}[k] }}
	_, err := FindInterpreter("3.99", empty)
	var e *NoInterpreterError
	if !errors.As(err, &e) || e.Version != "3.99" || !strings.Contains(err.Error(), "pyenv install 3.99") {
		t.Fatalf("FindInterpreter(3.99) = %v, want a *NoInterpreterError", err)
	}
	if _, err := synthetic(pythonVersion{major: 3, minor: 11}, nil); !errors.As(err, new(*PlatformNeededError)) {
		t.Errorf("synthetic without platforms = %v, want a *PlatformNeededError", err)
	}
}

// TestResolveUnknownPython: a version that names no CPython is a
// *VersionError, with or without platforms; the newest known one is not.
func TestResolveUnknownPython(t *testing.T) {
	emptyPath := Options{Getenv: func(string) string { return "" }}
	for _, tt := range []struct {
		spec Spec
		want string
	}{
		{Spec{Python: "3.99", Platforms: []string{"manylinux_2_28_x86_64"}}, `python version "3.99": there is no CPython 3.99`},
		{Spec{Python: "3.99"}, `python version "3.99": there is no CPython 3.99`},
		{Spec{Python: "3.17.1", Platforms: []string{"manylinux_2_28_x86_64"}}, `python version "3.17.1": there is no CPython 3.17`},
		{Spec{Python: "2.7", Platforms: []string{"manylinux_2_28_x86_64"}}, `python version "2.7": only CPython 3 is supported`},
		{Spec{Python: "4.0"}, `python version "4.0": only CPython 3 is supported`},
	} {
		_, err := Resolve(context.Background(), tt.spec, emptyPath)
		var ve *VersionError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want a *VersionError saying %q", tt.spec, err, tt.want)
		}
	}
	newest := fmt.Sprintf("3.%d", newestMinor)
	tg, err := Resolve(context.Background(), Spec{Python: newest, Platforms: []string{"manylinux_2_28_x86_64"}}, emptyPath)
	if err != nil || tg.PythonVersion != newest {
		t.Fatalf("the newest known CPython %s: %v, %v", newest, tg, err)
	}
}

func TestPlatformMarkers(t *testing.T) {
	tests := []struct {
		platform                     string
		sysPlatform, system, machine string
	}{
		{"manylinux_2_28_x86_64", "linux", "Linux", "x86_64"},
		{"manylinux2014_aarch64", "linux", "Linux", "aarch64"},
		{"manylinux1_i686", "linux", "Linux", "i686"},
		{"musllinux_1_2_armv7l", "linux", "Linux", "armv7l"},
		{"linux_ppc64le", "linux", "Linux", "ppc64le"},
		{"macosx_11_0_arm64", "darwin", "Darwin", "arm64"},
		{"macosx_10_9_x86_64", "darwin", "Darwin", "x86_64"},
		{"win_amd64", "win32", "Windows", "AMD64"},
		{"win32", "win32", "Windows", "x86"},
	}
	for _, tt := range tests {
		env, err := platformMarkers(tt.platform)
		if err != nil {
			t.Fatalf("%s: %v", tt.platform, err)
		}
		if env["sys_platform"] != tt.sysPlatform || env["platform_system"] != tt.system || env["platform_machine"] != tt.machine {
			t.Errorf("%s: got %s/%s/%s, want %s/%s/%s", tt.platform, env["sys_platform"], env["platform_system"], env["platform_machine"], tt.sysPlatform, tt.system, tt.machine)
		}
	}
}

func TestLocalInterpreters(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) string {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	onPath := mk("bin/python3.11")
	shim := mk("pyenv/shims/python3.12")
	v9 := mk("pyenv/versions/3.11.9/bin/python3.11")
	v10 := mk("pyenv/versions/3.11.10/bin/python3.11")
	mk("pyenv/versions/3.11.10t/bin/python3.11")
	mk("pyenv/versions/3.11-dev/bin/python3.11")
	mk("pyenv/versions/3.12.1/bin/python3.12")
	env := map[string]string{"PATH": filepath.Join(root, "bin") + ":" + filepath.Dir(shim), "PYENV_ROOT": filepath.Join(root, "pyenv")}
	opts := Options{Getenv: func(k string) string { return env[k] }}
	tests := []struct {
		version   string
		want      []string
		wantNotes []string
	}{
		{"3.11", []string{onPath, v10, v9}, nil},
		{"3.11.9", []string{onPath, v9}, nil},
		{"3.12", []string{filepath.Join(root, "pyenv/versions/3.12.1/bin/python3.12")}, []string{"python3.12 on PATH: not found"}},
		{"3.13", nil, []string{"python3.13 on PATH: not found", "no 3.13.* version"}},
	}
	for _, tt := range tests {
		s, err := LocalInterpreters(tt.version, opts)
		if err != nil {
			t.Fatalf("%s: %v", tt.version, err)
		}
		if !slices.Equal(s.Candidates, tt.want) {
			t.Errorf("%s: candidates %q, want %q", tt.version, s.Candidates, tt.want)
		}
		if len(s.Notes) != len(tt.wantNotes) {
			t.Errorf("%s: notes %q, want %q", tt.version, s.Notes, tt.wantNotes)
		}
		for i, n := range tt.wantNotes {
			if i < len(s.Notes) && !strings.Contains(s.Notes[i], n) {
				t.Errorf("%s: note %q, want it to contain %q", tt.version, s.Notes[i], n)
			}
		}
	}
	if _, err := LocalInterpreters("three", opts); err == nil {
		t.Error("LocalInterpreters(\"three\"): no error")
	}
}
