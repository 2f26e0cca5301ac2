package build

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/pypa/distfilename"
	"github.com/clusterpack/clusterpack/pypa/tags"
)

// ForeignWheelError is a wheel built from an sdist, on this host, for a
// lock whose target is foreign (declared platforms, not an interpreter
// here) that carries no tag of that target but this host's own: a
// compiled package built here is made for this machine's C library and
// processor, not for the cluster's nodes.
type ForeignWheelError struct {
	Package, Version string
	Sdist            string // the sdist's file name
	Wheel            string // the built wheel's file name
	Tag              string // the wheel's tags, "cp311-cp311-linux_x86_64"
	Target           string // the target's most specific platform
}

func (e *ForeignWheelError) Error() string {
	return fmt.Sprintf("package %s: building %s on this host made a wheel tagged %s, which is for this host, not for the target %s; "+
		"pin a version of %s that has wheels for %s, or lock and build on a machine of the target platform with its Python as the target",
		e.Package, e.Sdist, e.Tag, e.Target, e.Package, e.Target)
}

// checkBuiltWheel refuses, for a foreign target, a wheel built from an
// sdist that has no tag the target accepts other than the generic
// linux_<arch> that every Linux machine accepts for what it built itself.
// A pure wheel (py3-none-any) always fits. For a target read from an
// interpreter, the build ran for that interpreter's platform: anything
// goes, as before.
func checkBuiltWheel(p *Plan, a Artifact, wheelPath string) error {
	if p.Tool.Interpreter {
		return nil
	}
	name := filepath.Base(wheelPath)
	wf, err := distfilename.ParseWheel(name)
	if err != nil {
		return fmt.Errorf("package %s: building %s made %s: %w", a.Name, a.Filename, name, err)
	}
	target := mainPlatform(p.Tool.Platforms)
	ranking := tags.NewRanking(tags.ForTarget(p.Python, p.Tool.Platforms))
	for _, t := range wf.Tags {
		if _, ok := ranking.Rank(t); !ok {
			continue
		}
		// linux_<arch> counts only when the user named it as the target.
		if !strings.HasPrefix(t.Platform, "linux_") || t.Platform == target {
			return nil
		}
	}
	return &ForeignWheelError{Package: a.Name, Version: a.Version, Sdist: a.Filename, Wheel: name, Tag: wheelTag(name), Target: target}
}

// wheelTag is the compressed tag set of a wheel file name:
// "cp311-cp311-linux_x86_64" of "x-1.0-cp311-cp311-linux_x86_64.whl".
func wheelTag(filename string) string {
	parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
	if len(parts) < 3 {
		return filename
	}
	return strings.Join(parts[len(parts)-3:], "-")
}
