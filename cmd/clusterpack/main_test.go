package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// run executes the root command in-process, as the binary would.
func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestVersionJSON(t *testing.T) {
	out, _, err := run(t, "version", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("version --json printed %q: %v", out, err)
	}
	for _, k := range []string{"version", "go_version", "platform"} {
		if v[k] == "" {
			t.Errorf("version --json lacks %q: %v", k, v)
		}
	}
}

func TestTargetSyntheticJSON(t *testing.T) {
	t.Setenv("CLUSTERPACK_CACHE_DIR", t.TempDir())
	out, _, err := run(t, "target", "--python", "3.11", "--platform", "manylinux_2_28_x86_64", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		PythonVersion     string            `json:"python_version"`
		PythonFullVersion string            `json:"python_full_version"`
		Markers           map[string]string `json:"markers"`
		Tags              []string          `json:"tags"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("target --json printed %q: %v", out, err)
	}
	if got.PythonVersion != "3.11" || got.PythonFullVersion != "3.11.0" {
		t.Errorf("versions = %q, %q", got.PythonVersion, got.PythonFullVersion)
	}
	if got.Markers["sys_platform"] != "linux" || got.Markers["platform_machine"] != "x86_64" {
		t.Errorf("markers = %v", got.Markers)
	}
	want := map[string]bool{"cp311-cp311-manylinux_2_28_x86_64": false, "cp311-abi3-manylinux_2_17_x86_64": false, "py3-none-any": false}
	for _, tg := range got.Tags {
		if _, ok := want[tg]; ok {
			want[tg] = true
		}
		if strings.Contains(tg, "manylinux_2_29") {
			t.Errorf("tag %s is newer than the target's glibc 2.28", tg)
		}
		if strings.HasSuffix(tg, "-linux_x86_64") {
			t.Errorf("tag %s: a declared manylinux target takes no linux_x86_64 wheel", tg)
		}
	}
	if len(got.Tags) == 0 || got.Tags[0] != "cp311-cp311-manylinux_2_28_x86_64" {
		t.Errorf("first tag = %v, want cp311-cp311-manylinux_2_28_x86_64", got.Tags[:min(1, len(got.Tags))])
	}
	for tg, seen := range want {
		if !seen {
			t.Errorf("tags lack %s", tg)
		}
	}
	if got.Tags[len(got.Tags)-1] != "py30-none-any" {
		t.Errorf("last tag = %s, want py30-none-any", got.Tags[len(got.Tags)-1])
	}
}

func TestTargetHumanOutput(t *testing.T) {
	t.Setenv("CLUSTERPACK_CACHE_DIR", t.TempDir())
	out, _, err := run(t, "target", "--python", "3.12", "--platform", "macosx_11_0_arm64")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Python 3.12 (3.12.0)", "synthetic target", `sys_platform = "darwin"`, "cp312-cp312-macosx_11_0_arm64"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	_, _, err := run(t, "target", "--no-such-flag")
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("unknown flag gave %v, want a usage error", err)
	}
	_, _, err = run(t, "version", "extra")
	if !errors.As(err, &ue) {
		t.Fatalf("extra argument gave %v, want a usage error", err)
	}
	_, _, err = run(t, "target", "--python", "3.99", "--platform", "manylinux_2_28_x86_64")
	if err == nil || !isUsage(err) || !strings.Contains(err.Error(), "no CPython 3.99") {
		t.Fatalf("an unknown CPython gave %v, want a usage error", err)
	}
	_, _, err = run(t, "target", "--python", "3.11", "--platform", "solaris_sparc")
	if err == nil || !strings.Contains(err.Error(), "solaris_sparc") {
		t.Fatalf("bad platform gave %v", err)
	}
}
