package jobtest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSparkLocalOldGlibc runs the talk's job on local[2] with an
// environment locked for a CentOS 7-era cluster (Python 3.11 on
// manylinux_2_17_x86_64) from pypi.org, as of a fixed date: the newest
// numpy has no wheel for glibc 2.17, so the lock takes the newest that
// has one and says so, and the job runs on it, venv and pex.
func TestSparkLocalOldGlibc(t *testing.T) {
	heavy(t)
	venv := sparkVenvDir(t)
	dir := t.TempDir()
	store := t.TempDir()
	cache := t.TempDir()
	lockFile := filepath.Join(dir, "pylock.toml")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, clusterpack(t), append([]string{"lock", "numpy", "--python", "3.11", "--platform", "manylinux_2_17_x86_64",
		"--exclude-newer", "2026-11-15", "-o", lockFile}, shipped...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "pypi.org") {
			unavailable(t, "locking from pypi.org: %v\n%s", err, stderr.String())
		}
		t.Fatalf("lock: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`numpy: (\S+) has no wheel for manylinux_2_17_x86_64; locked (\S+), the newest with one`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("the lock does not say numpy fell back to a version with a wheel:\n%s", stderr.String())
	}
	t.Logf("numpy %s has no wheel for glibc 2.17: locked %s", m[1], m[2])
	for _, format := range []string{"zip", "pex"} {
		t.Run(format, func(t *testing.T) {
			manifest := filepath.Join(t.TempDir(), "upload.json")
			args := []string{"upload", "--lock", lockFile, "--format", format, "--to", store, "--manifest", manifest}
			if format != "pex" {
				args = append(args, "--python-path", python311(t))
			}
			run(t, nil, args...)
			data, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), `"manylinux_2_17_x86_64"`) {
				t.Errorf("the upload manifest does not name the target:\n%s", data)
			}
			flags := run(t, []string{"CLUSTERPACK_CACHE_DIR=" + cache}, "spark-args", "--manifest", manifest, "--master", "local[2]", "--driver-python", filepath.Join(venv, "bin", "python"))
			rows := submit(t, venv, flags)
			checkMeans(t, rows)
			checkLocal(t, rows, format, cache)
		})
	}
}
