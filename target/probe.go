package target

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/internal/atomicfile"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// markerScript computes the PEP 508 marker environment exactly as
// packaging.markers.default_environment() does. It runs on CPython 3.6+.
const markerScript = `
import json, os, platform, sys

def clusterpack_full_version(info):
    version = "{0}.{1}.{2}".format(info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        version += info.releaselevel[0] + str(info.serial)
    return version

def clusterpack_markers():
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": clusterpack_full_version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }
`

// probeMain prints what the probe found as one JSON object.
const probeMain = `
sys.stdout.write(json.dumps({
    "executable": sys.executable,
    "markers": clusterpack_markers(),
    "tag_facts": clusterpack_tag_facts(),
}))
`

// probeScript is the whole program run in an interpreter.
func probeScript() string { return markerScript + "\n" + tags.ProbeScript + "\n" + probeMain }

// probeResult is what an interpreter says about itself.
type probeResult struct {
	Executable string            `json:"executable"`
	Markers    map[string]string `json:"markers"`
	TagFacts   tags.Facts        `json:"tag_facts"`
}

// probeTimeout bounds one run of the probe: a wrapper script that hangs
// must not hang clusterpack.
const probeTimeout = 30 * time.Second

// probe asks the interpreter at path for its markers and tag facts, using
// the answer cached under cacheDir while the executable is unchanged.
func probe(ctx context.Context, path, cacheDir string) (*probeResult, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("python interpreter %s is a directory; give the python executable inside it (for a virtualenv: %s)", path, filepath.Join(path, "bin", "python"))
	}
	script := probeScript()
	var cacheFile string
	// A script in front of the interpreter (a pyenv shim, a wrapper) can
	// change what it runs without changing itself: never cache those.
	if cacheDir != "" && !isScript(resolved) {
		// The key covers the path as given (a venv's python resolves to its
		// base interpreter but reports its own prefix), the file behind it
		// and the probe itself.
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s", path, resolved, fi.Size(), fi.ModTime().UnixNano(), script)
		cacheFile = filepath.Join(cacheDir, "interpreters", hex.EncodeToString(h.Sum(nil))[:32]+".json")
		if data, err := os.ReadFile(cacheFile); err == nil {
			var r probeResult
			if json.Unmarshal(data, &r) == nil && r.Markers != nil {
				return &r, nil
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	// -I: isolated (no user site, no PYTHON* variables); -S: no site module,
	// so a broken site-packages cannot break the probe.
	cmd := exec.CommandContext(ctx, path, "-I", "-S", "-c", script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("python interpreter %s did not answer within %s", path, probeTimeout)
		}
		if msg != "" {
			return nil, fmt.Errorf("python interpreter %s: %w: %s (is it CPython 3.6 or newer?)", path, err, msg)
		}
		return nil, fmt.Errorf("python interpreter %s: %w", path, err)
	}
	var r probeResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("python interpreter %s: unexpected answer to the probe: %w", path, err)
	}
	if cacheFile != "" {
		// A cache that cannot be written only costs a probe next time.
		_ = atomicfile.WriteFile(cacheFile, stdout.Bytes(), 0o644)
	}
	return &r, nil
}

// isScript reports whether the file starts with "#!".
func isScript(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [2]byte
	n, _ := f.Read(head[:])
	return n == 2 && string(head[:]) == "#!"
}
