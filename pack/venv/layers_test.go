package venv

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

var update = flag.Bool("update", false, "rewrite golden files")

// layerWheels builds a distribution for a layer (a console script, a
// .pth file of its own, a data file) and one for the base.
func layerWheels(t testing.TB, dir string) (big, small string) {
	t.Helper()
	big = buildWheel(t, dir, testindex.WheelSpec{
		Name: "big", Version: "1.0",
		Files: map[string]string{
			"big/__init__.py":         "V = 'big'\ndef main():\n    import small\n    print('big-cli', V, small.S)\n",
			"big_extra.pth":           "big_extra_dir\n",
			"big_extra_dir/hooked.py": "H = 'hooked'\n",
		},
		EntryPoints: map[string]map[string]string{"console_scripts": {"big-cli": "big:main"}},
		Data: map[string]map[string]string{
			"data":    {"share/big/readme.txt": "big data\n"},
			"scripts": {"big-script": "#!python\nimport big\nprint('script', big.V)\n"},
		},
	})
	small = buildWheel(t, dir, testindex.WheelSpec{Name: "small", Version: "2.0", Files: map[string]string{"small.py": "S = 'small'\n"}})
	return big, small
}

// archiveNames lists an archive's entries with their modes.
func archiveNames(t testing.TB, path string) []string {
	t.Helper()
	var out []string
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			out = append(out, fmt.Sprintf("%v %s", f.Mode(), f.Name))
		}
		return out
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%v %s", h.FileInfo().Mode(), strings.TrimSuffix(h.Name, "/")))
	}
}

func writeLayerFile(t testing.TB, path string, wheels []string, opts LayerOptions) *Result {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := WriteLayer(context.Background(), f, wheels, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	return res
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, got)
	}
}

// TestLayerLayout pins what goes into a layer and its base: the layer
// has site-packages and data, no bin/; the base has every script, the
// .pth and the module that loads the layers, and none of the layer's
// modules. The layer module's text is a golden file too.
func TestLayerLayout(t *testing.T) {
	dir := t.TempDir()
	big, small := layerWheels(t, dir)
	for _, format := range []Format{Zip, TarGz} {
		t.Run(format.String(), func(t *testing.T) {
			layer := filepath.Join(dir, "layer-aaa."+format.String())
			res := writeLayerFile(t, layer, []string{big}, LayerOptions{Format: format, PythonVersion: [2]int{3, 11}})
			if len(res.Distributions) != 1 || res.Distributions[0].Name != "big" || res.Interpreter != "" {
				t.Fatalf("layer result %+v", res)
			}
			base, bres := writeArchive(t, t.TempDir(), []string{small}, Options{Format: format, PythonVersion: [2]int{3, 11}, Layers: []string{"layer-aaa"}, LayerWheels: []string{big}})
			if len(bres.Distributions) != 1 || bres.Distributions[0].Name != "small" || len(bres.LayerDistributions) != 1 || bres.LayerDistributions[0].Name != "big" {
				t.Fatalf("base result %+v", bres)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "# layer-aaa.%s\n%s\n# base\n", format, strings.Join(archiveNames(t, layer), "\n"))
			for _, n := range archiveNames(t, base) {
				if !strings.Contains(n, "site-packages/small") && !strings.Contains(n, "bin/python") && !strings.Contains(n, "bin/activate") && !strings.HasSuffix(n, "pyvenv.cfg") {
					fmt.Fprintf(&b, "%s\n", n)
				}
			}
			golden(t, "layers-"+format.String()+".txt", b.Bytes())
		})
	}
	golden(t, "_clusterpack_layers.py", layersModule([]string{"layer-aaa", "layer-bbb"}, "lib/python3.11/site-packages", Zip))
}

// TestLayersRun unpacks a base and its layers as siblings, as YARN
// links them into a container's directory (the base through a symbolic
// link to where it was unpacked, the layer a real directory; and all of
// them plain siblings, run from elsewhere), and runs the base's
// bin/python with every CPython: a layer's module imports, its console
// script and script run from the base's bin/, its own .pth file took
// effect. A missing layer costs one line on stderr and the rest imports;
// a layer already on sys.path is left alone.
func TestLayersRun(t *testing.T) {
	for _, py := range interpreters(t) {
		t.Run(py.Name(), func(t *testing.T) {
			t.Parallel()
			version := interpreterVersion(t, py.Python)
			xy := fmt.Sprintf("%d.%d", version[0], version[1])
			dir := t.TempDir()
			big, small := layerWheels(t, dir)
			for _, format := range []Format{Zip, TarGz} {
				ext := format.String()
				layer := filepath.Join(dir, "layer-aaa."+ext)
				writeLayerFile(t, layer, []string{big}, LayerOptions{Format: format, PythonVersion: version})
				base, _ := writeArchive(t, t.TempDir(), []string{small}, Options{Format: format, PythonVersion: version, Layers: []string{"layer-aaa"}, LayerWheels: []string{big}})
				env := basicEnv(filepath.Dir(py.Python)+":/usr/bin:/bin", t.TempDir())
				check := "import big, hooked, small; print(big.V, hooked.H, small.S)"

				// YARN: the container's directory links each alias to where
				// the archive was unpacked.
				store, work := t.TempDir(), t.TempDir()
				unpack(t, base, filepath.Join(store, "base"))
				unpack(t, layer, filepath.Join(work, "layer-aaa"))
				if err := os.Symlink(filepath.Join(store, "base"), filepath.Join(work, "environment")); err != nil {
					t.Fatal(err)
				}
				python := filepath.Join(work, "environment", "bin", "python")
				if got := run(t, work, env, python, "-c", check); strings.TrimSpace(got) != "big hooked small" {
					t.Errorf("%s: imports through the alias: %q", ext, got)
				}
				if got := run(t, work, env, filepath.Join(work, "environment", "bin", "big-cli")); strings.TrimSpace(got) != "big-cli big small" {
					t.Errorf("%s: the layer's console script: %q", ext, got)
				}
				if got := run(t, work, env, filepath.Join(work, "environment", "bin", "big-script")); strings.TrimSpace(got) != "script big" {
					t.Errorf("%s: the layer's script: %q", ext, got)
				}
				if _, err := os.Stat(filepath.Join(work, "layer-aaa", "share", "big", "readme.txt")); err != nil {
					t.Errorf("%s: the layer's data file: %v", ext, err)
				}

				// Plain siblings, run from another directory.
				sib := t.TempDir()
				unpack(t, base, filepath.Join(sib, "environment"))
				unpack(t, layer, filepath.Join(sib, "layer-aaa"))
				order := run(t, t.TempDir(), env, filepath.Join(sib, "environment", "bin", "python"), "-c",
					"import sys; print('\\n'.join(p for p in sys.path if p.endswith('site-packages') or p.endswith('big_extra_dir')))")
				want := strings.Join([]string{
					filepath.Join(realDir(t, sib), "environment", "lib", "python"+xy, "site-packages"),
					filepath.Join(realDir(t, sib), "layer-aaa", "lib", "python"+xy, "site-packages"),
					filepath.Join(realDir(t, sib), "layer-aaa", "lib", "python"+xy, "site-packages", "big_extra_dir"),
				}, "\n")
				if strings.TrimSpace(order) != want {
					t.Errorf("%s: sys.path\n%s\nwant\n%s", ext, order, want)
				}

				// The layer is missing: one line, the rest imports.
				alone := t.TempDir()
				unpack(t, base, filepath.Join(alone, "environment"))
				cmd := exec.Command(filepath.Join(alone, "environment", "bin", "python"), "-c", "import small; print(small.S)")
				cmd.Dir, cmd.Env = t.TempDir(), env
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				msg := stderr.String()
				if err != nil || string(out) != "small\n" || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "layer layer-aaa ") ||
					!strings.Contains(msg, "--archives <URL of layer-aaa."+ext+">#layer-aaa") || !strings.Contains(msg, filepath.Join(realDir(t, alone), "environment")) {
					t.Errorf("%s: missing layer: %v\nstdout: %s\nstderr: %s", ext, err, out, msg)
				}

				// Already on sys.path (the runner puts layers there): no
				// message, nothing added twice.
				pp := filepath.Join(work, "layer-aaa", "lib", "python"+xy, "site-packages")
				got := run(t, t.TempDir(), append(env, "PYTHONPATH="+pp), filepath.Join(alone, "environment", "bin", "python"), "-c",
					"import sys, big; print(sum(1 for p in sys.path if p.endswith('layer-aaa/lib/python"+xy+"/site-packages')))")
				if strings.TrimSpace(got) != "1" {
					t.Errorf("%s: a layer on PYTHONPATH: %q", ext, got)
				}
			}
		})
	}
}

// TestLayerReproducible: the same wheels give the same layer bytes
// whatever the order, parallelism and machine state; the base too.
func TestLayerReproducible(t *testing.T) {
	for _, format := range []Format{Zip, TarGz} {
		var sums []string
		for _, par := range []int{1, 3} {
			dir := t.TempDir()
			big, small := layerWheels(t, dir)
			res := writeLayerFile(t, filepath.Join(dir, "l"), []string{big}, LayerOptions{Format: format, PythonVersion: [2]int{3, 11}, Parallelism: par})
			_, bres := writeArchive(t, dir, []string{small}, Options{Format: format, PythonVersion: [2]int{3, 11}, Parallelism: par, Layers: []string{"layer-a", "layer-b"}, LayerWheels: []string{big}})
			sums = append(sums, res.SHA256+" "+bres.SHA256)
		}
		if sums[0] != sums[1] {
			t.Errorf("%s: two builds differ: %s and %s", format, sums[0], sums[1])
		}
	}
}

// TestLayerErrors: bad layer names and a wheel given twice are refused;
// a layer's script named like the launcher is a conflict in the base.
func TestLayerErrors(t *testing.T) {
	dir := t.TempDir()
	big, small := layerWheels(t, dir)
	for _, layers := range [][]string{{"../x"}, {"a b"}, {"x", "x"}, {"x'y"}} {
		_, err := Write(context.Background(), io.Discard, []string{small}, Options{PythonVersion: [2]int{3, 11}, Layers: layers})
		if err == nil {
			t.Errorf("layers %q: no error", layers)
		}
	}
	if _, err := Write(context.Background(), io.Discard, []string{small, big}, Options{PythonVersion: [2]int{3, 11}, Layers: []string{"l"}, LayerWheels: []string{big}}); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("a wheel in the base and a layer: %v", err)
	}
	clash := buildWheel(t, dir, testindex.WheelSpec{Name: "clash", Version: "1.0", Files: map[string]string{"clash.py": ""},
		EntryPoints: map[string]map[string]string{"console_scripts": {"python": "clash:main"}}})
	if _, err := Write(context.Background(), io.Discard, []string{small}, Options{PythonVersion: [2]int{3, 11}, Layers: []string{"l"}, LayerWheels: []string{clash}}); !errors.Is(err, ErrConflict) {
		t.Errorf("a layer's script named python: %v", err)
	}
	// A module in a layer and in the base (or in two layers) is a
	// conflict, as in one environment; the same bytes at one path are not.
	twin := buildWheel(t, dir, testindex.WheelSpec{Name: "twin", Version: "1.0", Files: map[string]string{"small.py": "S = 'other'\n"}})
	same := buildWheel(t, dir, testindex.WheelSpec{Name: "same", Version: "1.0", Files: map[string]string{"small.py": "S = 'small'\n"}})
	for _, tc := range []struct {
		base, layers []string
		conflict     bool
	}{
		{[]string{small}, []string{twin}, true},
		{nil, []string{small, twin}, true},
		{[]string{small}, []string{same}, false},
		{[]string{big}, []string{small, same}, false},
	} {
		_, err := Write(context.Background(), io.Discard, tc.base, Options{PythonVersion: [2]int{3, 11}, Layers: []string{"l"}, LayerWheels: tc.layers})
		if errors.Is(err, ErrConflict) != tc.conflict {
			t.Errorf("base %v, layers %v: %v", tc.base, tc.layers, err)
		}
	}
}

func errorsIsConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrConflict.Error())
}
