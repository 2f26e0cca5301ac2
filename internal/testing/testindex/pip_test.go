package testindex

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// runPip runs python -m pip isolated from the user's configuration.
func runPip(t *testing.T, python string, args ...string) string {
	t.Helper()
	cmd := exec.Command(python, append([]string{"-m", "pip", "--isolated", "--disable-pip-version-check", "--no-cache-dir", "--no-input", "--retries", "0", "--timeout", "20"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "PIP_CONFIG_FILE=/dev/null", "PIP_ROOT_USER_ACTION=ignore"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pip %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// TestRealPip proves with the reference pip that the index works: pip
// downloads a wheel (checking its hash and the PEP 658 metadata), installs
// it and an sdist built by the in-tree backend, and the code imports.
func TestRealPip(t *testing.T) {
	python := pyref.Default(t).Python
	whl := Wheel(WheelSpec{
		Name: "CP.Demo", Version: "1.0", RequiresPython: ">=3.7",
		Files:       map[string]string{"cp_demo/__init__.py": "VALUE = 'wheel'\n"},
		EntryPoints: map[string]map[string]string{"console_scripts": {"cp-demo": "cp_demo:main"}},
	})
	yanked := Wheel(WheelSpec{Name: "CP.Demo", Version: "2.0", Files: map[string]string{"cp_demo/__init__.py": "VALUE = 'yanked'\n"}})
	yanked.Yanked, yanked.YankedReason = true, "do not use"
	sdist := Sdist(SdistSpec{Name: "cp-source", Version: "0.3", Files: map[string]string{"cp_source.py": "VALUE = 'sdist'\n"}})
	projects := []Project{{Name: "CP.Demo", Files: []File{whl, yanked}}, {Name: "cp-source", Files: []File{sdist}}}

	for _, opts := range []Options{{}, {Format: FormatHTML, NoMetadata: true, NoRanges: true}, {Username: "u", Password: "p@ss"}} {
		s := Start(t, projects, opts)
		index := s.IndexURL()
		if opts.Username != "" {
			index = s.IndexURLWithCredentials()
		}
		dl := t.TempDir()
		runPip(t, python, "download", "--no-deps", "--index-url", index, "-d", dl, "cp-demo==1.0")
		got, err := os.ReadFile(filepath.Join(dl, whl.Filename))
		if err != nil || !bytes.Equal(got, whl.Content) {
			t.Fatalf("downloaded wheel differs or is missing: %v", err)
		}
		if s.Requests("/simple/cp-demo/") == 0 {
			t.Error("pip did not ask for the project page")
		}
		if meta := s.Requests("/files/" + whl.Filename + ".metadata"); (meta > 0) == opts.NoMetadata {
			t.Errorf("pip asked %d times for the PEP 658 metadata with NoMetadata %v", meta, opts.NoMetadata)
		}

		target := t.TempDir()
		// Without a version, pip must skip the yanked 2.0.
		runPip(t, python, "install", "--no-deps", "--index-url", index, "--target", target, "cp-demo", "cp-source")
		cmd := exec.Command(python, "-I", "-c", "import sys; sys.path.insert(0, sys.argv[1]); import cp_demo, cp_source; print(cp_demo.VALUE, cp_source.VALUE)", target)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "wheel sdist" {
			t.Errorf("import after install: %v\n%s", err, out)
		}
		if s.Requests("/files/"+yanked.Filename) != 0 {
			t.Error("pip downloaded the yanked wheel")
		}
	}
}
