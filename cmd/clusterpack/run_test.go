package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/target"
)

// TestCheckAndRunEmbedded builds a venv archive and uses the check and run
// commands on it: run --eval os.getpid() prints this test process's own id,
// the proof that the interpreter runs inside clusterpack.
func TestCheckAndRunEmbedded(t *testing.T) {
	py := pyref.Default(t)
	cache := t.TempDir()
	t.Setenv("CLUSTERPACK_CACHE_DIR", cache)
	srv := testindex.Start(t, []testindex.Project{{Name: "greet", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{
		Name: "greet", Version: "1.0", Files: map[string]string{"greet/__init__.py": "def hello(name):\n    return 'hello ' + name\n"},
	})}}}, testindex.Options{})
	lenv := lock.Env{Getenv: os.Getenv, HomeDir: t.TempDir(), CacheDir: cache, Version: "test"}
	res, err := lock.Make(context.Background(), lock.Input{Requirements: []string{"greet"}, IndexURL: srv.IndexURL(), Target: target.Spec{Python: py.Python}}, lenv)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := build.NewPlan(res.Lock, ".", build.Options{Format: build.FormatZip})
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
	out, _, err := run(t, "check", m.Archive, "--python", py.Python)
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("check: %v\n%s", err, out)
	}
	out, _, err = run(t, "run", m.Archive, "--python", py.Python, "--exec", "import os", "--eval", "os.getpid()")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("run --eval os.getpid() printed %q, this process is %d", out, os.Getpid())
	}
	out, _, err = run(t, "run", m.Archive, "--python", py.Python, "--call", "greet:hello", "--args", `["cluster"]`)
	if err != nil || strings.TrimSpace(out) != `"hello cluster"` {
		t.Fatalf("run --call: %v %q", err, out)
	}
	rows := filepath.Join(t.TempDir(), "rows.jsonl")
	if err := os.WriteFile(rows, []byte("\"a\"\n\"b\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, "run", m.Archive, "--python", py.Python, "--exec", "import greet", "--eval", "greet.hello(row)", "--input", rows)
	if err != nil || !strings.Contains(out, `"hello a"`) || !strings.Contains(out, `"hello b"`) || strings.Index(out, `"hello a"`) > strings.Index(out, `"hello b"`) {
		t.Fatalf("run --exec --eval --input: %v %q", err, out)
	}
	_, _, err = run(t, "run", m.Archive, "--python", py.Python, "--eval", "1/0")
	if err == nil {
		t.Fatal("an exception in user code did not fail the command")
	}
}
