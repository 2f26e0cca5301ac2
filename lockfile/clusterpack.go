package lockfile

import "fmt"

// ClusterpackTool is what clusterpack records under [tool.clusterpack]:
// the target the lock was resolved for, so that a build from the lock
// alone knows the Python and the platforms it is for.
type ClusterpackTool struct {
	PythonVersion     string   `toml:"python-version"`
	PythonFullVersion string   `toml:"python-full-version"`
	Interpreter       bool     `toml:"from-interpreter"`
	Platforms         []string `toml:"platforms"`
	Markers           Markers  `toml:"markers"`
	Pre               bool     `toml:"pre,omitempty"`
	OnlyBinary        []string `toml:"only-binary,omitempty"`
	NoBinary          []string `toml:"no-binary,omitempty"`
	// PreferBinary says older versions with wheels were locked rather
	// than newer source-only ones (pip's --prefer-binary). A lock without
	// it was resolved newest first.
	PreferBinary bool `toml:"prefer-binary,omitempty"`
	// ExcludeNewer is the upload-time cutoff the lock was resolved with
	// (RFC 3339, UTC): files uploaded at or after it were left out.
	ExcludeNewer string `toml:"exclude-newer,omitempty"`
	// Exclude are the packages left out of the lock (PEP 503 names,
	// sorted): resolved, then dropped, their dependencies kept.
	Exclude []string `toml:"exclude,omitempty"`
}

// Markers is the target's PEP 508 marker environment, one key a field.
type Markers struct {
	ImplementationName           string `toml:"implementation_name"`
	ImplementationVersion        string `toml:"implementation_version"`
	OSName                       string `toml:"os_name"`
	PlatformMachine              string `toml:"platform_machine"`
	PlatformPythonImplementation string `toml:"platform_python_implementation"`
	PlatformRelease              string `toml:"platform_release"`
	PlatformSystem               string `toml:"platform_system"`
	PlatformVersion              string `toml:"platform_version"`
	PythonFullVersion            string `toml:"python_full_version"`
	PythonVersion                string `toml:"python_version"`
	SysPlatform                  string `toml:"sys_platform"`
}

// SetClusterpack records t as the lock's [tool.clusterpack] table.
func (l *Lock) SetClusterpack(t ClusterpackTool) error {
	return l.SetTool("clusterpack", t)
}

// Clusterpack reads the lock's [tool.clusterpack] table. A lock without
// one, or without its python-version, was not made by clusterpack lock
// (or was edited): the error wraps ErrMissingKey.
func (l *Lock) Clusterpack() (ClusterpackTool, error) {
	var t ClusterpackTool
	if err := l.DecodeTool("clusterpack", &t); err != nil {
		return t, err
	}
	if t.PythonVersion == "" {
		return t, &Error{Key: "tool.clusterpack.python-version", Err: fmt.Errorf("%w: [tool.clusterpack] has no python-version", ErrMissingKey)}
	}
	return t, nil
}

// Environment is m as a PEP 508 marker environment (key to value).
func (m Markers) Environment() map[string]string {
	return map[string]string{
		"implementation_name": m.ImplementationName, "implementation_version": m.ImplementationVersion,
		"os_name": m.OSName, "platform_machine": m.PlatformMachine,
		"platform_python_implementation": m.PlatformPythonImplementation, "platform_release": m.PlatformRelease,
		"platform_system": m.PlatformSystem, "platform_version": m.PlatformVersion,
		"python_full_version": m.PythonFullVersion, "python_version": m.PythonVersion, "sys_platform": m.SysPlatform,
	}
}
