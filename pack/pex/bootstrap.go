package pex

import (
	_ "embed"
	"fmt"
	"strings"
)

// bootstrapBody is the static part of __main__.py; bootstrap prepends
// the pex's constants.
//
//go:embed bootstrap.py
var bootstrapBody string

// bootstrap renders __main__.py for a pex of dists (in sys.path order),
// those in pth having .pth files at their chroot's root.
func bootstrap(opts Options, dists []Dist, pth map[string]bool) ([]byte, error) {
	wheels := make([]string, 0, len(dists))
	var withPth []string
	for _, d := range dists {
		wheels = append(wheels, d.Wheel)
		if pth[d.Wheel] {
			withPth = append(withPth, d.Wheel)
		}
	}
	env := opts.Env
	if env == nil {
		env = map[string]string{}
	}
	layers := make([][]any, 0, len(opts.Layers))
	for _, l := range opts.Layers {
		ws := make([]string, 0, len(l.Dists))
		for _, d := range l.Dists {
			ws = append(ws, d.Wheel)
		}
		layers = append(layers, []any{l.File, l.ContentHash, ws})
	}
	kind, interp := shebangInterpreter(opts.Shebang)
	consts := []struct {
		name  string
		value any
	}{
		{"_HASH", opts.ContentHash},
		{"_WHEELS", wheels},
		{"_PTH", nonNil(withPth)},
		{"_LAYERS", layers},
		{"_ENTRY_POINT", opts.EntryPoint},
		{"_INHERIT_PATH", opts.InheritPath},
		{"_INJECT_ENV", env},
		{"_SHEBANG_KIND", kind},
		{"_SHEBANG_PYTHON", interp},
	}
	var b strings.Builder
	b.WriteString("# clusterpack pex bootstrap, generated: the constants describe this pex.\n")
	for _, c := range consts {
		lit, err := pyLiteral(c.value)
		if err != nil {
			return nil, fmt.Errorf("pex: rendering %s for the bootstrap: %w", c.name, err)
		}
		fmt.Fprintf(&b, "%s = %s\n", c.name, lit)
	}
	b.WriteString(bootstrapBody)
	return []byte(b.String()), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// shebangInterpreter says how the shebang finds its interpreter: "env"
// and a name looked up on PATH ("#!/usr/bin/env python3.11"), "path" and
// an absolute path ("#!/usr/bin/python3"), or "" when it cannot tell
// (interpreter arguments, another launcher).
func shebangInterpreter(shebang string) (kind, interp string) {
	fields := strings.Fields(strings.TrimPrefix(shebang, "#!"))
	switch {
	case len(fields) == 2 && strings.HasSuffix(fields[0], "/env") && !strings.HasPrefix(fields[1], "-"):
		return "env", fields[1]
	case len(fields) == 1 && strings.HasPrefix(fields[0], "/"):
		return "path", fields[0]
	}
	return "", ""
}
