package lockfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// digest is a stable, valid sha256 hex digest for a label.
func digest(label string) string {
	sum := sha256.Sum256([]byte(label))
	return hex.EncodeToString(sum[:])
}

func sha(label string) map[string]string { return map[string]string{"sha256": digest(label)} }

const files = "https://files.pythonhosted.org/packages"

// typicalLock is a resolution as clusterpack makes it: wheels for several
// platforms, an sdist-only package, an editable directory, an archive URL,
// a VCS checkout, markers, dependencies, attestations and tool data. The
// packages are deliberately out of order.
func typicalLock(t testing.TB) *Lock {
	t.Helper()
	up := time.Date(2025, 2, 13, 16, 51, 21, 821880000, time.UTC)
	l := &Lock{
		LockVersion:      "1.0",
		Environments:     []string{`sys_platform == "linux" and platform_machine == "x86_64"`},
		RequiresPython:   ">=3.11",
		Extras:           []string{},
		DependencyGroups: []string{},
		DefaultGroups:    []string{},
		CreatedBy:        "clusterpack",
		Packages: []Package{
			{
				Name: "pyspark", Version: "3.5.1", RequiresPython: ">=3.8",
				Dependencies: []map[string]any{{"name": "py4j"}},
				Index:        "https://pypi.org/simple/",
				Sdist: &Sdist{
					Name: "pyspark-3.5.1.tar.gz", URL: files + "/aa/pyspark-3.5.1.tar.gz",
					UploadTime: up, Size: 317_423_814, Hashes: sha("pyspark"),
				},
			},
			{
				Name: "numpy", Version: "2.2.3", RequiresPython: ">=3.10",
				Index: "https://pypi.org/simple/",
				Wheels: []Wheel{
					{Name: "numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", URL: files + "/39/numpy-2.2.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", UploadTime: up, Size: 16_116_679, Hashes: sha("numpy-linux")},
					{Name: "numpy-2.2.3-cp311-cp311-macosx_14_0_arm64.whl", URL: files + "/42/numpy-2.2.3-cp311-cp311-macosx_14_0_arm64.whl", UploadTime: up, Size: 5_104_239, Hashes: sha("numpy-mac")},
					{URL: files + "/43/numpy-2.2.3-cp311-cp311-win_amd64.whl", Size: 12_626_357, Hashes: map[string]string{"sha256": digest("numpy-win"), "sha512": digest("a") + digest("b")}},
				},
				Sdist: &Sdist{URL: files + "/fb/numpy-2.2.3.tar.gz", Size: 20_262_700, Hashes: sha("numpy-sdist")},
			},
			{
				Name: "py4j", Version: "0.10.9.7",
				Wheels: []Wheel{{URL: files + "/10/py4j-0.10.9.7-py2.py3-none-any.whl", Hashes: sha("py4j")}},
				AttestationIdentities: []map[string]any{
					{"kind": "GitHub", "repository": "py4j/py4j", "workflow": "release.yml", "environment": "pypi"},
				},
			},
			{
				Name: "pywin32", Version: "306", Marker: `sys_platform == "win32"`,
				Wheels: []Wheel{{URL: files + "/83/pywin32-306-cp311-cp311-win_amd64.whl", Hashes: sha("pywin32")}},
			},
			{
				Name:      "myjob",
				Directory: &Directory{Path: "src/myjob", Editable: true},
				Tool:      map[string]any{"clusterpack": map[string]any{"role": "code"}},
			},
			{
				Name: "internal-utils", Version: "1.4.0",
				Archive: &Archive{URL: "https://artifacts.example.com/internal_utils-1.4.0.tar.gz", Size: 4096, Hashes: sha("internal-utils"), Subdirectory: "python"},
			},
			{
				Name: "feature-store",
				VCS:  &VCS{Type: "git", URL: "https://github.com/example/feature-store.git", RequestedRevision: "v2.1", CommitID: "0123456789abcdef0123456789abcdef01234567"},
			},
		},
		Tool: map[string]any{
			"clusterpack": map[string]any{
				"python":   "3.11",
				"platform": []any{"manylinux_2_28_x86_64"},
				"environment": map[string]any{
					"platform_machine": "x86_64", "sys_platform": "linux", "python_full_version": "3.11.9",
				},
				"options": map[string]any{"format": "pex", "no-binary": []any{}, "build-isolation": true, "jobs": int64(4)},
			},
		},
	}
	if err := l.Validate(); err != nil {
		t.Fatalf("typical lock is invalid: %v", err)
	}
	return l
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// write returns l written as TOML, failing the test on error.
func write(t testing.TB, l *Lock) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := l.Write(&buf); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// read parses data, failing the test on error.
func read(t testing.TB, data []byte) *Lock {
	t.Helper()
	l, err := Read(bytes.NewReader(data), "pylock.toml")
	if err != nil {
		t.Fatalf("Read: %v\n%s", err, data)
	}
	return l
}

var fixedZone = time.FixedZone("CEST", 2*60*60)
