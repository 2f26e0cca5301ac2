package build517

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
	"github.com/clusterpack/clusterpack/internal/testing/testindex"
)

// demoBackend is an in-tree PEP 517 backend whose behaviour the test
// writes to behaviour.json in the source tree (the hooks' working
// directory): which hooks exist, what they print, return, raise, or how
// long they sleep. Standard library only, Python 3.7+.
const demoBackend = `import json, os, subprocess, sys, time, zipfile

with open("behaviour.json", encoding="utf-8") as _f:
    B = json.load(_f)
NAME, VERSION = B.get("name", "demo"), B.get("version", "1.0")
DIST = NAME.replace("-", "_")


def _metadata(config_settings):
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    summary = B.get("summary", "")
    if B.get("summary_from_module"):
        import importlib
        summary = importlib.import_module(B["summary_from_module"]).VALUE
    if config_settings:
        summary += " config=" + json.dumps(config_settings, sort_keys=True)
    if summary:
        lines.append("Summary: " + summary)
    lines += ["Requires-Dist: " + r for r in B.get("requires_dist", [])]
    return "\n".join(lines) + "\n"


def _behave(hook):
    for line in B.get("print", {}).get(hook, []):
        print(line)
    sys.stdout.flush()
    if hook in B.get("pid_file", {}):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        with open(B["pid_file"][hook] + ".tmp", "w") as f:
            f.write("%d %d" % (os.getpid(), child.pid))
        os.replace(B["pid_file"][hook] + ".tmp", B["pid_file"][hook])
    if hook in B.get("sleep", {}):
        time.sleep(B["sleep"][hook])
    if B.get("fail") == hook:
        raise ValueError("boom from " + hook)
    if B.get("exit") == hook:
        os._exit(3)
    if B.get("sys_exit") == hook:
        sys.exit("setup.py said no")
    return B.get("bad_result") == hook


if not B.get("no_get_requires"):
    def get_requires_for_build_wheel(config_settings=None):
        if _behave("get_requires_for_build_wheel"):
            return 42
        return B.get("get_requires", [])


if not B.get("no_prepare"):
    def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
        if _behave("prepare_metadata_for_build_wheel"):
            return 42
        name = "%s-%s.dist-info" % (DIST, VERSION)
        os.makedirs(os.path.join(metadata_directory, name))
        with open(os.path.join(metadata_directory, name, "METADATA"), "w", encoding="utf-8") as f:
            f.write(_metadata(config_settings))
        return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if _behave("build_wheel"):
        return 42
    filename = "%s-%s-py3-none-any.whl" % (DIST, VERSION)
    info = "%s-%s.dist-info/" % (DIST, VERSION)
    files = [(DIST + "/__init__.py", "VALUE = 1\n"), (info + "METADATA", _metadata(config_settings)),
             (info + "WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
             (info + "RECORD", "")]
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as z:
        for path, text in files:
            z.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), text)
    return filename
`

// behaviour is the demo backend's behaviour.json.
type behaviour struct {
	Name              string              `json:"name,omitempty"`
	Summary           string              `json:"summary,omitempty"`
	SummaryFromModule string              `json:"summary_from_module,omitempty"`
	RequiresDist      []string            `json:"requires_dist,omitempty"`
	GetRequires       []string            `json:"get_requires,omitempty"`
	NoGetRequires     bool                `json:"no_get_requires,omitempty"`
	NoPrepare         bool                `json:"no_prepare,omitempty"`
	Print             map[string][]string `json:"print,omitempty"`
	Sleep             map[string]float64  `json:"sleep,omitempty"`
	PIDFile           map[string]string   `json:"pid_file,omitempty"`
	Fail              string              `json:"fail,omitempty"`
	Exit              string              `json:"exit,omitempty"`
	SysExit           string              `json:"sys_exit,omitempty"`
	BadResult         string              `json:"bad_result,omitempty"`
}

// demoSdist writes an sdist of project "demo" 1.0 using the demo backend
// with behaviour b and build-system.requires, its PKG-INFO marking
// Requires-Dist dynamic so that the backend must run. It returns the path.
func demoSdist(t *testing.T, b behaviour, requires ...string) string {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	quoted, _ := json.Marshal(append([]string{}, requires...))
	name := b.Name
	if name == "" {
		name = "demo"
	}
	return writeSdist(t, testindex.SdistSpec{
		Name: name, Version: "1.0", Dynamic: []string{"Requires-Dist"},
		PyprojectTOML: fmt.Sprintf("[build-system]\nrequires = %s\nbuild-backend = \"demo_backend\"\nbackend-path = [\"backend\"]\n", quoted),
		Files:         map[string]string{"backend/demo_backend.py": demoBackend, "behaviour.json": string(data)},
	})
}

// writeSdist builds spec into a file of a fresh temp directory.
func writeSdist(t *testing.T, spec testindex.SdistSpec) string {
	t.Helper()
	data, err := testindex.BuildSdist(spec)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), spec.Filename())
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hookCounter is a slog.Handler counting the hook runs the frontend logs.
type hookCounter struct {
	mu    sync.Mutex
	count map[string]int
}

func (h *hookCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *hookCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *hookCounter) WithGroup(string) slog.Handler            { return h }
func (h *hookCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "running PEP 517 hook" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "hook" {
			h.mu.Lock()
			if h.count == nil {
				h.count = map[string]int{}
			}
			h.count[a.Value.String()]++
			h.mu.Unlock()
		}
		return true
	})
	return nil
}

// runs returns a copy of the counts so far.
func (h *hookCounter) runs() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.count {
		out[k] = v
	}
	return out
}

func (h *hookCounter) total() int {
	n := 0
	for _, v := range h.runs() {
		n += v
	}
	return n
}

// newFrontend returns a Frontend for python with a fresh cache and a hook
// counter as its logger.
func newFrontend(t *testing.T, python string) (*Frontend, *hookCounter) {
	t.Helper()
	counter := &hookCounter{}
	return &Frontend{Python: python, CacheDir: t.TempDir(), Logger: slog.New(counter), Env: os.Getenv}, counter
}

// interpreters returns the CPythons the test environment provides.
func interpreters(t *testing.T) []pyref.Interpreter {
	t.Helper()
	return pyref.All(t)
}

// defaultPython returns one CPython of the test environment.
func defaultPython(t *testing.T) string {
	t.Helper()
	all := pyref.All(t)
	return all[len(all)-1].Python
}

// requiresDist parses METADATA and returns its Requires-Dist as strings.
func requiresDist(t *testing.T, md []byte) []string {
	t.Helper()
	m := parseMetadata(t, md)
	var out []string
	for _, r := range m.RequiresDist {
		out = append(out, r.String())
	}
	return out
}

func summary(t *testing.T, md []byte) string {
	t.Helper()
	return parseMetadata(t, md).Summary
}

func mustContain(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%q\ndoes not contain %q", s, w)
		}
	}
}
