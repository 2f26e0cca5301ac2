package wheel

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// diffSpecs are the wheels installed by both pip and Install.
var diffSpecs = []testindex.WheelSpec{
	{
		Name: "Diff_Pkg", Version: "1.2.0",
		Files: map[string]string{
			"diff_pkg/__init__.py": "import sys\ndef main():\n    print('diff', sys.argv[1:])\n    return 3\nclass App:\n    @staticmethod\n    def run():\n        print('app')\n",
			"diff_pkg/sub/mod.py":  "",
			"diff_pkg/données.txt": "unicode name\n",
			"diff_single.py":       "",
		},
		EntryPoints: map[string]map[string]string{
			"console_scripts": {"diff-cli": "diff_pkg:main [extra]", "diff-app": "diff_pkg:App.run"},
			"gui_scripts":     {"diff-gui": "diff_pkg:main"},
		},
		Data: map[string]map[string]string{
			"scripts": {"diff-script": "#!python\nimport sys\nprint('script', sys.argv[1:])\n", "diff-w": "#!pythonw -E\nprint('w')\n", "diff-sh": "#!/bin/sh\necho sh\n"},
			"data":    {"share/diff/readme.txt": "data\n"},
			"headers": {"diff.h": "int diff;\n"},
			"purelib": {"diff_pure/__init__.py": ""},
			"platlib": {"diff_plat.py": ""},
		},
	},
	{
		Name: "native", Version: "0.3", Tag: "cp311-cp311-manylinux_2_28_x86_64",
		Files: map[string]string{"native/__init__.py": "", "native/_c.cpython-311-x86_64-linux-gnu.so": "\x7fELF\x02\x01\x01\x00"},
		Data:  map[string]map[string]string{"data": {"etc/native.cfg": "[native]\n"}},
	},
}

// TestAgainstPip installs the same wheels with pip 23.2.1 (--prefix, from
// the reference venv, whose headers scheme is the venv one) and with
// Install, and compares the trees file by file.
func TestAgainstPip(t *testing.T) {
	py := pyref.Default(t).Python
	for _, spec := range diffSpecs {
		t.Run(spec.Name, func(t *testing.T) {
			whl := buildWheel(t, spec)
			pipDir := filepath.Join(t.TempDir(), "pip")
			pipInstall(t, py, whl, pipDir)
			pipTree := readTree(t, pipDir)

			distInfo := ""
			for p := range pipTree {
				if strings.HasSuffix(p, ".dist-info/INSTALLER") {
					distInfo = strings.TrimSuffix(p, "INSTALLER")
				}
			}
			directURL := []byte(pipTree[distInfo+"direct_url.json"].content)
			ourDir := filepath.Join(t.TempDir(), "ours")
			in, err := InstallDir(context.Background(), whl, ourDir, Options{Scheme: venv311, Shebang: py, Requested: true, DirectURL: directURL})
			if err != nil {
				t.Fatal(err)
			}
			ourTree := readTree(t, ourDir)
			if !reflect.DeepEqual(sortedKeys(ourTree), sortedKeys(pipTree)) {
				t.Fatalf("installed files differ\nours %q\npip  %q", sortedKeys(ourTree), sortedKeys(pipTree))
			}
			for p, ours := range ourTree {
				pip := pipTree[p]
				switch p {
				case distInfo + "INSTALLER":
					if ours.content != "clusterpack\n" || pip.content != "pip\n" {
						t.Errorf("INSTALLER: ours %q, pip %q", ours.content, pip.content)
					}
					continue
				case distInfo + "RECORD":
					continue
				}
				if ours.content != pip.content {
					t.Errorf("%s differs\nours %q\npip  %q", p, ours.content, pip.content)
				}
				if ours.mode != pip.mode {
					t.Errorf("%s: mode %v, pip %v", p, ours.mode, pip.mode)
				}
			}
			ourRows := recordRows(t, ourTree[distInfo+"RECORD"].content, distInfo+"INSTALLER")
			pipRows := recordRows(t, pipTree[distInfo+"RECORD"].content, distInfo+"INSTALLER")
			if !reflect.DeepEqual(ourRows, pipRows) {
				t.Errorf("RECORD rows differ (INSTALLER aside)\nours %q\npip  %q", ourRows, pipRows)
			}
			if len(in.Scripts) > 0 {
				compareLaunchers(t, py, whl, in, pipDir)
			}
		})
	}
}

// pipInstall installs whl into prefix with the reference pip.
func pipInstall(t testing.TB, py, whl, prefix string) {
	t.Helper()
	cmd := exec.Command(py, "-m", "pip", "install", "--isolated", "--no-deps", "--no-compile", "--no-index",
		"--disable-pip-version-check", "-q", "--prefix", prefix, whl)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
}

// recordRows parses a RECORD, sorted, without the row of skip (as
// "path,hash,size" strings relative to site-packages).
func recordRows(t *testing.T, record, skip string) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(record)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if !strings.HasSuffix(skip, r[0]) {
			out = append(out, strings.Join(r, ","))
		}
	}
	sort.Strings(out)
	return out
}

// compareLaunchers runs each script twice: as pip installed it (absolute
// shebang) and as Install writes it by default (the relocatable
// trampoline), through a symbolic link from another directory so that
// the trampoline must resolve it to find bin/python, and compares output
// and exit status.
func compareLaunchers(t *testing.T, py, whl string, in *Installed, pipDir string) {
	t.Helper()
	env := filepath.Join(t.TempDir(), "relocatable")
	if _, err := InstallDir(context.Background(), whl, env, Options{Scheme: venv311}); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(py, filepath.Join(env, "bin", "python")); err != nil {
		t.Fatal(err)
	}
	links := t.TempDir()
	for _, script := range in.Scripts {
		link := filepath.Join(links, filepath.Base(script))
		if err := os.Symlink(filepath.Join(env, script), link); err != nil {
			t.Fatal(err)
		}
		pipOut, pipCode := runScript(t, filepath.Join(pipDir, script), filepath.Join(pipDir, venv311.Purelib))
		ourOut, ourCode := runScript(t, link, filepath.Join(env, venv311.Purelib))
		if ourOut != pipOut || ourCode != pipCode {
			t.Errorf("%s: ours printed %q, exit %d; pip's printed %q, exit %d", script, ourOut, ourCode, pipOut, pipCode)
		}
		if pipOut == "" {
			t.Errorf("%s printed nothing", script)
		}
	}
}

func runScript(t *testing.T, script, sitePackages string) (string, int) {
	t.Helper()
	cmd := exec.Command(script, "a b", "c")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+sitePackages)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", script, err)
	}
	return out.String(), code
}
