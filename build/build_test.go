package build

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/index"
	"github.com/clusterpack/clusterpack/internal/progress"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/lockfile"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/pack/wheel"
	"github.com/clusterpack/clusterpack/target"
)

var update = flag.Bool("update", false, "rewrite golden files")

func world() []testindex.Project {
	return []testindex.Project{
		{Name: "app", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
			Name: "app", Version: "1.0", RequiresDist: []string{"lib", "srconly"},
			Files:       map[string]string{"app/__init__.py": "import lib, srconly\nX = lib.X + srconly.Y\n", "app/cli.py": "def main():\n    import app\n    print('app', app.X)\n"},
			EntryPoints: map[string]map[string]string{"console_scripts": {"app-cli": "app.cli:main"}},
		})}},
		{Name: "lib", Files: []testindex.File{
			testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "2.0", Files: map[string]string{"lib/__init__.py": "X = 40\n"}}),
			testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "2.0", Tag: "cp311-cp311-manylinux_2_17_x86_64", Files: map[string]string{"lib/__init__.py": "X = 40\n"}}),
		}},
		{Name: "srconly", Files: []testindex.File{testindex.Sdist(testindex.SdistSpec{Name: "srconly", Version: "0.1", Files: map[string]string{"srconly.py": "Y = 2\n"}})}},
	}
}

type fixture struct {
	srv  *testindex.Server
	lock *lockfile.Lock
	env  Env
}

func setup(t *testing.T) fixture {
	t.Helper()
	srv := testindex.Start(t, world(), testindex.Options{})
	lenv := lock.Env{Getenv: func(k string) string {
		switch k {
		case "PATH", "HOME", "PYENV_ROOT":
			return os.Getenv(k)
		}
		return ""
	}, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"app"}, IndexURL: srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{srv: srv, lock: res.Lock, env: newEnv(t, lenv, res.Lock)}
}

func newEnv(t *testing.T, lenv lock.Env, lk *lockfile.Lock) Env {
	t.Helper()
	lenv.CacheDir = t.TempDir()
	client, err := lock.DownloadClient(lenv, lk)
	if err != nil {
		t.Fatal(err)
	}
	return Env{Client: client, CacheDir: lenv.CacheDir, Getenv: lenv.Getenv, Version: "test"}
}

func sum(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

func TestPlanChoosesAndHashes(t *testing.T) {
	pyref.Default(t) // the sdist is locked through PEP 517
	fx := setup(t)
	p, err := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range p.Artifacts {
		got[a.Name] = a.Filename
	}
	if got["lib"] != "lib-2.0-cp311-cp311-manylinux_2_17_x86_64.whl" || got["srconly"] != "srconly-0.1.tar.gz" || got["app"] != "app-1.0-py3-none-any.whl" {
		t.Fatalf("artifacts %v: want the binary wheel of lib, the sdist of srconly", got)
	}
	same, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	pexPlan, _ := NewPlan(fx.lock, ".", Options{Format: FormatPex})
	other, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip, PythonPath: "/usr/bin/python3.11"})
	if same.ContentHash != p.ContentHash || pexPlan.ContentHash == p.ContentHash || other.ContentHash == p.ContentHash {
		t.Fatalf("content hashes: %s %s %s %s", p.ContentHash, same.ContentHash, pexPlan.ContentHash, other.ContentHash)
	}
	if !strings.HasPrefix(p.Filename(), "env-"+p.ContentHash) || !strings.HasSuffix(p.Filename(), ".zip") {
		t.Fatalf("file name %s", p.Filename())
	}
	missing := filepath.Join(t.TempDir(), "python3.11")
	_, err = NewPlan(fx.lock, ".", Options{Format: FormatZip, BundlePython: missing})
	var be *venv.BundleError
	if !errors.As(err, &be) || be.Python != missing || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a Python to bundle that is not there: %v", err)
	}
}

// TestReproducible builds the same lock twice, in different directories,
// with different TMPDIR, umask and caches: the archives are identical.
func TestReproducible(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	for _, format := range []Format{FormatZip, FormatTarGz, FormatPex} {
		t.Run(string(format), func(t *testing.T) {
			var sums []string
			for i, mask := range []int{0o022, 0o077} {
				t.Setenv("TMPDIR", t.TempDir())
				old := syscall.Umask(mask)
				p, err := NewPlan(fx.lock, ".", Options{Format: format})
				if err != nil {
					t.Fatal(err)
				}
				env := fx.env
				if i > 0 {
					env.CacheDir = t.TempDir()
				}
				m, err := Build(context.Background(), p, filepath.Join(t.TempDir(), "out"), env)
				syscall.Umask(old)
				if err != nil {
					t.Fatal(err)
				}
				if got := sum(t, m.Archive); got != m.SHA256 {
					t.Fatalf("manifest sha256 %s, file %s", m.SHA256, got)
				}
				sums = append(sums, m.SHA256)
			}
			if sums[0] != sums[1] {
				t.Fatalf("two builds differ: %s and %s", sums[0], sums[1])
			}
		})
	}
}

// TestBuiltArchivesRun runs what was built with real CPython 3.11.
func TestBuiltArchivesRun(t *testing.T) {
	py := pyref.Default(t)
	fx := setup(t)
	out := t.TempDir()
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatPex})
	m, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	run := exec.Command(py.Python, m.Archive, "-c", "import app; print(app.X)")
	run.Env = append(os.Environ(), "PEX_ROOT="+t.TempDir())
	if got, err := run.CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "42" {
		t.Fatalf("pex: %v: %s", err, got)
	}
	p, _ = NewPlan(fx.lock, ".", Options{Format: FormatZip})
	m, err = Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "environment")
	if got, err := exec.Command("python3", "-m", "zipfile", "-e", m.Archive, dir).CombinedOutput(); err != nil {
		t.Fatalf("unzip: %v %s", err, got)
	}
	// Python's zipfile does not keep modes: restore what Hadoop's unzip keeps.
	for _, f := range []string{"bin/python", "bin/app-cli"} {
		os.Chmod(filepath.Join(dir, f), 0o755)
	}
	cmd := exec.Command(filepath.Join(dir, "bin", "app-cli"))
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(py.Python)+":"+os.Getenv("PATH"))
	if got, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "app 42" {
		t.Fatalf("console script of the venv: %v: %s", err, got)
	}
	if len(m.Packages) != 3 || m.Interpreter != "environment/bin/python" {
		t.Fatalf("manifest %+v", m)
	}
}

// TestBuildIsNotRepeated: an archive that exists is reused without a
// download; a wrong hash in the lock is an error naming both hashes.
func TestBuildIsNotRepeated(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	out := t.TempDir()
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	first, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	files := fx.srv.Requests("/files/app-1.0-py3-none-any.whl")
	again, err := Build(context.Background(), p, out, newEnvFrom(t, fx.env))
	if err != nil {
		t.Fatal(err)
	}
	if again.SHA256 != first.SHA256 || fx.srv.Requests("/files/app-1.0-py3-none-any.whl") != files {
		t.Fatal("an existing build was repeated")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
	// A manifest an older clusterpack wrote (fields missing or stale) is
	// brought up to date from the plan when the build is reused; what
	// only the archive knows is kept.
	mpath := filepath.Join(out, p.ManifestName())
	old := bytes.Replace(mustRead(t, mpath), []byte(`"platform": "`+first.Platform+`"`), []byte(`"platform": "stale"`), 1)
	if !bytes.Contains(old, []byte(`"stale"`)) {
		t.Fatalf("the manifest has no platform to make stale:\n%s", old)
	}
	if err := os.WriteFile(mpath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	reused, err := Build(context.Background(), p, out, fx.env)
	if err != nil || reused.Platform != first.Platform || reused.SHA256 != first.SHA256 || len(reused.Packages) != len(first.Packages) {
		t.Fatalf("reusing a build with an old manifest: %+v %v", reused, err)
	}

	var buf bytes.Buffer
	if err := fx.lock.Write(&buf); err != nil {
		t.Fatal(err)
	}
	bad, err := lockfile.Read(bytes.NewReader(bytes.Replace(buf.Bytes(), []byte(p.Artifacts[0].SHA256), []byte(strings.Repeat("0", 64)), 1)), "pylock.toml")
	if err != nil {
		t.Fatal(err)
	}
	bp, err := NewPlan(bad, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(context.Background(), bp, t.TempDir(), newEnvFrom(t, fx.env))
	var hm *index.HashMismatchError
	if !errors.As(err, &hm) || !strings.Contains(err.Error(), strings.Repeat("0", 64)) || !strings.Contains(err.Error(), p.Artifacts[0].SHA256) {
		t.Fatalf("tampered lock gave %v", err)
	}
}

func newEnvFrom(t *testing.T, e Env) Env {
	e.CacheDir = t.TempDir()
	return e
}

// TestLayoutVersionGuard pins the bytes of archives built from fixed
// wheels. The content hash trusts that the same inputs give the same
// bytes; when a writer changes its output, LayoutVersion must change too,
// or archives already built and uploaded under a name would keep the old
// bytes. This test fails until both are updated (go test -update).
func TestLayoutVersionGuard(t *testing.T) {
	srv := testindex.Start(t, []testindex.Project{
		{Name: "lib", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "2.0", Files: map[string]string{"lib/__init__.py": "X = 40\n"},
			EntryPoints: map[string]map[string]string{"console_scripts": {"lib-cli": "lib:main"}}})}},
	}, testindex.Options{})
	lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"lib"}, IndexURL: srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, lenv, res.Lock)
	got := map[string]string{"layout_version": LayoutVersion}
	for _, f := range []Format{FormatZip, FormatTarGz, FormatPex} {
		p, err := NewPlan(res.Lock, ".", Options{Format: f})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Build(context.Background(), p, t.TempDir(), env)
		if err != nil {
			t.Fatal(err)
		}
		got[string(f)] = m.SHA256
	}
	// A layered environment: its base and its layer.
	big := testindex.Wheel(testindex.WheelSpec{Name: "big", Version: "1.0", Files: map[string]string{"big/__init__.py": "", "big/blob.bin": blob(layerMinSize, 3)},
		EntryPoints: map[string]map[string]string{"console_scripts": {"big-cli": "big:main"}}})
	srv.Add(testindex.Project{Name: "big", Files: []testindex.File{big}})
	lres, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"lib", "big"}, IndexURL: srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []Format{FormatZip, FormatTarGz, FormatPex} {
		p, err := NewPlan(lres.Lock, ".", Options{Format: f, Layers: true})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Build(context.Background(), p, t.TempDir(), newEnv(t, lenv, lres.Lock))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Layers) != 1 {
			t.Fatalf("%s: layers %+v", f, m.Layers)
		}
		got["layered "+string(f)+" base"], got["layered "+string(f)+" layer"] = m.SHA256, m.Layers[0].SHA256
	}
	golden := filepath.Join("testdata", "layout.json")
	if *update {
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	var want map[string]string
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"zip", "tar.gz", "pex", "layered zip base", "layered zip layer", "layered tar.gz base", "layered tar.gz layer", "layered pex base", "layered pex layer"} {
		if got[f] == want[f] {
			continue
		}
		if want["layout_version"] == LayoutVersion {
			t.Errorf("the %s archive's bytes changed (sha256 %s, was %s) but LayoutVersion is still %q: bump it in plan.go, then go test -update", f, got[f], want[f], LayoutVersion)
		} else {
			t.Errorf("LayoutVersion is now %q: run go test -update to record the new bytes", LayoutVersion)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLockHashMismatchNamesTheLock: a lock whose sha256 for a file is
// not the file's is reported as the lock and the file disagreeing, at the
// lock's line of that package, not as the index's fault.
func TestLockHashMismatchNamesTheLock(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	var buf bytes.Buffer
	if err := fx.lock.Write(&buf); err != nil {
		t.Fatal(err)
	}
	p0, err := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	var lib Artifact
	for _, a := range p0.Artifacts {
		if a.Name == "lib" {
			lib = a
		}
	}
	wrong := strings.Repeat("0", 64)
	text := strings.Replace(buf.String(), lib.SHA256, wrong, 1)
	lockPath := filepath.Join(t.TempDir(), "pylock.toml")
	if err := os.WriteFile(lockPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	lk, err := lockfile.ReadFile(lockPath)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(lk, filepath.Dir(lockPath), Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	p.LockFile = lockPath
	_, err = Build(context.Background(), p, t.TempDir(), fx.env)
	var lm *LockMismatchError
	if !errors.As(err, &lm) {
		t.Fatalf("Build = %v, want a *LockMismatchError", err)
	}
	wantLine := 0
	for i, l := range strings.Split(text, "\n") {
		if l == `name = "lib"` {
			wantLine = i // the [[packages]] header is the line before
			break
		}
	}
	if lm.Line != wantLine || lm.Package != "lib" || lm.Locked != wrong || lm.Actual != lib.SHA256 {
		t.Errorf("error %+v, want line %d, package lib, locked %s, actual %s", lm, wantLine, wrong, lib.SHA256)
	}
	msg := err.Error()
	for _, want := range []string{lockPath + ":" + strconv.Itoa(wantLine) + ": package lib 2.0", "the lock and the file disagree", wrong, lib.SHA256} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "the index lists") {
		t.Errorf("the message blames the index:\n%s", msg)
	}
}

// TestCorruptedArchiveIsRebuilt: an archive in the output directory whose
// bytes changed in place (same size) is not reused: it is built again,
// and comes out as the manifest describes.
func TestCorruptedArchiveIsRebuilt(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	out := t.TempDir()
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	first, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	data := mustRead(t, first.Archive)
	fi, _ := os.Stat(first.Archive)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(first.Archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// Keep the times too: only the bytes tell.
	if err := os.Chtimes(first.Archive, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	again, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	if got := sum(t, again.Archive); got != first.SHA256 || again.SHA256 != first.SHA256 {
		t.Errorf("after a flipped byte the archive has sha256 %s (manifest %s), want %s: the corrupted archive was reused", got, again.SHA256, first.SHA256)
	}
	// A missing archive beside its manifest is built again too.
	if err := os.Remove(first.Archive); err != nil {
		t.Fatal(err)
	}
	if m, err := Build(context.Background(), p, out, fx.env); err != nil || sum(t, m.Archive) != first.SHA256 {
		t.Errorf("rebuilding a removed archive: %v", err)
	}
}

// TestStaleTempsRemoved: the temporary archive a killed build left in the
// output directory is removed by the next build; one of a process that
// still runs is not.
func TestStaleTempsRemoved(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	out := t.TempDir()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	old := time.Now().Add(-10 * time.Minute)
	dead := filepath.Join(out, ".env-0123.zip.tmp-"+strconv.Itoa(cmd.Process.Pid)+"-42")
	live := filepath.Join(out, ".env-4567.zip.tmp-"+strconv.Itoa(os.Getppid())+"-43")
	for _, p := range []string{dead, live} {
		if err := os.WriteFile(p, []byte("half an archive"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old, old)
	}
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	if _, err := Build(context.Background(), p, out, fx.env); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed build's temporary file is still there: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live process's temporary file was removed: %v", err)
	}
}

// TestTamperedCacheIsNotShipped: a wheel changed in the artifact cache
// after it was downloaded (here: a module set to X = 9) fails the build
// before the archive gets its name, and is dropped from the cache, so the
// next build downloads the real one.
func TestTamperedCacheIsNotShipped(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	first, err := Build(context.Background(), p, t.TempDir(), fx.env)
	if err != nil {
		t.Fatal(err)
	}
	cached, _ := filepath.Glob(filepath.Join(fx.env.CacheDir, "artifacts", "*", "*", "*", "lib-2.0-*.whl"))
	if len(cached) == 0 {
		cached, _ = filepath.Glob(filepath.Join(fx.env.CacheDir, "artifacts", "**", "lib-2.0-*.whl"))
	}
	if len(cached) == 0 {
		var all []string
		filepath.Walk(filepath.Join(fx.env.CacheDir, "artifacts"), func(p string, _ os.FileInfo, _ error) error { all = append(all, p); return nil })
		t.Fatalf("no cached lib wheel:\n%s", strings.Join(all, "\n"))
	}
	evil := testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "2.0", Tag: "cp311-cp311-manylinux_2_17_x86_64", Files: map[string]string{"lib/__init__.py": "X = 9\n"}})
	if err := os.WriteFile(cached[0], evil.Content, 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = Build(context.Background(), p, out, fx.env)
	if err == nil || !strings.Contains(err.Error(), "package lib") || !strings.Contains(err.Error(), "corrupted") {
		t.Fatalf("Build with a tampered cache = %v, want an error naming package lib", err)
	}
	if _, err := os.Stat(filepath.Join(out, p.Filename())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an archive was written under the final name: %v", err)
	}
	if _, err := os.Stat(cached[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tampered file is still in the cache: %v", err)
	}
	again, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	if again.SHA256 != first.SHA256 {
		t.Errorf("the rebuilt archive differs from the first: %s, want %s", again.SHA256, first.SHA256)
	}
}

// TestMetadataDisagreesWithWheel: the index's PEP 658 .metadata file drops
// a Requires-Dist the wheel has; the lock made from it lacks the
// dependency, and building from it fails naming both, instead of
// shipping an environment without it.
func TestMetadataDisagreesWithWheel(t *testing.T) {
	whl := testindex.Wheel(testindex.WheelSpec{Name: "app", Version: "1.0", RequiresDist: []string{"dep>=1", "winonly; sys_platform == 'win32'"}, Files: map[string]string{"app/__init__.py": "import dep\n"}})
	whl.Metadata = []byte("Metadata-Version: 2.1\nName: app\nVersion: 1.0\n")
	srv := testindex.Start(t, []testindex.Project{
		{Name: "app", Files: []testindex.File{whl}},
		{Name: "dep", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "dep", Version: "1.0", Files: map[string]string{"dep/__init__.py": ""}})}},
	}, testindex.Options{})
	lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"app"}, IndexURL: srv.IndexURL(),
		Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Lock.Packages) != 1 {
		t.Fatalf("the lock has %d packages: the index's metadata was not the one used", len(res.Lock.Packages))
	}
	p, err := NewPlan(res.Lock, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	_, err = Build(context.Background(), p, out, newEnv(t, lenv, res.Lock))
	var mm *MetadataMismatchError
	if !errors.As(err, &mm) || mm.Package != "app" || !strings.HasPrefix(mm.Requires, "dep") {
		t.Fatalf("Build = %v, want a *MetadataMismatchError for app requiring dep", err)
	}
	if _, err := os.Stat(filepath.Join(out, p.Filename())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an archive was written under the final name: %v", err)
	}
}

// TestBuiltWheelMustFitForeignTarget: an sdist built on this host for a
// declared platform must give a wheel with a tag of that platform (a pure
// wheel always has one); a wheel tagged for the host is refused, naming
// the package, the tag and the ways out. For a target read from an
// interpreter, the host is the target: the same wheel is fine.
func TestBuiltWheelMustFitForeignTarget(t *testing.T) {
	py := pyref.Default(t)
	ps := append(world(), testindex.Project{Name: "hostext", Files: []testindex.File{testindex.Sdist(testindex.SdistSpec{
		Name: "hostext", Version: "1.0",
		// What a compiled package built on a Linux host gets.
		WheelTag: "cp311-cp311-linux_x86_64",
		Files:    map[string]string{"hostext/__init__.py": "COMPILED = True\n"},
	})}})
	srv := testindex.Start(t, ps, testindex.Options{})
	lenv := lock.Env{Getenv: func(k string) string {
		switch k {
		case "PATH", "HOME", "PYENV_ROOT":
			return os.Getenv(k)
		}
		return ""
	}, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
	foreign := target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_17_x86_64"}}
	build := func(t *testing.T, req string, spec target.Spec) (*Manifest, error) {
		t.Helper()
		res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{req}, IndexURL: srv.IndexURL(), Target: spec}, lenv)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(res.Lock, ".", Options{Format: FormatZip})
		if err != nil {
			t.Fatal(err)
		}
		return Build(context.Background(), p, t.TempDir(), newEnv(t, lenv, res.Lock))
	}

	t.Run("pure sdist", func(t *testing.T) {
		m, err := build(t, "srconly", foreign)
		if err != nil {
			t.Fatalf("a pure sdist under a foreign target: %v", err)
		}
		if len(m.Packages) != 1 || m.Packages[0].Name != "srconly" {
			t.Fatalf("manifest %+v", m)
		}
	})
	t.Run("host-tagged wheel", func(t *testing.T) {
		_, err := build(t, "hostext", foreign)
		var fw *ForeignWheelError
		if !errors.As(err, &fw) {
			t.Fatalf("got %v, want a *ForeignWheelError", err)
		}
		t.Log(err)
		if fw.Package != "hostext" || fw.Tag != "cp311-cp311-linux_x86_64" || fw.Target != "manylinux_2_17_x86_64" {
			t.Errorf("error fields %+v", fw)
		}
		for _, want := range []string{"package hostext", "hostext-1.0.tar.gz", "tagged cp311-cp311-linux_x86_64", "not for the target manylinux_2_17_x86_64",
			"pin a version of hostext that has wheels for manylinux_2_17_x86_64", "on a machine of the target platform"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error lacks %q: %v", want, err)
			}
		}
		if strings.Contains(err.Error(), "--") {
			t.Errorf("a library error names a flag: %v", err)
		}
	})
	t.Run("declared linux platform", func(t *testing.T) {
		if _, err := build(t, "hostext", target.Spec{Python: "3.11", Platforms: []string{"linux_x86_64"}}); err != nil {
			t.Fatalf("a linux_x86_64 wheel for a linux_x86_64 target: %v", err)
		}
	})
	t.Run("host target", func(t *testing.T) {
		if _, err := build(t, "hostext", target.Spec{Python: py.Python}); err != nil {
			t.Fatalf("a host-tagged wheel for the host: %v", err)
		}
	})
}

// lyingRecord returns f, a wheel, with RECORD's hash of member replaced by
// the hash of claimed (of the same size, so only the hash lies); the
// other members are copied as they are.
func lyingRecord(t *testing.T, f testindex.File, member, actual, claimed string) testindex.File {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(f.Content), int64(len(f.Content)))
	if err != nil {
		t.Fatal(err)
	}
	digest := func(s string) string {
		d := sha256.Sum256([]byte(s))
		return "sha256=" + base64.RawURLEncoding.EncodeToString(d[:])
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, m := range zr.File {
		if !strings.HasSuffix(m.Name, ".dist-info/RECORD") {
			raw, err := m.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			w, err := zw.CreateRaw(&m.FileHeader)
			if err == nil {
				_, err = io.Copy(w, raw)
			}
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		rc, err := m.Open()
		if err != nil {
			t.Fatal(err)
		}
		rec, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		row := member + "," + digest(actual) + ","
		if !bytes.Contains(rec, []byte(row)) {
			t.Fatalf("RECORD of %s has no row %q:\n%s", f.Filename, row, rec)
		}
		w, err := zw.Create(m.Name)
		if err == nil {
			_, err = w.Write(bytes.Replace(rec, []byte(row), []byte(member+","+digest(claimed)+","), 1))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Content = out.Bytes()
	return f
}

// TestLyingRecordIsRefused: a wheel published with a RECORD whose hash for
// a member is not the member's (its size right) is refused, naming the
// package, the wheel, the member and both hashes, and no archive gets the
// final name; without the check, the build copied the lie into the
// environment's RECORD.
func TestLyingRecordIsRefused(t *testing.T) {
	for _, format := range []Format{FormatZip, FormatPex} {
		t.Run(string(format), func(t *testing.T) {
			lib := lyingRecord(t, testindex.Wheel(testindex.WheelSpec{Name: "lib", Version: "2.0", Files: map[string]string{"lib/__init__.py": "X = 40\n"}}),
				"lib/__init__.py", "X = 40\n", "X = 41\n")
			srv := testindex.Start(t, []testindex.Project{{Name: "lib", Files: []testindex.File{lib}}}, testindex.Options{})
			lenv := lock.Env{Getenv: func(string) string { return "" }, HomeDir: t.TempDir(), CacheDir: t.TempDir(), Version: "test"}
			res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"lib"}, IndexURL: srv.IndexURL(),
				Target: target.Spec{Python: "3.11", Platforms: []string{"manylinux_2_28_x86_64"}}}, lenv)
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewPlan(res.Lock, ".", Options{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			env := newEnv(t, lenv, res.Lock)
			_, err = Build(context.Background(), p, out, env)
			var me *wheel.MemberError
			var bw *BrokenWheelError
			if !errors.As(err, &bw) || bw.Package != "lib" || !errors.As(err, &me) || !errors.Is(err, wheel.ErrRecordMismatch) {
				t.Fatalf("Build = %v, want a *BrokenWheelError for lib wrapping a *wheel.MemberError", err)
			}
			d := func(s string) string {
				h := sha256.Sum256([]byte(s))
				return base64.RawURLEncoding.EncodeToString(h[:])
			}
			for _, s := range []string{"package lib", lib.Filename, "lib/__init__.py", d("X = 41\n"), d("X = 40\n")} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
			if _, err := os.Stat(filepath.Join(out, p.Filename())); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("an archive was written under the final name: %v", err)
			}
			if left, _ := filepath.Glob(filepath.Join(out, ".*")); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
			if recordMarked(env.CacheDir, p.Artifacts[0].SHA256) {
				t.Errorf("the lying wheel is marked as verified")
			}
		})
	}
}

// TestRecordMarks: a build that passed marks each downloaded wheel's
// sha256 as RECORD-verified (so the next build does not inflate it again),
// and nothing else.
func TestRecordMarks(t *testing.T) {
	fx := setup(t)
	p, _ := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	if _, err := Build(context.Background(), p, t.TempDir(), fx.env); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, a := range p.Artifacts {
		if recordMarked(fx.env.CacheDir, a.SHA256) != a.Wheel {
			t.Errorf("%s (wheel %v): marked %v", a.Filename, a.Wheel, !a.Wheel)
		}
		if a.Wheel {
			want[a.SHA256] = true
		}
	}
	marks, _ := os.ReadDir(recordMarkDir(fx.env.CacheDir))
	if len(marks) != len(want) {
		t.Errorf("%d marks, want %d (one per wheel)", len(marks), len(want))
	}
	for _, m := range marks {
		if !want[m.Name()] {
			t.Errorf("unexpected mark %s", m.Name())
		}
	}
}

// TestBuildReportsProgress: a build reports every download with the
// lock's total, the sdist it builds, and the archive's bytes up to its
// size.
func TestBuildReportsProgress(t *testing.T) {
	pyref.Default(t)
	fx := setup(t)
	p, err := NewPlan(fx.lock, ".", Options{Format: FormatZip})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		events []progress.Event
	)
	env := fx.env
	env.Progress = func(e progress.Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	m, err := Build(context.Background(), p, t.TempDir(), env)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, a := range p.Artifacts {
		total += a.Size
	}
	var downloads int
	var built []string
	var lastWrite, maxDownload int64
	for _, e := range events {
		switch e.Step {
		case progress.Download:
			downloads++
			if e.Total != total || e.Done > total || e.Done < 0 {
				t.Errorf("download event %+v, want a total of %d", e, total)
			}
			maxDownload = max(maxDownload, e.Done)
		case progress.Build:
			built = append(built, e.Name)
		case progress.Write:
			if e.Name != p.Filename() || e.Done < lastWrite {
				t.Errorf("write event %+v after %d bytes", e, lastWrite)
			}
			lastWrite = e.Done
		}
	}
	// Each file is reported as its bytes arrive and once more when it is
	// in the cache.
	if downloads < 2*len(p.Artifacts) || maxDownload != total {
		t.Errorf("%d download events for %d files, reaching %d bytes of %d", downloads, len(p.Artifacts), maxDownload, total)
	}
	if !slices.Equal(built, []string{"srconly-0.1.tar.gz"}) {
		t.Errorf("sdists reported built: %v", built)
	}
	if lastWrite != m.Size {
		t.Errorf("the last write event says %d bytes, the archive has %d", lastWrite, m.Size)
	}
}

// TestWheelhouse: a wheelhouse holds every wheel of the lock (the sdist
// built) and a requirements file pinning them by hash; pip installs it
// with no index, in hash-checking mode; two builds are identical, a
// second one into the same directory is not repeated, and a tampered
// wheelhouse is built again.
func TestWheelhouse(t *testing.T) {
	py := pyref.Default(t)
	fx := setup(t)
	p, err := NewPlan(fx.lock, ".", Options{Format: FormatWheelhouse, Name: "wheelhouse"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "wheelhouse-" + p.ContentHash; p.Filename() != want {
		t.Fatalf("file name %s, want %s", p.Filename(), want)
	}
	out := t.TempDir()
	m, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	if m.Archive != filepath.Join(out, p.Filename()) || m.Format != FormatWheelhouse || len(m.Wheels) != 3 || len(m.Packages) != 3 {
		t.Fatalf("manifest %+v", m)
	}
	req, err := os.ReadFile(filepath.Join(m.Archive, RequirementsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Wheels {
		if !strings.Contains(string(req), "--hash=sha256:"+w.SHA256) || sum(t, filepath.Join(m.Archive, w.Filename)) != w.SHA256 {
			t.Errorf("wheel %s: not pinned by its sha256 in\n%s", w.Filename, req)
		}
	}
	for _, pin := range []string{"app==1.0 \\\n", "lib==2.0 \\\n", "srconly==0.1 \\\n"} {
		if !strings.Contains(string(req), pin) {
			t.Errorf("requirements lack %q:\n%s", pin, req)
		}
	}

	target := t.TempDir()
	install := exec.Command(py.Python, "-m", "pip", "install", "--no-index", "--find-links", m.Archive, "-r", filepath.Join(m.Archive, RequirementsFile), "--target", target, "--no-deps", "--disable-pip-version-check")
	install.Env = append(os.Environ(), "PIP_INDEX_URL=http://127.0.0.1:9/simple", "PIP_CONFIG_FILE=/dev/null")
	if got, err := install.CombinedOutput(); err != nil {
		t.Fatalf("pip install from the wheelhouse: %v\n%s", err, got)
	}
	run := exec.Command(py.Python, "-c", "import app; print(app.X)")
	run.Env = append(os.Environ(), "PYTHONPATH="+target)
	if got, err := run.CombinedOutput(); err != nil || strings.TrimSpace(string(got)) != "42" {
		t.Fatalf("the installed wheelhouse: %v: %s", err, got)
	}

	other, err := Build(context.Background(), p, t.TempDir(), newEnvFrom(t, fx.env))
	if err != nil {
		t.Fatal(err)
	}
	if other.SHA256 != m.SHA256 || !slices.Equal(other.Wheels, m.Wheels) {
		t.Errorf("a second wheelhouse differs: %+v, first %+v", other.Wheels, m.Wheels)
	}

	again, err := Build(context.Background(), p, out, fx.env)
	if err != nil || again.SHA256 != m.SHA256 {
		t.Fatalf("rebuilding into the same directory: %v", err)
	}
	victim := filepath.Join(m.Archive, m.Wheels[0].Filename)
	if err := os.WriteFile(victim, []byte("not a wheel"), 0o644); err != nil {
		t.Fatal(err)
	}
	fixed, err := Build(context.Background(), p, out, fx.env)
	if err != nil {
		t.Fatal(err)
	}
	if sum(t, victim) != m.Wheels[0].SHA256 || fixed.SHA256 != m.SHA256 {
		t.Errorf("a tampered wheelhouse was not built again")
	}
	if _, err := NewPlan(fx.lock, ".", Options{Format: FormatWheelhouse, EntryPoint: "app:main"}); !errors.Is(err, ErrWheelhouseOptions) {
		t.Errorf("a wheelhouse with an entry point: %v", err)
	}
}
