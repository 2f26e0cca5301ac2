package runner

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
	"github.com/clusterpack/clusterpack/runner/internal/fakeso"
)

// TestCheckStaticRealVenvs runs the static check over the dev cache's real
// virtualenvs (internal/testing/clusterparts: pyspark with pandas, numpy
// and pyarrow; apache-flink with numpy, grpcio, ...; scripts/devenv.sh
// installs them): wheels from PyPI that import on this machine, so every
// extension module fits both the default target's policy and its own
// wheel's. numpy ships modules without a version table (no
// .gnu.version_r), which must pass. Skips when none is installed.
func TestCheckStaticRealVenvs(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the dev cache's virtualenvs are x86_64 Linux")
	}
	root, err := devcache.Path("jobtest")
	if err != nil {
		t.Skip(err)
	}
	venvs, _ := filepath.Glob(filepath.Join(root, "*-py3.*"))
	checked := 0
	for _, dir := range venvs {
		if !devcache.Complete(dir) {
			continue
		}
		env := &Env{Archive: dir, Dir: dir}
		if err := env.describe(); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		// "": held to the manylinux level each wheel claims.
		for _, platform := range []string{"manylinux_2_28_x86_64", ""} {
			env.Platform = platform
			r := &Report{Platform: platform}
			if err := checkStatic(env, r); err != nil {
				t.Fatalf("%s (%q): %v", dir, platform, err)
			}
			for _, f := range r.Static {
				if f.Kind == "elf" {
					t.Errorf("%s (%q): %s", filepath.Base(dir), platform, f.Message)
				} else {
					t.Logf("%s (%q): %s", filepath.Base(dir), platform, f.Message)
				}
			}
			if r.Extensions == 0 {
				t.Errorf("%s (%q): no extension module checked", dir, platform)
			}
			t.Logf("%s (%q): %d extension modules, %d distributions", filepath.Base(dir), platform, r.Extensions, len(env.Distributions))
		}
		checked++
	}
	if checked == 0 {
		t.Skipf("no finished virtualenv under %s (scripts/devenv.sh installs them)", root)
	}
}

// TestCheckSystemLibraryWarns: an extension module that needs a library
// of elfcheck.SystemLibraries (LightGBM's libgomp.so.1) is a warning in the
// report and its summary, and the check passes.
func TestCheckSystemLibraryWarns(t *testing.T) {
	dir := t.TempDir()
	so := fakeso.NeedsLibrary(t, t.TempDir(), "lib_lightgbm.so", "libgomp.so.1")
	data, err := os.ReadFile(so)
	if err != nil {
		t.Fatal(err)
	}
	whl := buildWheel(t, dir, testindex.WheelSpec{Name: "gbm", Version: "4.0", Tag: "py3-none-manylinux_2_28_x86_64",
		Files: map[string]string{"gbm/__init__.py": "", "gbm/lib/lib_gbm.so": string(data)}})
	env, err := OpenArchive(context.Background(), writeVenv(t, dir, [2]int{3, 11}, []string{whl}), OpenOptions{CacheDir: t.TempDir(), Platform: "manylinux_2_28_x86_64"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(context.Background(), env, CheckOptions{StaticOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	sum := rep.Summary()
	if !rep.OK() || len(rep.Warnings) != 1 || rep.Extensions != 1 {
		t.Fatalf("want OK with one warning:\n%s%+v", sum, rep)
	}
	if !strings.Contains(sum, "  WARN elf: gbm 4.0: gbm/lib/lib_gbm.so needs libgomp.so.1, GCC's OpenMP runtime") || !strings.Contains(sum, "OK: 1 extension modules fit") {
		t.Errorf("summary:\n%s", sum)
	}
}
