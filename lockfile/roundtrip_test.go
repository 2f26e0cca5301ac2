package lockfile

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The order of the model does not change the bytes.
func TestWriteIgnoresModelOrder(t *testing.T) {
	want := write(t, typicalLock(t))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		l := typicalLock(t)
		rng.Shuffle(len(l.Packages), func(i, j int) { l.Packages[i], l.Packages[j] = l.Packages[j], l.Packages[i] })
		for i := range l.Packages {
			w := l.Packages[i].Wheels
			rng.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
		}
		if got := write(t, l); !bytes.Equal(got, want) {
			t.Fatalf("a shuffled model gave other bytes:\n%s", got)
		}
	}
}

// The example of the pylock.toml specification reads into the expected model.
const specExample = `lock-version = '1.0'
environments = ["sys_platform == 'win32'", "sys_platform == 'linux'"]
requires-python = '==3.12'
created-by = 'mousebender'

[[packages]]
name = 'attrs'
version = '25.1.0'
requires-python = '>=3.8'
wheels = [
  {name = 'attrs-25.1.0-py3-none-any.whl', upload-time = 2025-01-25T11:30:10.164985+00:00, url = 'https://files.pythonhosted.org/packages/fc/30/d4986a882011f9df997a55e6becd864812ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3-none-any.whl', size = 63152, hashes = {sha256 = 'c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a'}},
]
[[packages.attestation-identities]]
environment = 'release-pypi'
kind = 'GitHub'
repository = 'python-attrs/attrs'
workflow = 'pypi-package.yml'

[[packages]]
name = 'cattrs'
version = '24.1.2'
requires-python = '>=3.8'
dependencies = [
    {name = 'attrs'},
]
wheels = [
  {name = 'cattrs-24.1.2-py3-none-any.whl', upload-time = 2024-09-22T14:58:34.812643+00:00, url = 'https://files.pythonhosted.org/packages/c8/d5/867e75361fc45f6de75fe277dd085627a9db5ebb511a87f27dc1396b5351/cattrs-24.1.2-py3-none-any.whl', size = 66446, hashes = {sha256 = '67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0'}},
]

[[packages]]
name = 'numpy'
version = '2.2.3'
requires-python = '>=3.10'
wheels = [
  {name = 'numpy-2.2.3-cp312-cp312-win_amd64.whl', upload-time = 2025-02-13T16:51:21.821880+00:00, url = 'https://files.pythonhosted.org/packages/42/6e/55580a538116d16ae7c9aa17d4edd56e83f42126cb1dfe7a684da7925d2c/numpy-2.2.3-cp312-cp312-win_amd64.whl', size = 12626357, hashes = {sha256 = '83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d'}},
  {name = 'numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', upload-time = 2025-02-13T16:50:00.079662+00:00, url = 'https://files.pythonhosted.org/packages/39/04/78d2e7402fb479d893953fb78fa7045f7deb635ec095b6b4f0260223091a/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', size = 16116679, hashes = {sha256 = '3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe'}},
]

[tool.mousebender]
command = ['.', 'lock', '--platform', 'cpython3.12-windows-x64', '--platform', 'cpython3.12-manylinux2014-x64', 'cattrs', 'numpy']
run-on = 2025-03-06T12:28:57.760769
`

func TestReadSpecExample(t *testing.T) {
	l := read(t, []byte(specExample))
	if l.CreatedBy != "mousebender" || l.RequiresPython != "==3.12" || len(l.Environments) != 2 {
		t.Errorf("top level read wrong: %+v", l)
	}
	if len(l.Packages) != 3 {
		t.Fatalf("%d packages, want 3", len(l.Packages))
	}
	attrs := l.Packages[0]
	w := attrs.Wheels[0]
	wantTime := time.Date(2025, 1, 25, 11, 30, 10, 164985000, time.UTC)
	if !w.UploadTime.Equal(wantTime) || w.UploadTime.Location() != time.UTC || w.Size != 63152 ||
		w.Hashes["sha256"] != "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" {
		t.Errorf("attrs wheel read wrong: %+v", w)
	}
	if got := attrs.AttestationIdentities; len(got) != 1 || got[0]["kind"] != "GitHub" || got[0]["workflow"] != "pypi-package.yml" {
		t.Errorf("attestation identities read wrong: %v", got)
	}
	if got := l.Packages[1].Dependencies; !reflect.DeepEqual(got, []map[string]any{{"name": "attrs"}}) {
		t.Errorf("dependencies read wrong: %v", got)
	}
	if got := len(l.Packages[2].Wheels); got != 2 {
		t.Errorf("numpy has %d wheels, want 2", got)
	}
	mb := l.Tool["mousebender"].(map[string]any)
	if cmd := mb["command"].([]any); len(cmd) != 8 || cmd[1] != "lock" {
		t.Errorf("tool command read wrong: %v", cmd)
	}
	// The local date-time in the tool table survives a round trip as one.
	data := write(t, l)
	if !strings.Contains(string(data), "run-on = 2025-03-06T12:28:57.760769\n") {
		t.Errorf("local date-time not kept:\n%s", data)
	}
	if back := read(t, data); !reflect.DeepEqual(back, l.Sorted()) {
		t.Errorf("round trip changed the model:\n got %#v\nwant %#v", back, l.Sorted())
	}
}

// nil and empty lists are different in the model and in the file.
func TestEmptyListsKept(t *testing.T) {
	l := typicalLock(t)
	l.Extras = nil
	l.DefaultGroups = []string{}
	l.Packages[0].Dependencies = []map[string]any{}
	data := write(t, l)
	back := read(t, data)
	if back.Extras != nil || back.DefaultGroups == nil || len(back.DefaultGroups) != 0 {
		t.Errorf("extras %#v, default-groups %#v", back.Extras, back.DefaultGroups)
	}
	if !reflect.DeepEqual(back, l.Sorted()) {
		t.Errorf("round trip changed the model:\n%s", data)
	}
	empty := &Lock{LockVersion: "1.0", CreatedBy: "x"}
	if got := string(write(t, empty)); got != "lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = []\n" {
		t.Errorf("empty lock written as %q", got)
	}
}
