package jobtest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/unpack"
)

// flowResult is what testdata/flow_job.py reports.
type flowResult struct {
	Executors []struct {
		Greeting   string `json:"greeting"`
		File       string `json:"file"`
		Executable string `json:"executable"`
		Cwd        string `json:"cwd"`
	} `json:"executors"`
	Driver struct {
		Greeting   string `json:"greeting"`
		File       string `json:"file"`
		Executable string `json:"executable"`
	} `json:"driver"`
}

// uploadManifest is what the flow test reads of an upload manifest.
type uploadManifest struct {
	URL      string `json:"url"`
	Uploaded bool   `json:"uploaded"`
	Code     []struct {
		URL      string `json:"url"`
		Uploaded bool   `json:"uploaded"`
	} `json:"code"`
}

// TestSparkYARNFlow is the talk's whole flow on YARN: a project in
// development, installed with `pip install -e` into the user's
// virtualenv (which has the job's packages: it is an environment of
// shipped, unpacked here); `clusterpack upload --from-venv` sends the
// environment and the project's code zip to HDFS; spark-args (with the
// same inputs) prints the flags, the code zip on --py-files and, in client
// mode, the virtualenv's python as the driver's; the job runs. Then a
// one-line change to the project re-sends only the code zip, not the
// environment, and the next job sees the change on the executors and the
// driver.
func TestSparkYARNFlow(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	c := yarnCluster(t)
	py := python311(t)

	// The user's virtualenv: the shipped packages, unpacked.
	local := uploadEnv(t, "tar.gz", t.TempDir())
	var m uploadManifest
	readJSON(t, local, &m)
	userVenv := filepath.Join(t.TempDir(), "venv")
	if err := unpack.TarGzFile(context.Background(), strings.TrimPrefix(m.URL, "file://"), userVenv); err != nil {
		t.Fatal(err)
	}
	proj := filepath.Join(t.TempDir(), "flowproj")
	if err := os.CopyFS(proj, os.DirFS(filepath.Join("testdata", "flowproj"))); err != nil {
		t.Fatal(err)
	}
	// pip of the driver's virtualenv installs into the user's (--python);
	// the project's backend is in its tree, so nothing comes from an index.
	pip := exec.Command(filepath.Join(venv, "bin", "python"), "-m", "pip", "--python", filepath.Join(userVenv, "bin", "python"),
		"install", "--disable-pip-version-check", "--no-input", "--no-deps", "-e", proj)
	if out, err := pip.CombinedOutput(); err != nil {
		t.Fatalf("pip install -e %s: %v\n%s", proj, err, out)
	}

	inputs := []string{"--from-venv", userVenv, "--python-path", py, "--format", "zip", "--to", c.URL("/flow")}
	upload := func(name string) uploadManifest {
		t.Helper()
		manifest := filepath.Join(t.TempDir(), name+".json")
		run(t, nil, append(append([]string{"upload"}, inputs...), "--manifest", manifest)...)
		var m uploadManifest
		readJSON(t, manifest, &m)
		if len(m.Code) != 1 || !strings.HasPrefix(m.Code[0].URL, c.URL("/flow/")) {
			t.Fatalf("%s: the upload shipped code %+v, want the project's code zip in hdfs://%s/flow", name, m.Code, c.Addr)
		}
		return m
	}
	job := func(m uploadManifest, want string) {
		t.Helper()
		flags := run(t, nil, append(append([]string{"spark-args"}, inputs...), "--master", "yarn")...)
		t.Logf("spark-args printed: %s", strings.TrimSpace(flags))
		driver := filepath.Join(userVenv, "bin", "python")
		if !strings.Contains(flags, "spark.pyspark.driver.python="+driver) {
			t.Errorf("spark-args did not make the --from-venv python %s the driver's", driver)
		}
		if !strings.Contains(flags, "--py-files "+m.Code[0].URL) {
			t.Errorf("spark-args did not put the code zip %s on --py-files", m.Code[0].URL)
		}
		var r flowResult
		submitJob(t, "flow_job.py", venv, strings.TrimSpace(flags)+" "+yarnFlags(venv, "client"), &r, yarnEnv(t, venv, c)...)
		zipName := path.Base(m.Code[0].URL)
		for _, e := range r.Executors {
			if e.Greeting != want {
				t.Errorf("an executor's code said %q, want %q", e.Greeting, want)
			}
			file := e.File
			if !filepath.IsAbs(file) {
				file = filepath.Join(e.Cwd, file) // PYTHONPATH has ./code-….zip
			}
			if !strings.HasPrefix(file, filepath.Join(e.Cwd, zipName)+string(filepath.Separator)) {
				t.Errorf("an executor imported the project from %s, not from the code zip %s in its container %s", e.File, zipName, e.Cwd)
			}
		}
		// The driver has the editable project, but spark-submit puts the
		// --py-files first on its sys.path too: either is this code.
		if len(r.Executors) == 0 || r.Driver.Greeting != want || r.Driver.Executable != driver ||
			!strings.HasPrefix(r.Driver.File, proj+string(filepath.Separator)) && !strings.Contains(r.Driver.File, "/"+zipName+"/") {
			t.Errorf("the job's result %+v, want %q from %s on the executors, and on the driver (%s) from it or the editable project %s", r, want, zipName, driver, proj)
		}
	}

	first := upload("first")
	if !first.Uploaded || !first.Code[0].Uploaded {
		t.Errorf("the first upload did not send both the environment (%v) and the code (%v)", first.Uploaded, first.Code[0].Uploaded)
	}
	job(first, "v1")

	src := filepath.Join(proj, "flowproj", "__init__.py")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), `GREETING = "v1"`, `GREETING = "v2"`, 1)
	if changed == string(b) {
		t.Fatalf("%s has no GREETING line to change", src)
	}
	if err := os.WriteFile(src, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	second := upload("second")
	if second.Uploaded || second.URL != first.URL {
		t.Errorf("the code change sent the environment again: %s uploaded=%v (before: %s)", second.URL, second.Uploaded, first.URL)
	}
	if !second.Code[0].Uploaded || second.Code[0].URL == first.Code[0].URL {
		t.Errorf("the code change did not send a new code zip: %s uploaded=%v (before: %s)", second.Code[0].URL, second.Code[0].Uploaded, first.Code[0].URL)
	}
	job(second, "v2")
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}
