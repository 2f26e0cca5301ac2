package venv

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/pack/wheel"
)

// timing skips a test that only measures, unless CLUSTERPACK_VENV_TIMING=1.
func timing(t *testing.T) {
	if os.Getenv("CLUSTERPACK_VENV_TIMING") != "1" {
		t.Skip("timing only; set CLUSTERPACK_VENV_TIMING=1")
	}
}

// sample returns n bytes of text-like data: words from a small
// vocabulary, so it compresses about as source code does.
func sample(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"def ", "import ", "self", ".", "(", ")", ":\n    ", "return ", "x", "value", " = ", "0x", "\n", "#", "numpy", "array"}
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		if r.IntN(50) == 0 {
			fmt.Fprintf(&b, "%d", r.Uint32())
		}
	}
	return b.Bytes()[:n]
}

func pgzip(t testing.TB, data []byte, par int, chunk int) []byte {
	t.Helper()
	var out bytes.Buffer
	z := newParallelGzip(&out, par, flate.DefaultCompression)
	for len(data) > 0 {
		k := min(chunk, len(data))
		if _, err := z.Write(data[:k]); err != nil {
			t.Fatal(err)
		}
		data = data[k:]
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestParallelGzip round-trips sizes around the block boundaries through
// Go's and Python's gzip readers, and checks that the bytes do not depend
// on the parallelism or on how the input is cut into writes.
func TestParallelGzip(t *testing.T) {
	py := pyref.Default(t)
	sizes := []int{0, 1, 100, gzipDictSize - 1, gzipBlockSize - 1, gzipBlockSize, gzipBlockSize + 1, 3*gzipBlockSize + 12345}
	for _, n := range sizes {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := sample(n, uint64(n))
			ref := pgzip(t, data, 1, 1<<30)
			for _, v := range []struct{ par, chunk int }{{2, 1 << 30}, {4, 7777}, {8, 1}} {
				if v.chunk == 1 && n > 1<<16 {
					continue
				}
				if got := pgzip(t, data, v.par, v.chunk); !bytes.Equal(got, ref) {
					t.Fatalf("parallelism %d, writes of %d: different bytes", v.par, v.chunk)
				}
			}
			zr, err := gzip.NewReader(bytes.NewReader(ref))
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false)
			back, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(back, data) {
				t.Fatalf("Go reads %d bytes back (%v), want %d", len(back), err, len(data))
			}
			if rest, _ := io.ReadAll(bytes.NewReader(ref[len(ref)-8:])); len(rest) != 8 {
				t.Fatal("no trailer")
			}
			var sum string
			py.Run(t, `import base64, gzip, hashlib, json, sys, zlib
raw = base64.b64decode(json.load(sys.stdin))
data = gzip.decompress(raw)
# One member: a raw inflate of the deflate stream ends exactly before the trailer.
d = zlib.decompressobj(-15)
assert d.decompress(raw[10:]) == data and d.eof and len(d.unused_data) == 8
json.dump(hashlib.sha256(data).hexdigest(), sys.stdout)`, base64.StdEncoding.EncodeToString(ref), &sum)
			if want := fmt.Sprintf("%x", sha256.Sum256(data)); sum != want {
				t.Errorf("Python reads data hashing to %s, want %s", sum, want)
			}
		})
	}
}

// TestParallelGzipSpeed logs the speed-up of parallel compression over
// one goroutine, and over compress/gzip, on 8 MiB of text-like data.
func TestParallelGzipSpeed(t *testing.T) {
	timing(t)
	data := sample(8<<20, 7)
	timeIt := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	var std bytes.Buffer
	tStd := timeIt(func() {
		zw, _ := gzip.NewWriterLevel(&std, flate.DefaultCompression)
		zw.Write(data)
		zw.Close()
	})
	var out1, out2 []byte
	t1 := timeIt(func() { out1 = pgzip(t, data, 1, 1<<20) })
	t2 := timeIt(func() { out2 = pgzip(t, data, 2, 1<<20) })
	if !bytes.Equal(out1, out2) {
		t.Fatal("parallelism changed the bytes")
	}
	mbps := func(d time.Duration) float64 { return float64(len(data)) / 1e6 / d.Seconds() }
	t.Logf("8 MiB: compress/gzip %v (%.0f MB/s, %d bytes); parallel 1 %v (%.0f MB/s, %d bytes); parallel 2 %v (%.0f MB/s): speed-up %.2f×",
		tStd.Round(time.Millisecond), mbps(tStd), std.Len(), t1.Round(time.Millisecond), mbps(t1), len(out1), t2.Round(time.Millisecond), mbps(t2), t1.Seconds()/t2.Seconds())
}

// TestThroughput times environments of real wheels when the artifact
// cache holds some (numpy, pandas, pyarrow, ...), zip against tar.gz, and
// imports them with CPython 3.11.
func TestThroughput(t *testing.T) {
	timing(t)
	home, _ := os.UserHomeDir()
	wheels, _ := filepath.Glob(filepath.Join(home, ".cache", "clusterpack", "artifacts", "sha256", "*", "*", "*cp311*.whl"))
	pure, _ := filepath.Glob(filepath.Join(home, ".cache", "clusterpack", "artifacts", "sha256", "*", "*", "*py3-none-any.whl"))
	wheels = append(wheels, pure...)
	byName := map[string]string{} // one wheel per project, cp311 first
	var in int64
	for _, w := range wheels {
		project, _, _ := strings.Cut(filepath.Base(w), "-")
		if _, dup := byName[project]; dup {
			continue
		}
		byName[project] = w
		st, _ := os.Stat(w)
		in += st.Size()
	}
	if len(byName) < 3 {
		t.Skip("no real wheels in ~/.cache/clusterpack/artifacts")
	}
	wheels = wheels[:0]
	for _, w := range byName {
		wheels = append(wheels, w)
	}
	tmp := t.TempDir()
	for _, v := range []struct {
		format Format
		par    int
		verify wheel.Verification
	}{{Zip, 2, wheel.VerifySizes}, {Zip, 2, wheel.VerifyHashes}, {TarGz, 1, wheel.VerifySizes}, {TarGz, 2, wheel.VerifySizes}} {
		start := time.Now()
		archive, res := writeArchive(t, tmp, wheels, Options{Format: v.format, PythonVersion: [2]int{3, 11}, Parallelism: v.par, Verify: v.verify})
		d := time.Since(start)
		t.Logf("%d wheels, %.1f MB: %s (parallelism %d, verify %d) %.1f MB, %d files in %v: %.1f MB/s of wheels",
			len(wheels), float64(in)/1e6, v.format, v.par, v.verify, float64(res.Size)/1e6, res.Files, d.Round(time.Millisecond), float64(in)/1e6/d.Seconds())
		if v.format == Zip && v.verify == wheel.VerifySizes {
			root := filepath.Join(tmp, "env")
			unpack(t, archive, root)
			py := "/usr/bin/python3.11"
			if _, err := os.Stat(py); err != nil {
				continue
			}
			env := basicEnv("/usr/bin:/bin", tmp)
			mods := []string{}
			for _, m := range []string{"numpy", "pandas", "pyarrow", "scipy", "sklearn"} {
				for _, w := range wheels {
					if filepath.Base(w)[:min(len(m), len(filepath.Base(w)))] == m || (m == "sklearn" && filepath.Base(w)[:7] == "scikit_") {
						mods = append(mods, m)
						break
					}
				}
			}
			prog := "import sys\n"
			for _, m := range mods {
				prog += "import " + m + "\n"
			}
			prog += "print(sys.prefix)\n"
			if out := run(t, "/", env, filepath.Join(root, "bin", "python"), "-c", prog); out != realDir(t, root)+"\n" {
				t.Errorf("importing %v printed %q", mods, out)
			}
			t.Logf("imported %v from the unpacked zip with %s", mods, py)
		}
		os.Remove(archive)
	}
}
