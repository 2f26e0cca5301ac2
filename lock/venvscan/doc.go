// Package venvscan reads an existing Python environment — a virtualenv
// made by venv, virtualenv or uv, a Windows virtualenv, or a conda-style
// prefix — without running Python, and reports what is installed in it:
// the interpreter, the Python version, the site-packages directories and
// every distribution with its core metadata, installer, REQUESTED marker,
// direct_url.json (PEP 610) and editable-install location.
//
// It follows the PyPA specifications "Recording installed projects"
// (.dist-info directories, RECORD, INSTALLER, REQUESTED), "Direct URL
// Data Structure" (direct_url.json) and PEP 660 (editable installs), and
// the legacy forms pip still lists: .egg-info directories and files,
// .egg-link files and setuptools develop .pth entries.
//
// URLs returned by this package never carry credentials: the userinfo of
// every URL read from direct_url.json is removed, but for an ssh user name
// (see ParseDirectURL).
package venvscan
