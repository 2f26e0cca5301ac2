package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// incompressible is n bytes that do not deflate, the same every run.
func incompressible(n int) string {
	r := rand.New(rand.NewChaCha8([32]byte{7}))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return string(b)
}

// TestCLIBuildLayers: build --layers against the served index writes the
// base and a layer for the large distribution, says which it wrote and,
// run again, which were there already; --json prints the manifest with
// its layers; --layers with a wheelhouse is a usage error; every command
// that builds takes --layers.
func TestCLIBuildLayers(t *testing.T) {
	c := newCLI(t)
	idx := testindex.Start(t, []testindex.Project{
		{Name: "big", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "big", Version: "1.0",
			Files: map[string]string{"big/__init__.py": "", "big/blob.bin": incompressible(2<<20 + 50_000)}})}},
		{Name: "small", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "small", Version: "1.0", Files: map[string]string{"small.py": ""}})}},
	}, testindex.Options{})
	c.ok(append([]string{"lock", "big", "small", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)

	out, errOut, code := c.run("build", "--lock", "pylock.toml", "--layers", "-o", "dist")
	if code != 0 {
		t.Fatalf("build --layers: exit %d\n%s", code, errOut)
	}
	base := strings.TrimSpace(out)
	if !strings.HasPrefix(base, filepath.Join("dist", "env-")) || !strings.HasSuffix(base, ".zip") {
		t.Fatalf("stdout %q: want the base's path only", out)
	}
	layers, _ := filepath.Glob(filepath.Join(c.dir, "dist", "layer-*.zip"))
	if len(layers) != 1 {
		t.Fatalf("layers in dist: %v", layers)
	}
	layer := filepath.Join("dist", filepath.Base(layers[0]))
	for _, want := range []string{base, "Layers, shipped beside it (1):", layer + " (big 1.0, ", "): written"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("build --layers says\n%s\nwithout %q", errOut, want)
		}
	}

	out = c.ok("build", "--lock", "pylock.toml", "--layers", "-o", "dist", "--json")
	var m struct {
		Archive, SHA256 string
		ContentHash     string `json:"content_hash"`
		Packages        []struct{ Name, Version string }
		Layers          []struct {
			Name, Dir, SHA256, Archive string
			ContentHash                string `json:"content_hash"`
			Size                       int64
			Packages                   []struct{ Name, Version string }
		}
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("build --json: %v\n%s", err, out)
	}
	if m.Archive != base || len(m.Packages) != 2 || len(m.Layers) != 1 {
		t.Fatalf("manifest %+v", m)
	}
	l := m.Layers[0]
	if l.Archive != layer || l.Name != "layer-"+l.ContentHash+".zip" || l.Dir != "layer-"+l.ContentHash || len(l.Packages) != 1 || l.Packages[0].Name != "big" {
		t.Errorf("layer %+v", l)
	}
	if fi, err := os.Stat(filepath.Join(c.dir, layer)); err != nil || fi.Size() != l.Size {
		t.Errorf("the layer file: %v", err)
	}

	_, errOut, code = c.run("build", "--lock", "pylock.toml", "--layers", "-o", "dist")
	if code != 0 || !strings.Contains(errOut, "there already") || strings.Contains(errOut, "written") {
		t.Errorf("a second build --layers (exit %d) says\n%s", code, errOut)
	}
	// The monolith of the same lock is named apart.
	mono := strings.TrimSpace(c.ok("build", "--lock", "pylock.toml", "-o", "dist"))
	if mono == base {
		t.Errorf("the monolith and the layered base have one name: %s", mono)
	}

	_, errOut, code = c.run("build", "--lock", "pylock.toml", "--layers", "--format", "wheelhouse", "-o", "dist")
	if code != 2 || !strings.Contains(errOut, "--layers") || !strings.Contains(errOut, "wheelhouse") {
		t.Errorf("--layers with a wheelhouse: exit %d\n%s", code, errOut)
	}
	for _, sub := range []string{"build", "upload", "spark-args", "flink-args"} {
		if help := c.ok(sub, "--help"); !strings.Contains(help, "--layers") {
			t.Errorf("%s --help has no --layers", sub)
		}
	}
}
