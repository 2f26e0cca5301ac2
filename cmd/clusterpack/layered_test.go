package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/target"
)

// layeredEnv locks greet (small) and bigdata (a wheel over 2 MiB, which
// gets a layer of its own) from a served index and builds them with
// build --layers in format; it returns the manifest.
func layeredEnv(t *testing.T, cache, py string, format build.Format) *build.Manifest {
	t.Helper()
	blob := make([]byte, 3<<20) // random: the wheel stays over 2 MiB
	if _, err := rand.Read(blob); err != nil {
		t.Fatal(err)
	}
	srv := testindex.Start(t, []testindex.Project{
		{Name: "greet", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "greet", Version: "1.0",
			Files: map[string]string{"greet/__init__.py": "def hello(name):\n    return 'hello ' + name\n"}})}},
		{Name: "bigdata", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "bigdata", Version: "4.0", RequiresDist: []string{"greet"},
			Files: map[string]string{"bigdata/__init__.py": "import greet\nX = greet.hello('layer')\n", "bigdata/blob.txt": base64.StdEncoding.EncodeToString(blob)}})}},
	}, testindex.Options{})
	lenv := lock.Env{Getenv: os.Getenv, HomeDir: t.TempDir(), CacheDir: cache, Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"bigdata"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := build.NewPlan(res.Lock, ".", build.Options{Format: format, Layers: true})
	if err != nil {
		t.Fatal(err)
	}
	client, err := lock.DownloadClient(lenv, res.Lock)
	if err != nil {
		t.Fatal(err)
	}
	m, err := build.Build(context.Background(), plan, filepath.Join(t.TempDir(), "dist"), build.Env{Client: client, CacheDir: cache, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 1 || m.Layers[0].Packages[0].Name != "bigdata" {
		t.Fatalf("build --layers made layers %+v, want one of bigdata", m.Layers)
	}
	return m
}

// TestCheckAndRunLayered uses check and run on layered environments
// built by build --layers, venv and pex: by the manifest, by the base
// with the manifest beside it, and by the base and --layer; a layer
// missing is an error naming it. The pex base also runs by itself, as
// PYSPARK_PYTHON=./env.pex runs it, with its layer beside it.
func TestCheckAndRunLayered(t *testing.T) {
	py := pyref.Default(t)
	cache := t.TempDir()
	t.Setenv("CLUSTERPACK_CACHE_DIR", cache)
	for _, format := range []build.Format{build.FormatZip, build.FormatPex} {
		t.Run(string(format), func(t *testing.T) { checkAndRunLayered(t, py.Python, cache, format) })
	}
}

func checkAndRunLayered(t *testing.T, py, cache string, format build.Format) {
	m := layeredEnv(t, cache, py, format)
	dist := filepath.Dir(m.Archive)
	manifest := filepath.Join(dist, strings.TrimSuffix(filepath.Base(m.Archive), "."+string(format))+".json")
	layer := m.Layers[0].Archive

	for _, args := range [][]string{{manifest}, {m.Archive}, {m.Archive, "--layer", layer}} {
		out, _, err := run(t, append(append([]string{"check"}, args...), "--python", py)...)
		if err != nil || !strings.Contains(out, "OK") || !strings.Contains(out, "with 1 layers: "+layer) || !strings.Contains(out, "imported 2 modules") {
			t.Errorf("check %v: %v\n%s", args, err, out)
		}
		out, _, err = run(t, append(append([]string{"run"}, args...), "--python", py, "--exec", "import bigdata", "--eval", "bigdata.X")...)
		if err != nil || out != "\"hello layer\"\n" {
			t.Errorf("run %v: %v, %q", args, err, out)
		}
	}
	// Worker processes (--isolate) open the layered environment too.
	if out, errOut, code := runProcess(t, "run", manifest, "--python", py, "--isolate", "--exec", "import bigdata", "--eval", "bigdata.X"); code != 0 || out != "\"hello layer\"\n" {
		t.Errorf("run --isolate: exit %d, %q, stderr %s", code, out, errOut)
	}
	if format == build.FormatPex {
		cmd := exec.Command("./"+filepath.Base(m.Archive), "-c", "import bigdata; print(bigdata.X)")
		cmd.Dir = dist
		cmd.Env = []string{"PATH=" + filepath.Dir(py) + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "PEX_ROOT=" + t.TempDir()}
		if out, err := cmd.CombinedOutput(); err != nil || string(out) != "hello layer\n" {
			t.Errorf("./%s -c: %v, %q", filepath.Base(m.Archive), err, out)
		}
	}

	// Stored elsewhere without its layer.
	alone := t.TempDir()
	for _, p := range []string{m.Archive, manifest} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(alone, filepath.Base(p)), data, 0o644)
	}
	base := filepath.Join(alone, filepath.Base(m.Archive))
	for _, cmd := range []string{"check", "run"} {
		args := []string{cmd, base, "--python", py}
		if cmd == "run" {
			args = append(args, "--eval", "1")
		}
		_, _, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), "layer "+m.Layers[0].Name+" of "+base) || !strings.Contains(err.Error(), "is missing: not at "+filepath.Join(alone, m.Layers[0].Name)) {
			t.Errorf("%s without the layer: %v", cmd, err)
		}
	}
	// The base without its manifest or layers.
	os.Remove(filepath.Join(alone, filepath.Base(manifest)))
	want := "is the base of a layered environment"
	if format == build.FormatPex {
		want = "(named in its PEX-INFO) is missing"
	}
	if _, _, err := run(t, "check", base, "--static"); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("check of a base alone: %v", err)
	}
	// --layer with a manifest is a usage error.
	if _, _, err := run(t, "run", manifest, "--layer", layer, "--eval", "1"); err == nil || !strings.Contains(err.Error(), "--layer goes with the base archive") {
		t.Errorf("run MANIFEST --layer: %v", err)
	}
}
