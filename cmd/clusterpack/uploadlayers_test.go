package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCLIUploadLayers: upload --layers checks the whole layered
// environment, sends the base and its layer and lists them (text and
// JSON), sends nothing the second time, and spark-args and flink-args
// ship every layer beside the base; spark-args on a local master unpacks
// the base and the layer here side by side.
func TestCLIUploadLayers(t *testing.T) {
	c := newCLI(t)
	idx := testindex.Start(t, []testindex.Project{
		{Name: "big", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "big", Version: "1.0",
			Files: map[string]string{"big/__init__.py": "", "big/blob.bin": incompressible(2<<20 + 50_000)}})}},
		{Name: "small", Files: []testindex.File{testindex.Wheel(testindex.WheelSpec{Name: "small", Version: "1.0", Files: map[string]string{"small.py": ""}})}},
	}, testindex.Options{})
	c.ok(append([]string{"lock", "big", "small", "--index-url", idx.IndexURL(), "-o", "pylock.toml"}, linux311...)...)
	storeDir := filepath.Join(c.dir, "store")

	out, errOut, code := c.run("upload", "--lock", "pylock.toml", "--layers", "--to", storeDir, "--manifest", "env.json")
	if code != 0 {
		t.Fatalf("upload --layers: exit %d\n%s", code, errOut)
	}
	var m struct {
		URL      string `json:"url"`
		Uploaded bool   `json:"uploaded"`
		Layers   []struct {
			Name, Dir, URL, SHA256 string
			Size                   int64
			Uploaded               bool
			Archive                string
		}
	}
	data, err := os.ReadFile(filepath.Join(c.dir, "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Uploaded || len(m.Layers) != 1 {
		t.Fatalf("upload manifest %s", data)
	}
	l := m.Layers[0]
	if !l.Uploaded || l.URL != "file://"+filepath.Join(storeDir, l.Name) || l.SHA256 == "" || l.Size < 2<<20 || l.Archive != "" {
		t.Errorf("layer %+v: want it uploaded to the store's root, with sha256 and size, no local path", l)
	}
	if fi, err := os.Stat(filepath.Join(storeDir, l.Name)); err != nil || fi.Size() != l.Size {
		t.Errorf("the stored layer: %v", err)
	}
	for _, want := range []string{"Layer " + l.URL + " (big 1.0, ", "): uploaded", "Environment " + m.URL, "Checked "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("upload --layers says\n%s\nwithout %q", errOut, want)
		}
	}
	if strings.TrimSpace(out) != m.URL {
		t.Errorf("stdout %q, want the base's URL", out)
	}

	out = c.ok("upload", "--lock", "pylock.toml", "--layers", "--to", storeDir, "--json")
	var again struct {
		Uploaded bool
		Layers   []struct {
			Name     string
			Uploaded bool
			URL      string
		}
	}
	if err := json.Unmarshal([]byte(out), &again); err != nil {
		t.Fatal(err)
	}
	if again.Uploaded || len(again.Layers) != 1 || again.Layers[0].Uploaded || again.Layers[0].URL != l.URL {
		t.Errorf("second upload --json: %s", out)
	}

	flags := c.ok("spark-args", "--manifest", "env.json", "--master", "yarn")
	if !strings.Contains(flags, m.URL+"#environment,"+l.URL+"#"+l.Dir) {
		t.Errorf("spark-args --master yarn: %s; want the layer %s#%s after the base", flags, l.URL, l.Dir)
	}
	pyarch := c.ok("flink-args", "--manifest", "env.json")
	if !strings.Contains(pyarch, m.URL+"#venv,"+l.URL+"#"+l.Dir) {
		t.Errorf("flink-args: %s; want the layer %s#%s after the base", pyarch, l.URL, l.Dir)
	}
	local := c.ok("spark-args", "--manifest", "env.json", "--master", "local[2]", "--style", "json")
	var conf struct {
		Conf map[string]string `json:"conf"`
	}
	if err := json.Unmarshal([]byte(local), &conf); err != nil {
		t.Fatal(err)
	}
	interp := conf.Conf["spark.pyspark.python"]
	root := filepath.Dir(filepath.Dir(filepath.Dir(interp))) // .../<hash>/environment/bin/python
	if _, err := os.Stat(filepath.Join(root, l.Dir, "lib", "python3.11", "site-packages", "big", "__init__.py")); err != nil {
		t.Errorf("the local master's layer is not unpacked beside the base %s: %v", interp, err)
	}
}
