package build517

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/clusterpack/clusterpack/pypa/pep440"
)

// interpreter is what a probe learned about a Python executable.
type interpreter struct {
	path           string
	Implementation string `json:"implementation"` // sys.implementation.name, e.g. "cpython"
	Version        string `json:"version"`        // platform.python_version(), e.g. "3.11.7"
	Platform       string `json:"platform"`       // sysconfig.get_platform(), e.g. "linux-x86_64"
	ABIFlags       string `json:"abiflags"`       // sys.abiflags, e.g. "" or "t"
}

const probeScript = `import json, platform, sys, sysconfig
json.dump({"implementation": sys.implementation.name, "version": platform.python_version(),
    "platform": sysconfig.get_platform(), "abiflags": getattr(sys, "abiflags", "")}, sys.stdout)
`

// probeInterpreter runs python to learn its version and platform.
func probeInterpreter(ctx context.Context, python string) (*interpreter, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", "-S", "-c", probeScript)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%w: %s", err, lastLines(msg, 5))
		}
		return nil, err
	}
	in := &interpreter{path: python}
	if err := json.Unmarshal(stdout.Bytes(), in); err != nil {
		return nil, fmt.Errorf("unexpected probe output %q: %w", stdout.String(), err)
	}
	return in, nil
}

// majorMinor is "3.11" for version "3.11.7".
func (in *interpreter) majorMinor() string {
	parts := strings.SplitN(in.Version, ".", 3)
	if len(parts) < 2 {
		return in.Version
	}
	return parts[0] + "." + parts[1]
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// cacheKey names the interpreter in cache paths: implementation, X.Y with
// ABI flags, and platform, e.g. "cpython-3.11-linux-x86_64".
func (in *interpreter) cacheKey() string {
	key := in.Implementation + "-" + in.majorMinor() + in.ABIFlags + "-" + in.Platform
	return unsafeKeyChars.ReplaceAllString(key, "_")
}

// satisfies reports whether the interpreter's version is in the
// Requires-Python specifier set (true when it cannot tell).
func (in *interpreter) satisfies(requiresPython pep440.SpecifierSet) bool {
	v, err := pep440.Parse(in.Version)
	if err != nil || requiresPython.IsEmpty() {
		return true
	}
	return requiresPython.Contains(v, pep440.PrereleasesAllow)
}
