package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCLIWheelhouse: build --format wheelhouse writes the wheels and a
// hash-pinned requirements.txt; upload ships them as one directory of
// objects, once; flink-args prints them as -pyreq, alone or beside a venv
// archive; spark-args refuses them.
func TestCLIWheelhouse(t *testing.T) {
	c := newCLI(t)
	idx := greetIndex(t, testindex.Options{})
	c.ok(append([]string{"lock", "greet", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)

	var m struct {
		Format, Archive, SHA256 string
		ContentHash             string `json:"content_hash"`
		Wheels                  []struct{ Filename, SHA256 string }
	}
	out := c.ok("build", "--lock", "pylock.toml", "--format", "wheelhouse", "-o", "dist", "--json")
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("build --json: %v\n%s", err, out)
	}
	if m.Format != "wheelhouse" || m.Archive != filepath.Join("dist", "wheelhouse-"+m.ContentHash) || len(m.Wheels) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	req, err := os.ReadFile(filepath.Join(c.dir, m.Archive, "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range m.Wheels {
		if _, err := os.Stat(filepath.Join(c.dir, m.Archive, w.Filename)); err != nil {
			t.Error(err)
		}
		if !strings.Contains(string(req), "--hash=sha256:"+w.SHA256) {
			t.Errorf("requirements.txt does not pin %s:\n%s", w.Filename, req)
		}
	}

	if _, errOut, code := c.run("check", m.Archive); code != 2 || !strings.Contains(errOut, "is a wheelhouse") {
		t.Errorf("check of a wheelhouse: exit %d: %s", code, errOut)
	}

	storeDir := filepath.Join(c.dir, "store")
	store := "file://" + storeDir
	var up struct {
		URL      string
		Uploaded bool
	}
	out = c.ok("upload", "--lock", "pylock.toml", "--format", "wheelhouse", "--to", store, "--manifest", "wheels.json", "--json")
	if err := json.Unmarshal([]byte(out), &up); err != nil || !up.Uploaded || up.URL != store+"/wheelhouse-"+m.ContentHash {
		t.Fatalf("upload of the wheelhouse: %+v %v\n%s", up, err, out)
	}
	for _, name := range []string{"requirements.txt", m.Wheels[0].Filename, m.Wheels[1].Filename} {
		if _, err := os.Stat(filepath.Join(storeDir, "wheelhouse-"+m.ContentHash, name)); err != nil {
			t.Errorf("the store lacks %s: %v", name, err)
		}
	}
	out = c.ok("upload", "--lock", "pylock.toml", "--format", "wheelhouse", "--to", store, "--json")
	if err := json.Unmarshal([]byte(out), &up); err != nil || up.Uploaded {
		t.Fatalf("a second upload sent the wheelhouse again: %+v %v", up, err)
	}

	reqFlag := "-pyreq '" + up.URL + "/requirements.txt#" + up.URL + "'"
	flags := c.ok("flink-args", "--manifest", "wheels.json", "--worker-python", "/opt/py/bin/python")
	if want := "-pyexec /opt/py/bin/python " + reqFlag + "\n"; flags != want {
		t.Errorf("flink-args of a wheelhouse:\n got %q\nwant %q", flags, want)
	}
	conf := c.ok("flink-args", "--manifest", "wheels.json", "--style", "conf")
	if want := `python.requirements: "` + up.URL + "/requirements.txt#" + up.URL + "\"\n"; conf != want {
		t.Errorf("flink-args --style conf of a wheelhouse:\n got %q\nwant %q", conf, want)
	}

	c.ok("upload", "--lock", "pylock.toml", "--to", store, "--manifest", "env.json")
	flags = c.ok("flink-args", "--manifest", "env.json", "--requirements", "wheels.json")
	if !strings.HasPrefix(flags, "-pyarch ") || !strings.HasSuffix(flags, " -pyexec venv/bin/python "+reqFlag+"\n") {
		t.Errorf("flink-args with --requirements: %q", flags)
	}
	for _, bad := range [][]string{
		{"flink-args", "--manifest", "env.json", "--requirements", "env.json"},
		{"flink-args", "--manifest", "env.json", "--worker-python", "/usr/bin/python3"},
	} {
		if _, errOut, code := c.run(bad...); code != 2 {
			t.Errorf("clusterpack %s: exit %d, want 2: %s", strings.Join(bad, " "), code, errOut)
		}
	}
	if _, errOut, code := c.run("spark-args", "--manifest", "wheels.json"); code == 0 || !strings.Contains(errOut, `"wheelhouse" is not one Spark can use`) || strings.Contains(errOut, "run it locally") {
		t.Errorf("spark-args of a wheelhouse: exit %d: %s", code, errOut)
	}
	if _, errOut, code := c.run("flink-args", "--manifest", "wheels.json", "--execution-mode", "thread"); code == 0 || !strings.Contains(errOut, "--bundle-python") {
		t.Errorf("flink-args of a wheelhouse in thread mode: exit %d: %s", code, errOut)
	}
}
