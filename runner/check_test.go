package runner

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/devcache"
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
