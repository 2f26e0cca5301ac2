package build517

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// BuildSystem is the [build-system] table of a pyproject.toml (PEP 518 and
// PEP 517).
type BuildSystem struct {
	// Requires are the PEP 508 requirements needed to import the backend.
	Requires []string
	// Backend is the backend object, "module.path:object.path".
	Backend string
	// BackendPath lists directories, relative to the source tree and
	// slash-separated, to load the backend from (in-tree backends).
	BackendPath []string
}

// LegacyBuildSystem is what an sdist without a [build-system] table is
// built with, as pip does: setuptools' legacy backend, which runs setup.py.
func LegacyBuildSystem() BuildSystem {
	return BuildSystem{Requires: []string{"setuptools>=40.8.0"}, Backend: legacyBackend}
}

const legacyBackend = "setuptools.build_meta:__legacy__"

// backendPattern is PEP 517's "module:object" syntax of build-backend.
var backendPattern = regexp.MustCompile(`^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?$`)

// ParseBuildSystem reads the [build-system] table of a pyproject.toml.
// Without the table it returns LegacyBuildSystem(); a table without
// build-backend gets the legacy backend with its own requires. It is an
// error for the table to lack requires (PEP 518), for a value to have the
// wrong type, for a requirement not to be valid PEP 508, for build-backend
// not to be "module:object", and for a backend-path entry to be absolute or
// to leave the source tree.
func ParseBuildSystem(pyproject []byte) (BuildSystem, error) {
	var doc map[string]any
	if err := toml.Unmarshal(pyproject, &doc); err != nil {
		return BuildSystem{}, fmt.Errorf("pyproject.toml: %w", err)
	}
	raw, ok := doc["build-system"]
	if !ok {
		return LegacyBuildSystem(), nil
	}
	table, ok := raw.(map[string]any)
	if !ok {
		return BuildSystem{}, errors.New("pyproject.toml: build-system is not a table")
	}
	var bs BuildSystem
	rawRequires, ok := table["requires"]
	if !ok {
		return BuildSystem{}, errors.New("pyproject.toml: [build-system] has no requires key (PEP 518 makes it mandatory)")
	}
	requires, err := stringList("build-system.requires", rawRequires)
	if err != nil {
		return BuildSystem{}, err
	}
	for _, r := range requires {
		if _, err := pep508.ParseRequirement(r); err != nil {
			return BuildSystem{}, fmt.Errorf("pyproject.toml: build-system.requires: %w", err)
		}
	}
	bs.Requires = requires

	bs.Backend = legacyBackend
	if rawBackend, ok := table["build-backend"]; ok {
		backend, ok := rawBackend.(string)
		if !ok {
			return BuildSystem{}, fmt.Errorf("pyproject.toml: build-system.build-backend is a %s, not a string", tomlType(rawBackend))
		}
		backend = strings.TrimSpace(backend)
		if !backendPattern.MatchString(backend) {
			return BuildSystem{}, fmt.Errorf("pyproject.toml: build-system.build-backend %q is not of the form module.path:object", backend)
		}
		bs.Backend = backend
	}

	if rawPath, ok := table["backend-path"]; ok {
		paths, err := stringList("build-system.backend-path", rawPath)
		if err != nil {
			return BuildSystem{}, err
		}
		for _, p := range paths {
			clean, err := cleanBackendPath(p)
			if err != nil {
				return BuildSystem{}, fmt.Errorf("pyproject.toml: build-system.backend-path: %w", err)
			}
			bs.BackendPath = append(bs.BackendPath, clean)
		}
	}
	return bs, nil
}

// cleanBackendPath checks that p names a directory inside the source tree
// and returns it cleaned.
func cleanBackendPath(p string) (string, error) {
	slashed := strings.ReplaceAll(p, `\`, "/")
	if p == "" || strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("entry %q is empty or contains NUL", p)
	}
	if path.IsAbs(slashed) || (len(slashed) >= 2 && slashed[1] == ':') {
		return "", fmt.Errorf("entry %q is absolute; PEP 517 requires paths relative to the source tree", p)
	}
	clean := path.Clean(slashed)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("entry %q leaves the source tree", p)
	}
	return clean, nil
}

func stringList(key string, v any) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("pyproject.toml: %s is a %s, not an array of strings", key, tomlType(v))
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("pyproject.toml: %s[%d] is a %s, not a string", key, i, tomlType(item))
		}
		out = append(out, s)
	}
	return out, nil
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	default:
		return "date/time"
	}
}
