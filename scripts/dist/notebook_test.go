package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/clusterparts"
)

// unavailable fails or skips the test when a reference part cannot be had.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CLUSTERPACK_REQUIRE_REFERENCE") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + " (set CLUSTERPACK_REQUIRE_REFERENCE=1 to fail instead)")
}

// TestNotebookSpark runs python/tests/notebook_spark.py, a notebook that
// ships an environment and a code directory with the Python API and runs
// the talk's pandas UDF on local[2]. The notebook's venv has the wheel;
// pyspark, pandas and pyarrow come from the dev cache's Spark venv (on
// PYTHONPATH, as a notebook kernel's environment would have them); the
// shipped environment is locked from PyPI, as internal/e2e/jobtest's is.
func TestNotebookSpark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Spark: not with -short")
	}
	whl := linuxWheel(t)
	py, err := clusterparts.Python311()
	if err != nil {
		unavailable(t, "%v", err)
	}
	sparkVenv, err := clusterparts.SparkVenv(t.Context(), os.Stderr)
	if err != nil {
		unavailable(t, "%v", err)
	}
	if _, err := exec.LookPath("java"); err != nil && os.Getenv("JAVA_HOME") == "" {
		unavailable(t, "no Java (set JAVA_HOME)")
	}
	work := t.TempDir()
	venv := filepath.Join(work, "notebook-venv")
	runCmd(t, nil, py, "-m", "venv", venv)
	python := filepath.Join(venv, "bin", "python")
	runCmd(t, []string{"PIP_DISABLE_PIP_VERSION_CHECK=1"}, python, "-m", "pip", "install", "-q", "--no-index", whl)
	code := filepath.Join(work, "project")
	if err := os.MkdirAll(filepath.Join(code, "nbcode"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(code, "nbcode", "__init__.py"), []byte("ONE = 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reqs, _ := json.Marshal([]string{"pandas==" + clusterparts.Pandas, "pyarrow==" + clusterparts.PyArrow, "tabulate==0.9.0"})
	cache := filepath.Join(work, "cache")
	script, err := filepath.Abs("../../python/tests/notebook_spark.py")
	if err != nil {
		t.Fatal(err)
	}
	out := runCmd(t, []string{
		"PYTHONPATH=" + clusterparts.SitePackages(sparkVenv),
		"CLUSTERPACK_CACHE_DIR=" + cache, "CLUSTERPACK_BINARY=",
		"NOTEBOOK_REQUIREMENTS=" + string(reqs), "NOTEBOOK_CODE=" + code, "NOTEBOOK_PYTHON=" + py,
		"NOTEBOOK_STORE=" + filepath.Join(work, "store"),
		"PYSPARK_PYTHON=", "PYSPARK_DRIVER_PYTHON=",
	}, python, script)
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "NOTEBOOK-RESULT ") {
			line = strings.TrimPrefix(l, "NOTEBOOK-RESULT ")
		}
	}
	if line == "" {
		t.Fatalf("the notebook printed no result:\n%s", out)
	}
	var res struct {
		Env  string
		Rows []struct {
			ID    int
			Mean  float64
			Where struct{ Prefix, Tabulate string }
		}
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil {
		t.Fatal(err)
	}
	t.Logf("notebook result: %s", line)
	if len(res.Rows) != 2 || res.Rows[0].Mean != 1.5 || res.Rows[1].Mean != 6.0 {
		t.Fatalf("means %+v, want 1.5 and 6.0", res.Rows)
	}
	for _, r := range res.Rows {
		// local: spark-args unpacked the environment under the cache.
		if !strings.HasPrefix(r.Where.Prefix, cache) || !strings.HasPrefix(r.Where.Tabulate, r.Where.Prefix) {
			t.Errorf("the UDF ran in %s with tabulate %s: not the environment unpacked under %s", r.Where.Prefix, r.Where.Tabulate, cache)
		}
	}
}
