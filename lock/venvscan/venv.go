package venvscan

import "github.com/clusterpack/clusterpack/pypa/metadata"

// Venv is a Python environment as Scan found it.
type Venv struct {
	// Root is the environment's directory, absolute.
	Root string
	// Python is the interpreter (bin/python or Scripts/python.exe) with
	// symbolic links resolved; empty when there is none or its link is
	// broken.
	Python string
	// PythonVersion is the version pyvenv.cfg records ("3.11.7"), or the
	// X.Y of the lib/pythonX.Y directory when it records none; empty for
	// a Windows layout without pyvenv.cfg version.
	PythonVersion string
	// Home is pyvenv.cfg's home: the directory of the base interpreter.
	// Empty without pyvenv.cfg (a conda-style prefix).
	Home string
	// SitePackages are the environment's own site-packages directories,
	// absolute, lib before lib64; a lib64 that is a link to lib is listed
	// once.
	SitePackages []string
	// SystemSitePackages reports pyvenv.cfg's
	// include-system-site-packages = true. The base interpreter's
	// packages are then importable too, but Scan does not list them.
	SystemSitePackages bool
	// Dists are the installed distributions, sorted by NormalizedName.
	Dists []Dist
}

// Dist is one installed distribution.
type Dist struct {
	Name           string // as in METADATA (or PKG-INFO)
	NormalizedName string // PEP 503 normalised Name
	Version        string // as in METADATA
	Metadata       *metadata.Metadata
	// Installer is the content of INSTALLER with surrounding white space
	// removed ("pip", "uv"), or empty.
	Installer string
	// Requested reports a REQUESTED file: the user asked for this
	// distribution rather than it being installed as a dependency.
	Requested bool
	// DirectURL is the parsed direct_url.json, or nil.
	DirectURL *DirectURL
	// Editable reports an editable (development) install. See Scan for
	// how it is detected.
	Editable bool
	// EditablePath is the project directory of an editable install (where
	// pyproject.toml or setup.py is), or empty.
	EditablePath string
	// TopLevel are the importable top-level names, sorted: from
	// top_level.txt, else from the paths in RECORD.
	TopLevel []string
	// DistInfo is the .dist-info or .egg-info directory (or .egg-info
	// file), absolute.
	DistInfo string
	// Legacy reports a setuptools .egg-info directory or file instead of
	// a .dist-info directory.
	Legacy bool
	// Location is the directory holding DistInfo: a site-packages
	// directory, or for legacy editable installs the directory an
	// .egg-link or .pth file names.
	Location string
}
