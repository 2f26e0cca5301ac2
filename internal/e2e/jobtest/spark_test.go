package jobtest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// where is what the UDF reports of its Python.
type where struct {
	Prefix     string `json:"prefix"`
	Executable string `json:"executable"`
	Cwd        string `json:"cwd"`
	Tabulate   string `json:"tabulate"`
	Pandas     string `json:"pandas"`
	PyArrow    string `json:"pyarrow"`
	Version    string `json:"version"`
	// Modes are the permission bits of the unpacked archive's files
	// (environment, environment/bin/python, environment/pyvenv.cfg).
	Modes map[string]string `json:"modes"`
	// EnvRoot is where ./environment leads ("" when there is none).
	EnvRoot string `json:"envroot"`
	// Layers are where each layer-<hash> of the working directory leads.
	Layers map[string]string `json:"layers"`
	// Real are the real paths of pandas and pyarrow's modules.
	Real map[string]string `json:"real"`
}

type row struct {
	ID    int     `json:"id"`
	Mean  float64 `json:"mean"`
	Where where   `json:"where"`
	// Driver is where the driver's Python runs from.
	Driver where `json:"driver"`
}

// submit runs the talk's job with spark-submit and exactly the flags
// spark-args printed, through a shell (as a user's script would), and
// returns the job's result. extra is added to spark-submit's environment.
func submit(t *testing.T, venv, flags string, extra ...string) []row {
	t.Helper()
	var rows []row
	submitJob(t, "pandas_udf_job.py", venv, flags, &rows, extra...)
	return rows
}

// submitJob runs the job testdata/script as submit does, and decodes its
// result into result.
func submitJob(t *testing.T, script, venv, flags string, result any, extra ...string) {
	t.Helper()
	job, err := filepath.Abs(filepath.Join("testdata", script))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	line := fmt.Sprintf("exec %s %s %s", filepath.Join(venv, "bin", "spark-submit"), strings.TrimSuffix(flags, "\n"), job)
	t.Logf("$ %s", line)
	start := time.Now()
	resultFile := filepath.Join(dir, "result.json")
	p := startJob(t, append(append(sparkEnv(t, venv), extra...), "JOBTEST_RESULT_FILE="+resultFile), dir, "sh", "-c", line)
	select {
	case <-p.done:
	case <-time.After(5 * time.Minute):
		p.kill()
		t.Fatalf("the job did not finish within 5 minutes; its output ends with:\n%s", tail(p.output(), 6000))
	}
	out := p.output()
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("spark-submit exited %d; its output ends with:\n%s", code, tail(out, 6000))
	}
	if rest, ok := jobResult(out, resultFile); ok {
		if err := json.Unmarshal([]byte(rest), result); err != nil {
			t.Fatalf("the job's result %q: %v; its output ends with:\n%s", rest, err, tail(out, 6000))
		}
		t.Logf("job finished in %v: %s", time.Since(start).Round(time.Second), rest)
		return
	}
	t.Fatalf("the job printed no result; its output ends with:\n%s", tail(out, 6000))
}

// jobResult is the job's result: the file it wrote, else the
// JOBTEST-RESULT line of its output (which Spark's or Flink's log lines,
// sharing the output, may split).
func jobResult(out, resultFile string) (string, bool) {
	if data, err := os.ReadFile(resultFile); err == nil && len(data) > 0 {
		return string(data), true
	}
	for _, l := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(l, "JOBTEST-RESULT "); ok {
			return rest, true
		}
	}
	return "", false
}

func startJob(t *testing.T, env []string, dir string, argv ...string) *process {
	return start(t, "spark-submit", env, dir, argv...)
}

// checkMeans checks the talk's answer: 1.5 for id 1, 6.0 for id 2.
func checkMeans(t *testing.T, rows []row) {
	t.Helper()
	if len(rows) != 2 || rows[0].ID != 1 || rows[0].Mean != 1.5 || rows[1].ID != 2 || rows[1].Mean != 6.0 {
		t.Fatalf("means = %+v, want id 1: 1.5, id 2: 6.0", rows)
	}
}

// checkShipped checks that each UDF ran on the shipped environment: its
// packages, tabulate included, come from under root, and so does the
// interpreter (the pex itself, or the venv's prefix).
func checkShipped(t *testing.T, rows []row, format, root string) {
	t.Helper()
	for _, r := range rows {
		w := r.Where
		if w.Version != Python {
			t.Errorf("the UDF ran on Python %s, want %s", w.Version, Python)
		}
		under := func(what, p string) {
			if !strings.HasPrefix(filepath.Clean(p), filepath.Clean(root)+string(filepath.Separator)) {
				t.Errorf("%s is %s, not under the shipped environment %s", what, p, root)
			}
		}
		under("tabulate", w.Tabulate)
		under("pandas", w.Pandas)
		under("pyarrow", w.PyArrow)
		if format == "pex" {
			if !strings.HasSuffix(w.Executable, ".pex") {
				t.Errorf("sys.executable is %s, want the pex", w.Executable)
			}
		} else {
			if filepath.Clean(w.Prefix) != filepath.Clean(root) {
				under("sys.prefix", w.Prefix)
			}
			under("sys.executable", w.Executable)
		}
	}
}

func spargs(t *testing.T, manifest string, args ...string) string {
	t.Helper()
	flags := run(t, nil, append([]string{"spark-args", "--manifest", manifest}, args...)...)
	t.Logf("spark-args printed: %s", strings.TrimSpace(flags))
	return flags
}

// TestSparkLocal runs the job on local[2]: spark-args unpacks the
// environment once under clusterpack's cache and points the workers at it.
func TestSparkLocal(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	store := t.TempDir()
	cache := t.TempDir()
	for _, format := range []string{"pex", "zip"} {
		t.Run(format, func(t *testing.T) {
			manifest := uploadEnv(t, format, store)
			flags := run(t, []string{"CLUSTERPACK_CACHE_DIR=" + cache}, "spark-args", "--manifest", manifest, "--master", "local[2]", "--driver-python", filepath.Join(venv, "bin", "python"))
			t.Logf("spark-args printed: %s", strings.TrimSpace(flags))
			rows := submit(t, venv, flags)
			checkMeans(t, rows)
			checkLocal(t, rows, format, cache)
		})
	}
}

// checkLocal checks that a local master's UDFs ran the environment that
// spark-args unpacked under cache.
func checkLocal(t *testing.T, rows []row, format, cache string) {
	t.Helper()
	root := filepath.Join(cache, "unpacked")
	if format == "pex" {
		// The pex unpacks itself under PEX_ROOT (~/.pex here).
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".pex", "installed")
		if !strings.HasPrefix(rows[0].Where.Executable, filepath.Join(cache, "unpacked")) {
			t.Errorf("sys.executable is %s, want the pex under %s", rows[0].Where.Executable, cache)
		}
	}
	checkShipped(t, rows, format, root)
}

// TestSparkStandalone runs the job on a standalone master and worker on
// loopback: Spark ships the environment from the store to the executor,
// which runs it from its own working directory.
func TestSparkStandalone(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	store := t.TempDir()
	manifests := map[string]string{}
	for _, format := range []string{"pex", "zip"} {
		manifests[format] = uploadEnv(t, format, store)
	}
	master := standalone(t, venv)
	for _, format := range []string{"pex", "zip"} {
		t.Run(format, func(t *testing.T) {
			flags := spargs(t, manifests[format], "--master", master, "--driver-python", filepath.Join(venv, "bin", "python"))
			rows := submit(t, venv, flags)
			checkMeans(t, rows)
			checkExecutor(t, rows, format)
		})
	}
}

// checkExecutor checks that a standalone executor's UDFs ran the
// environment Spark unpacked (or, for a pex, that the pex unpacked) in
// the executor's working directory, the worker's work/app-*/N.
func checkExecutor(t *testing.T, rows []row, format string) {
	t.Helper()
	cwd := rows[0].Where.Cwd
	if !strings.Contains(cwd, string(filepath.Separator)+"work"+string(filepath.Separator)+"app-") {
		t.Errorf("the UDF ran in %s, not in an executor's directory", cwd)
	}
	root := filepath.Join(cwd, "environment")
	if format == "pex" {
		root = filepath.Join(cwd, ".pex") // PEX_ROOT=./.pex
	}
	checkShipped(t, rows, format, root)
}

// TestSparkLayers runs the job on layered environments, venv and pex,
// on local[2] (spark-args unpacks the base and its layers here side by
// side) and on a standalone master (Spark ships every layer beside the
// base): pandas and pyarrow, each only in a layer of its own, are
// imported from their layers.
func TestSparkLayers(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	driverPython := filepath.Join(venv, "bin", "python")
	store := t.TempDir()
	manifests := map[string]string{}
	for _, format := range []string{"zip", "pex"} {
		manifests[format] = uploadEnv(t, format, store, "--layers")
	}
	master := standalone(t, venv)
	for _, format := range []string{"zip", "pex"} {
		layerHash := map[string]string{} // package -> its layer's content hash
		for _, l := range readLayered(t, manifests[format]).Layers {
			for _, p := range l.Packages {
				layerHash[strings.ToLower(p.Name)] = l.ContentHash
			}
		}
		if layerHash["pandas"] == "" || layerHash["pyarrow"] == "" || layerHash["tabulate"] != "" {
			t.Fatalf("the %s layers of %s: want pandas and pyarrow in layers, tabulate in the base", format, manifests[format])
		}
		check := func(t *testing.T, rows []row, root string) {
			t.Helper()
			checkMeans(t, rows)
			for _, r := range rows {
				for _, pkg := range []string{"pandas", "pyarrow"} {
					got := r.Where.Real[pkg]
					if !strings.HasPrefix(got, root+string(filepath.Separator)) || !strings.Contains(got, layerHash[pkg]) {
						t.Errorf("%s comes from %s, not from its layer %s under %s", pkg, got, layerHash[pkg], root)
					}
				}
				if !strings.Contains(r.Where.Tabulate, string(filepath.Separator)) {
					t.Errorf("tabulate did not import: %q", r.Where.Tabulate)
				}
			}
		}
		t.Run("local-"+format, func(t *testing.T) {
			cache := t.TempDir()
			flags := run(t, []string{"CLUSTERPACK_CACHE_DIR=" + cache}, "spark-args", "--manifest", manifests[format], "--master", "local[2]", "--driver-python", driverPython)
			t.Logf("spark-args printed: %s", strings.TrimSpace(flags))
			rows := submit(t, venv, flags)
			root := filepath.Join(cache, "unpacked")
			if format == "pex" {
				home, _ := os.UserHomeDir()
				root = filepath.Join(home, ".pex", "installed") // the layers' PEX_ROOT
			}
			check(t, rows, root)
		})
		t.Run("standalone-"+format, func(t *testing.T) {
			flags := spargs(t, manifests[format], "--master", master, "--driver-python", driverPython)
			rows := submit(t, venv, flags)
			cwd := rows[0].Where.Cwd
			if !strings.Contains(cwd, string(filepath.Separator)+"work"+string(filepath.Separator)+"app-") {
				t.Errorf("the UDF ran in %s, not in an executor's directory", cwd)
			}
			check(t, rows, cwd)
		})
	}
}
