// Package target describes the Python a cluster runs: its version, its
// PEP 508 marker environment and the PEP 425 tags its nodes accept, in
// priority order. A target is either synthetic (a Python version plus
// platform tags, resolvable on any host: a Mac laptop targeting Linux
// nodes) or read from a real interpreter.
package target

import (
	"encoding/json"
	"fmt"

	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// Target is the Python environment that resolution and builds aim at.
type Target struct {
	// PythonVersion is "X.Y".
	PythonVersion string
	// PythonFullVersion is "X.Y.Z" (with a pre-release suffix for such
	// interpreters). A synthetic target given as "X.Y" assumes "X.Y.0".
	PythonFullVersion string
	// Markers is the PEP 508 marker environment.
	Markers pep508.Environment
	// Tags are the compatible tags, most preferred first.
	Tags []tags.Tag
	// Platforms are the platform tags of Tags in order of first use.
	Platforms []string
	// Interpreter is the real interpreter the target was read from, if any.
	Interpreter string
}

// Synthetic reports whether the target was built from a version and
// platform tags rather than read from a real interpreter.
func (t *Target) Synthetic() bool { return t.Interpreter == "" }

// jsonTarget is the public JSON form printed by `clusterpack target --json`.
type jsonTarget struct {
	PythonVersion     string            `json:"python_version"`
	PythonFullVersion string            `json:"python_full_version"`
	Interpreter       string            `json:"interpreter,omitempty"`
	Platforms         []string          `json:"platforms"`
	Markers           map[string]string `json:"markers"`
	Tags              []string          `json:"tags"`
}

// MarshalJSON encodes the target with its tags as strings.
func (t *Target) MarshalJSON() ([]byte, error) {
	j := jsonTarget{
		PythonVersion:     t.PythonVersion,
		PythonFullVersion: t.PythonFullVersion,
		Interpreter:       t.Interpreter,
		Platforms:         t.Platforms,
		Markers:           t.Markers,
		Tags:              make([]string, len(t.Tags)),
	}
	if j.Platforms == nil {
		j.Platforms = []string{}
	}
	for i, tg := range t.Tags {
		j.Tags[i] = tg.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (t *Target) UnmarshalJSON(data []byte) error {
	var j jsonTarget
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*t = Target{
		PythonVersion:     j.PythonVersion,
		PythonFullVersion: j.PythonFullVersion,
		Interpreter:       j.Interpreter,
		Platforms:         j.Platforms,
		Markers:           pep508.Environment(j.Markers),
	}
	for _, s := range j.Tags {
		ts, err := tags.ParseTag(s)
		if err != nil {
			return fmt.Errorf("target tag %q: %w", s, err)
		}
		t.Tags = append(t.Tags, ts...)
	}
	return nil
}

// platformsOf lists the platform tags of ts in order of first appearance,
// leaving out "any".
func platformsOf(ts []tags.Tag) []string {
	seen := map[string]bool{"any": true}
	var out []string
	for _, t := range ts {
		if !seen[t.Platform] {
			seen[t.Platform] = true
			out = append(out, t.Platform)
		}
	}
	return out
}
