package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// TestCLIPreferBinary: for a --platform target the lock takes the newest
// version with a wheel for it over a newer sdist, says so on stderr with
// the flag that undoes it, and records it; --no-prefer-binary takes the
// newest; the two flags together are a usage error; every command that
// locks has them.
func TestCLIPreferBinary(t *testing.T) {
	c := newCLI(t)
	idx := testindex.Start(t, []testindex.Project{{Name: "num", Files: []testindex.File{
		testindex.Wheel(testindex.WheelSpec{Name: "num", Version: "1.5", Tag: "cp311-cp311-manylinux_2_17_x86_64"}),
		testindex.Sdist(testindex.SdistSpec{Name: "num", Version: "2.0"}),
	}}}, testindex.Options{})
	lock := func(args ...string) []string {
		return append([]string{"lock", "num", "--index-url", idx.IndexURL(), "--python", "3.11", "--platform", "manylinux_2_17_x86_64", "-o", "pylock.toml"}, args...)
	}
	read := func() string {
		data, err := os.ReadFile(filepath.Join(c.dir, "pylock.toml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	_, errOut, code := c.run(lock()...)
	if code != 0 {
		t.Fatalf("lock: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{
		"num: 2.0 has no wheel for manylinux_2_17_x86_64; locked 1.5, the newest with one\n",
		"--no-prefer-binary",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if lk := read(); !strings.Contains(lk, `version = "1.5"`) || !strings.Contains(lk, "prefer-binary = true") {
		t.Errorf("the lock:\n%s", lk)
	}

	_, errOut, code = c.run(lock("--no-prefer-binary", "--upgrade")...)
	if code != 0 {
		t.Fatalf("lock --no-prefer-binary: exit %d\n%s", code, errOut)
	}
	if lk := read(); !strings.Contains(lk, `version = "2.0"`) || strings.Contains(lk, "prefer-binary") || strings.Contains(errOut, "no wheel") {
		t.Errorf("--no-prefer-binary: stderr %q, lock:\n%s", errOut, lk)
	}

	_, errOut, code = c.run(lock("--prefer-binary", "--no-prefer-binary")...)
	if code != 2 || !strings.Contains(errOut, "--prefer-binary or --no-prefer-binary") {
		t.Errorf("both flags: exit %d, stderr %q", code, errOut)
	}

	for _, cmd := range []string{"lock", "build", "upload", "spark-args", "flink-args"} {
		out := c.ok(cmd, "--help")
		if !strings.Contains(out, "--prefer-binary") || !strings.Contains(out, "--no-prefer-binary") {
			t.Errorf("%s --help lacks the prefer-binary flags", cmd)
		}
	}
}

// TestCLIForeignWheelHint: building, for a --platform target, an sdist
// that gives a host-tagged wheel fails with the library's ways out and
// the flags that take the second one.
func TestCLIForeignWheelHint(t *testing.T) {
	pyref.Default(t) // the sdist is built with the machine's CPython 3.11
	c := newCLI(t)
	idx := testindex.Start(t, []testindex.Project{{Name: "hostext", Files: []testindex.File{testindex.Sdist(testindex.SdistSpec{
		Name: "hostext", Version: "1.0",
		// What a compiled package built on a Linux host gets.
		WheelTag: "cp311-cp311-linux_x86_64",
		Files:    map[string]string{"hostext/__init__.py": "COMPILED = True\n"},
	})}}}, testindex.Options{})
	out, errOut, code := c.run("build", "hostext", "--index-url", idx.IndexURL(), "--python", "3.11", "--platform", "manylinux_2_17_x86_64", "-o", "dist")
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	for _, want := range []string{"package hostext", "tagged cp311-cp311-linux_x86_64", "pin a version of hostext", "(there, give --python its interpreter and no --platform)"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
