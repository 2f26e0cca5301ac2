package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCLIExclude: --exclude leaves a package out of the lock (its
// dependencies stay) and records it; a name that is no package name is a
// usage error; with --lock it is a usage error too; spark-args notes an
// environment that packs pyspark or py4j, with the flags that leave them
// out.
func TestCLIExclude(t *testing.T) {
	c := newCLI(t)
	w := func(name, version string, requires ...string) testindex.File {
		return testindex.Wheel(testindex.WheelSpec{Name: name, Version: version, RequiresDist: requires,
			Files: map[string]string{name + "/__init__.py": ""}})
	}
	idx := testindex.Start(t, []testindex.Project{
		{Name: "pyspark", Files: []testindex.File{w("pyspark", "4.0.1", "py4j==0.10.9.9")}},
		{Name: "py4j", Files: []testindex.File{w("py4j", "0.10.9.9")}},
		{Name: "app", Files: []testindex.File{w("app", "1.0", "pyspark")}},
	}, testindex.Options{})
	base := []string{"--index-url", idx.IndexURL(), "--python", "3.11", "--platform", "manylinux_2_17_x86_64"}

	_, errOut, code := c.run(append([]string{"lock", "app", "--exclude", "PySpark", "-o", "pylock.toml"}, base...)...)
	if code != 0 {
		t.Fatalf("lock --exclude: exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(filepath.Join(c.dir, "pylock.toml"))
	if err != nil {
		t.Fatal(err)
	}
	lk := string(data)
	if strings.Contains(lk, "[[packages]]\nname = \"pyspark\"") || !strings.Contains(lk, "[[packages]]\nname = \"py4j\"") || !strings.Contains(lk, `exclude = ["pyspark"]`) {
		t.Errorf("the lock with pyspark excluded:\n%s", lk)
	}

	_, errOut, code = c.run(append([]string{"lock", "app", "--exclude", "not a name", "-o", "-"}, base...)...)
	if code != 2 || !strings.Contains(errOut, `cannot exclude "not a name"`) {
		t.Errorf("--exclude 'not a name': exit %d, stderr %q", code, errOut)
	}
	_, errOut, code = c.run("build", "--lock", "pylock.toml", "--exclude", "py4j")
	if code != 2 || !strings.Contains(errOut, "--exclude applies when locking") {
		t.Errorf("build --lock --exclude: exit %d, stderr %q", code, errOut)
	}

	store := filepath.Join(c.dir, "store")
	_, errOut, code = c.run(append([]string{"spark-args", "app", "--to", store, "--master", "yarn", "--format", "tar.gz"}, base...)...)
	if code != 0 {
		t.Fatalf("spark-args: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "packs pyspark and py4j") || !strings.Contains(errOut, "(--exclude pyspark --exclude py4j)") {
		t.Errorf("spark-args of an environment with pyspark: stderr lacks the note:\n%s", errOut)
	}
	_, errOut, code = c.run(append([]string{"spark-args", "app", "--exclude", "pyspark", "--exclude", "py4j", "--to", store, "--master", "yarn", "--format", "tar.gz"}, base...)...)
	if code != 0 || strings.Contains(errOut, "packs") {
		t.Errorf("spark-args --exclude pyspark --exclude py4j: exit %d, stderr:\n%s", code, errOut)
	}
}
