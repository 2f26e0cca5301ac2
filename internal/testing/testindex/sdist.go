package testindex

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/pep503"
)

// SdistSpec describes a source distribution to build. Only Name and
// Version are required.
type SdistSpec struct {
	Name    string
	Version string
	Summary string
	// RequiresDist, RequiresPython and ProvidesExtra are the project's
	// metadata. PKG-INFO holds them as its Metadata-Version allows (1.x
	// has no Requires-Dist, 1.0 and 1.1 no Requires-Python); the default
	// in-tree backend always puts them in the wheel it builds.
	RequiresDist   []string
	RequiresPython string
	ProvidesExtra  []string
	// MetadataVersion is PKG-INFO's Metadata-Version; default "2.2".
	MetadataVersion string
	// Dynamic lists PKG-INFO fields (e.g. "Requires-Dist") marked Dynamic
	// (Metadata-Version 2.2+); those fields are left out of PKG-INFO.
	Dynamic []string
	// Files maps a source path (relative to the project root) to its
	// content; the default backend copies them into the wheel root.
	Files map[string]string
	// EntryPoints are given to the wheel the default backend builds.
	EntryPoints map[string]map[string]string
	// WheelTag is the tag of the wheel the default backend builds, as
	// "cp311-cp311-linux_x86_64" for what a compiled package built on a
	// Linux host gets; default "py3-none-any".
	WheelTag string
	// BuildBackend, when set, replaces the default in-tree backend in
	// pyproject.toml, with BuildRequires as build-system.requires.
	BuildBackend  string
	BuildRequires []string
	// PyprojectTOML, when set, is written as pyproject.toml verbatim.
	PyprojectTOML string
}

// backendModule is the import name of the default in-tree backend.
const backendModule = "clusterpack_test_backend"

// Filename is the PEP 625 file name, e.g. "my_pkg-1.0.tar.gz".
func (s SdistSpec) Filename() string {
	return distName(s.Name) + "-" + s.Version + ".tar.gz"
}

func (s SdistSpec) metadataVersion() string {
	if s.MetadataVersion == "" {
		return "2.2"
	}
	return s.MetadataVersion
}

func (s SdistSpec) validate() error {
	if !pep503.Valid(s.Name) {
		return fmt.Errorf("sdist name %q is not a valid project name", s.Name)
	}
	if s.Version == "" || strings.ContainsAny(s.Version, "-/ \t\r\n") {
		return fmt.Errorf("sdist %s: version %q is empty or contains '-', '/' or space", s.Name, s.Version)
	}
	if err := checkHeaderValues("sdist "+s.Name+" metadata value", append(append(append([]string{s.Summary, s.RequiresPython}, s.RequiresDist...), s.ProvidesExtra...), s.Dynamic...)...); err != nil {
		return err
	}
	for p := range s.Files {
		if err := checkRelPath(p); err != nil {
			return fmt.Errorf("sdist %s: %w", s.Name, err)
		}
		if p == "PKG-INFO" || p == "pyproject.toml" || p == "_backend" || strings.HasPrefix(p, "_backend/") {
			return fmt.Errorf("sdist %s: file %q is generated", s.Name, p)
		}
	}
	return nil
}

// pkgInfo is the sdist's PKG-INFO.
func (s SdistSpec) pkgInfo() []byte {
	return coreMetadata{
		MetadataVersion: s.metadataVersion(), Name: s.Name, Version: s.Version, Summary: s.Summary,
		RequiresPython: s.RequiresPython, RequiresDist: s.RequiresDist, ProvidesExtra: s.ProvidesExtra,
		Dynamic: s.Dynamic,
	}.render()
}

// pyproject is the sdist's pyproject.toml.
func (s SdistSpec) pyproject() string {
	if s.PyprojectTOML != "" {
		return s.PyprojectTOML
	}
	if s.BuildBackend != "" {
		return fmt.Sprintf("[build-system]\nrequires = %s\nbuild-backend = %s\n", tomlStrings(s.BuildRequires), tomlString(s.BuildBackend))
	}
	return fmt.Sprintf("[build-system]\nrequires = %s\nbuild-backend = %s\nbackend-path = [\"_backend\"]\n", tomlStrings(s.BuildRequires), tomlString(backendModule))
}

// backendMetadata is _backend/metadata.json, read by the in-tree backend.
type backendMetadata struct {
	Name           string   `json:"name"`
	Version        string   `json:"version"`
	Summary        string   `json:"summary,omitempty"`
	RequiresPython string   `json:"requires_python,omitempty"`
	RequiresDist   []string `json:"requires_dist"`
	ProvidesExtra  []string `json:"provides_extra"`
	WheelTag       string   `json:"wheel_tag,omitempty"`
}

// BuildSdist builds the .tar.gz source distribution spec describes: one
// top directory "<name>-<version>/" holding PKG-INFO, pyproject.toml, the
// source files and, unless another backend is named, the in-tree PEP 517
// backend under _backend/ (standard library only, so a real CPython can
// build the sdist into a wheel without network). Entries are sorted and
// timestamped 1980-01-01, so a spec always gives the same bytes.
func BuildSdist(spec SdistSpec) ([]byte, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	root := distName(spec.Name) + "-" + spec.Version + "/"
	entries := []entry{
		{name: root + "PKG-INFO", data: spec.pkgInfo(), mode: 0o644},
		{name: root + "pyproject.toml", data: []byte(spec.pyproject()), mode: 0o644},
	}
	for _, p := range sortedKeys(spec.Files) {
		entries = append(entries, entry{name: root + p, data: []byte(spec.Files[p]), mode: 0o644})
	}
	if spec.BuildBackend == "" && spec.PyprojectTOML == "" {
		meta, err := json.MarshalIndent(backendMetadata{
			Name: spec.Name, Version: spec.Version, Summary: spec.Summary, RequiresPython: spec.RequiresPython,
			RequiresDist: nonNil(spec.RequiresDist), ProvidesExtra: nonNil(spec.ProvidesExtra), WheelTag: spec.WheelTag,
		}, "", "  ")
		if err != nil {
			return nil, err
		}
		entries = append(entries,
			entry{name: root + "_backend/" + backendModule + ".py", data: []byte(backendSource), mode: 0o644},
			entry{name: root + "_backend/metadata.json", data: append(meta, '\n'), mode: 0o644},
		)
		if len(spec.EntryPoints) > 0 {
			entries = append(entries, entry{name: root + "_backend/entry_points.txt", data: entryPoints(spec.EntryPoints), mode: 0o644})
		}
	}
	return writeTarGz(entries)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tomlString quotes s as a TOML basic string (JSON string escapes are
// valid TOML).
func tomlString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// tomlStrings renders a TOML array of strings.
func tomlStrings(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = tomlString(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
