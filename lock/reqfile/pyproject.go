package reqfile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/clusterpack/clusterpack/pypa/pep503"
	"github.com/clusterpack/clusterpack/pypa/pep508"
)

// pyproject is the part of pyproject.toml clusterpack reads.
type pyproject struct {
	Project *struct {
		Name                 string              `toml:"name"`
		Dependencies         []string            `toml:"dependencies"`
		OptionalDependencies map[string][]string `toml:"optional-dependencies"`
		Dynamic              []string            `toml:"dynamic"`
	} `toml:"project"`
}

// ParsePyproject returns the [project] dependencies of the pyproject.toml
// at path, followed by the [project.optional-dependencies] of each named
// extra (in the order given; names compare normalised). Line is the line
// of the dependency's string in the file; paths in file: URLs resolve
// against the file's directory.
func ParsePyproject(path string, extras []string) ([]Requirement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read pyproject file: %w", err)
	}
	return parsePyprojectData(path, string(data), extras)
}

// parsePyprojectData is ParsePyproject on the file's content.
func parsePyprojectData(path, content string, extras []string) ([]Requirement, error) {
	var doc pyproject
	if _, err := toml.Decode(content, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w; fix the TOML syntax", path, err)
	}
	if doc.Project == nil {
		return nil, fmt.Errorf("%s: no [project] table; clusterpack reads PEP 621 metadata, so list the dependencies in [project] or use a requirements file", path)
	}
	proj := doc.Project
	if slices.Contains(proj.Dynamic, "dependencies") {
		return nil, fmt.Errorf("%s: project.dynamic lists \"dependencies\": the build backend computes them and clusterpack cannot run it yet; list them in [project] dependencies, or export them to a requirements file and lock that", path)
	}
	if len(extras) > 0 && slices.Contains(proj.Dynamic, "optional-dependencies") {
		return nil, fmt.Errorf("%s: project.dynamic lists \"optional-dependencies\": the build backend computes them and clusterpack cannot run it yet; list them in [project.optional-dependencies], or use a requirements file", path)
	}
	base, err := baseDir(path)
	if err != nil {
		return nil, err
	}
	lines := splitLines(content)
	var out []Requirement
	add := func(key string, deps []string) error {
		for i, dep := range deps {
			r, err := pyprojectRequirement(path, base, lines, dep)
			if err != nil {
				return fmt.Errorf("%s: %s[%d]: %w", r.Line, key, i, err)
			}
			out = append(out, r)
		}
		return nil
	}
	if err := add("project.dependencies", proj.Dependencies); err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for name := range proj.OptionalDependencies {
		byName[pep503.Normalize(name)] = name
	}
	for _, extra := range extras {
		name, ok := byName[pep503.Normalize(extra)]
		if !ok {
			known := make([]string, 0, len(byName))
			for _, n := range byName {
				known = append(known, n)
			}
			slices.Sort(known)
			list := strings.Join(known, ", ")
			if list == "" {
				list = "none"
			}
			return nil, fmt.Errorf("%s: project.optional-dependencies has no extra %q; known extras: %s", path, extra, list)
		}
		if err := add("project.optional-dependencies."+name, proj.OptionalDependencies[name]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pyprojectRequirement parses one dependency string.
func pyprojectRequirement(path, base string, lines []string, dep string) (Requirement, error) {
	r := Requirement{Line: Source{File: path, Line: lineOf(lines, dep)}, Text: dep}
	req, err := pep508.ParseRequirement(dep)
	if err != nil {
		return r, fmt.Errorf("invalid requirement: %w", err)
	}
	r.Req = &req
	if req.URL != "" {
		r.URL = req.URL
		if isFileURL(req.URL) {
			local, err := fileURLPath(strings.SplitN(req.URL, "#", 2)[0])
			if err != nil {
				return r, err
			}
			r.Path = resolvePath(base, filepath.FromSlash(local))
		}
	}
	return r, nil
}

// lineOf returns the number of the first line holding s as a TOML string,
// or 0.
func lineOf(lines []string, s string) int {
	for i, l := range lines {
		if strings.Contains(l, `"`+s+`"`) || strings.Contains(l, `'`+s+`'`) {
			return i + 1
		}
	}
	return 0
}
