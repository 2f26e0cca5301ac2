package wheel

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// bigSpec is a wheel of about 2,000 files of a few KiB each, like a
// medium-sized library.
func bigSpec() testindex.WheelSpec {
	files := map[string]string{}
	for i := range 2000 {
		body := strings.Repeat(fmt.Sprintf("def f%d(x):\n    return x * %d\n", i, i), 40+i%80)
		files[fmt.Sprintf("big/sub%02d/mod%04d.py", i%40, i)] = body
	}
	return testindex.WheelSpec{Name: "big", Version: "1.0", Files: files,
		EntryPoints: map[string]map[string]string{"console_scripts": {"big": "big:main"}}}
}

func BenchmarkInstallDir(b *testing.B) {
	whl := buildWheel(b, bigSpec())
	parent := b.TempDir()
	b.ResetTimer()
	for i := range b.N {
		if _, err := InstallDir(context.Background(), whl, filepath.Join(parent, fmt.Sprint(i)), Options{Scheme: venv311}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInstallZip(b *testing.B) {
	whl := buildWheel(b, bigSpec())
	for _, verify := range []Verification{VerifyHashes, VerifySizes} {
		b.Run(fmt.Sprint("verify=", verify), func(b *testing.B) {
			for range b.N {
				zw := zip.NewWriter(io.Discard)
				if _, err := Install(context.Background(), whl, ZipDestination(zw, ""), Options{Scheme: venv311, Verify: verify}); err != nil {
					b.Fatal(err)
				}
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSpeedAgainstPip logs how long pip and Install take on the same
// 2,000-file wheel. It asserts nothing: timings on a shared machine vary.
func TestSpeedAgainstPip(t *testing.T) {
	if testing.Short() {
		t.Skip("timing comparison")
	}
	py := pyref.Default(t).Python
	whl := buildWheel(t, bigSpec())
	start := time.Now()
	pipInstall(t, py, whl, filepath.Join(t.TempDir(), "pip"))
	pipTime := time.Since(start)
	start = time.Now()
	if _, err := InstallDir(context.Background(), whl, filepath.Join(t.TempDir(), "ours"), Options{Scheme: venv311}); err != nil {
		t.Fatal(err)
	}
	ourTime := time.Since(start)
	t.Logf("2,000-file wheel: pip install --no-deps --no-compile --prefix %v, InstallDir %v (%.0fx)", pipTime, ourTime, float64(pipTime)/float64(ourTime))
}
