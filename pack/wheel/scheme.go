package wheel

import (
	"fmt"
	"io/fs"
	"strings"
)

// Scheme names the installation directories of an environment, as
// slash-separated paths relative to the environment's root (PEP 427
// "install scheme", sysconfig's scheme keys).
type Scheme struct {
	Purelib string // pure-Python modules, e.g. "lib/python3.11/site-packages"
	Platlib string // platform-specific modules; the same as Purelib in a venv
	Scripts string // scripts and entry-point launchers, e.g. "bin"
	Data    string // the .data/data tree, usually the root "."
	// Headers is the parent of the header directories: each distribution's
	// headers go to Headers/<normalised project name>, as pip puts them.
	Headers string
}

// VenvScheme is the scheme of a virtual environment for CPython
// pythonVersion (major, minor), as pip and uv lay it out on POSIX systems
// or, when windows is true, on Windows.
func VenvScheme(pythonVersion [2]int, windows bool) Scheme {
	xy := fmt.Sprintf("python%d.%d", pythonVersion[0], pythonVersion[1])
	if windows {
		return Scheme{
			Purelib: "Lib/site-packages",
			Platlib: "Lib/site-packages",
			Scripts: "Scripts",
			Data:    ".",
			Headers: "include/site/" + xy,
		}
	}
	return Scheme{
		Purelib: "lib/" + xy + "/site-packages",
		Platlib: "lib/" + xy + "/site-packages",
		Scripts: "bin",
		Data:    ".",
		Headers: "include/site/" + xy,
	}
}

// validate checks that every path is relative, slash-separated and stays
// inside the environment.
func (s Scheme) validate() error {
	for _, p := range []struct{ key, path string }{
		{"Purelib", s.Purelib}, {"Platlib", s.Platlib}, {"Scripts", s.Scripts},
		{"Data", s.Data}, {"Headers", s.Headers},
	} {
		if p.path == "" {
			return fmt.Errorf("scheme %s is empty", p.key)
		}
		if !fs.ValidPath(p.path) || strings.Contains(p.path, `\`) {
			return fmt.Errorf("scheme %s %q is not a clean relative slash-separated path", p.key, p.path)
		}
	}
	return nil
}
