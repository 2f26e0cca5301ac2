package lockfile

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// buildWheel writes a minimal pure-Python wheel into dir and returns its
// file name and sha256.
func buildWheel(t *testing.T, dir, name, version string) (string, string) {
	t.Helper()
	dist := name + "-" + version + ".dist-info"
	files := [][2]string{
		{name + "/__init__.py", "VERSION = " + fmt.Sprintf("%q", version) + "\n"},
		{dist + "/METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"},
		{dist + "/WHEEL", "Wheel-Version: 1.0\nGenerator: clusterpack-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
		sum := sha256.Sum256([]byte(f[1]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(f[1]))
	}
	record.WriteString(dist + "/RECORD,,\n")
	w, err := zw.Create(dist + "/RECORD")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(record.String()))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	file := name + "-" + version + "-py3-none-any.whl"
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return file, hex.EncodeToString(sum[:])
}

// pip install --require-hashes accepts the export, and refuses it when a
// hash is wrong.
func TestPipAcceptsRequirements(t *testing.T) {
	py := pyref.Default(t).Python
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err != nil {
		t.Skipf("no pip in %s: %v", py, err)
	}
	dir := t.TempDir()
	wheels := filepath.Join(dir, "wheels")
	if err := os.Mkdir(wheels, 0o755); err != nil {
		t.Fatal(err)
	}
	alphaFile, alphaSum := buildWheel(t, wheels, "alpha", "1.0")
	betaFile, betaSum := buildWheel(t, dir, "beta", "2.0")
	l := &Lock{
		LockVersion: "1.0", CreatedBy: "clusterpack",
		Packages: []Package{
			{Name: "alpha", Version: "1.0", Wheels: []Wheel{
				{Path: "wheels/" + alphaFile, Hashes: map[string]string{"sha256": alphaSum}},
				{Path: "wheels/alpha-1.0-cp39-cp39-win32.whl", Hashes: sha("never used")},
			}},
			{Name: "beta", Version: "2.0", Archive: &Archive{URL: "file://" + filepath.ToSlash(filepath.Join(dir, betaFile)), Hashes: map[string]string{"sha256": betaSum}}},
			{Name: "gamma", Marker: `sys_platform == "nonexistent"`, Version: "3.0", Wheels: []Wheel{{Path: "gamma-3.0-py3-none-any.whl", Hashes: sha("gamma")}}},
			{Name: "local-code", Directory: &Directory{Path: "src", Editable: true}},
		},
	}
	install := func(l *Lock) (string, error) {
		var req bytes.Buffer
		if err := l.WriteRequirements(&req, RequirementsOptions{HashedOnly: true}); err != nil {
			t.Fatal(err)
		}
		reqFile := filepath.Join(dir, "requirements.txt")
		if err := os.WriteFile(reqFile, req.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		target := t.TempDir()
		cmd := exec.Command(py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
			"--find-links", wheels, "--require-hashes", "--no-deps", "--target", target, "-r", reqFile)
		cmd.Env = append(os.Environ(), "PIP_CONFIG_FILE="+os.DevNull)
		out, err := cmd.CombinedOutput()
		if err == nil {
			for _, mod := range []string{"alpha", "beta"} {
				if _, err := os.Stat(filepath.Join(target, mod, "__init__.py")); err != nil {
					t.Errorf("pip did not install %s: %v", mod, err)
				}
			}
		}
		return req.String() + "\n" + string(out), err
	}
	if out, err := install(l); err != nil {
		t.Fatalf("pip refused the export: %v\n%s", err, out)
	}
	l.Packages[0].Wheels[0].Hashes["sha256"] = digest("tampered")
	if out, err := install(l); err == nil || !strings.Contains(out, "HASH") {
		t.Errorf("pip accepted a wrong hash (%v):\n%s", err, out)
	}
}
