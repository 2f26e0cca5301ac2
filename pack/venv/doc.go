// Package venv writes a relocatable Python virtual environment as a zip
// or tar.gz archive, ready for Spark (--archives env.zip#environment with
// PYSPARK_PYTHON=./environment/bin/python) and Flink (-pyarch
// env.zip#venv -pyexec venv/bin/python).
//
// # Layout
//
// The archive's root is the environment's root:
//
//	bin/activate                       bash/zsh, finds VIRTUAL_ENV from its own path
//	bin/python, bin/python3, bin/python3.Y   the launcher (identical files)
//	bin/<scripts>                      wheels' scripts and entry points
//	lib/python3.Y/site-packages/       every wheel, installed by pack/wheel
//	pyvenv.cfg
//	libexec/python3.Y, lib/libpython3.Y.so.1.0, lib/python3.Y/<stdlib>
//	                                   with Options.BundlePython only
//
// # Layers
//
// A layered environment (Options.Layers, WriteLayer) is a base plus
// layers, each its own archive, unpacked beside one another on a node:
// the base under the alias the job gives it ("environment", "venv"),
// each layer under its directory name ("layer-<hash>"). A layer's root
// is a prefix of the environment's:
//
//	lib/python3.Y/site-packages/       its wheels, installed by pack/wheel
//	<.data/data files>, include/site/… as in an environment; no bin/
//
// The base is an environment as above whose bin/ also holds the scripts
// and entry-point launchers of the layers' wheels (Options.LayerWheels;
// they run the base's bin/python, which loads the layers), and whose
// site-packages has two more files:
//
//	_clusterpack_layers.pth            "import _clusterpack_layers"
//	_clusterpack_layers.py             the layer list and their loader
//
// site.py runs the .pth file at interpreter start. The module finds each
// layer directory beside the base's root (the directory three levels
// above site-packages): first as the path reads, without resolving
// symbolic links (YARN links each archive's alias into the container's
// directory), then with them resolved, then in the current directory;
// it calls site.addsitedir on the layer's site-packages, in the base's
// order, so the layer's own .pth files work. A layer whose
// site-packages is on sys.path already (an entry ending in
// <layer>/lib/python3.Y/site-packages, as the runner puts them) is left
// alone. A missing layer writes one line to stderr naming it, the base
// and the --archives URL#<layer> that ships it; the rest loads. A
// layer's bytes depend only on its wheels, the format and the Python
// version, so the same wheel gives the same layer in every environment.
//
// Entries come in a fixed order: the environment's own files sorted by
// path, then the wheels sorted by file name, each in its installation
// order; a directory entry (mode 0755) precedes the first entry inside
// it, so that unzippers that need them (Java's) create the directories.
// Every entry is dated 1980-01-01 and has mode 0755 (executables) or
// 0644; tar entries have uid and gid 0 and no user or group names. No
// .pyc file is written. Two files at one path are an error (ErrConflict).
//
// # Why it runs wherever it is unpacked
//
// What breaks when a virtualenv moves (the lessons of virtualenv,
// venv-pack, conda-pack and uv's --relocatable) is every absolute path
// written into it: bin/python as a symbolic link to the build machine's
// interpreter, "home" in pyvenv.cfg, the shebang lines of scripts and the
// VIRTUAL_ENV that activate sets. Here:
//
//   - bin/python is a small POSIX sh script (see launcher), not a link: a
//     zip has no portable symbolic link and Java unzippers drop them. It
//     finds its own directory, chooses the interpreter (Options.PythonPath,
//     an absolute path or a name looked up on PATH at run time, pythonX.Y
//     by default; or the bundled one) and execs it with argv[0] set to its
//     own absolute path. CPython on Linux takes sys.executable from
//     argv[0], finds pyvenv.cfg beside it, and so sets sys.prefix to the
//     unpacked directory and puts its site-packages on sys.path; checked
//     with CPython 3.7 to 3.13. "exec -a" is not in dash: the script then
//     uses bash, zsh or ksh for the exec.
//   - pyvenv.cfg has "home" only for an absolute PythonPath. CPython reads
//     no relative home, and without one it finds its standard library from
//     the prefix it was configured with (right for distribution, pyenv and
//     conda interpreters) or, bundled, from the environment itself.
//   - scripts and entry-point launchers start with pack/wheel's /bin/sh
//     trampoline, which runs the python beside the script.
//   - bin/activate computes VIRTUAL_ENV from its own path when sourced.
//
// # Bundled Python
//
// With Options.BundlePython the environment is a whole CPython
// installation, as conda-pack makes one without conda: the interpreter's
// executable at libexec/pythonX.Y, its shared libpython in lib/ and its
// standard library in lib/pythonX.Y beside site-packages (see
// inspectPython for what is left out). sys.prefix and sys.base_prefix are
// both the unpacked directory: CPython's search for its standard library
// starts at argv[0]'s directory (bin/) and finds lib/pythonX.Y/os.py one
// level up, so no PYTHONHOME and no "home" are needed. The executable
// finds libpython through its RUNPATH when that is $ORIGIN/../lib;
// otherwise (pyenv builds, for one, record the absolute build prefix) the
// launcher prepends the environment's lib/ to LD_LIBRARY_PATH, which
// child processes inherit. Symbolic links in the installation are stored
// as copies of their targets in both formats. The bundle runs only on
// nodes of the interpreter's OS, architecture and C library (or newer).
//
// # Modes on the cluster
//
// bin/python must be executable when unpacked. Zip entries carry Unix
// modes in the central directory ("made by" Unix), which Flink
// (ZipUtils.extractZipFileWithPermissions), Spark's own unpacking on
// Kubernetes and standalone clusters (Hadoop's FileUtil.unZip(File, File))
// and unzip(1) restore; tar keeps them too. YARN does not use the
// archive's modes at all: after unpacking a zip or a tar.gz, its
// localizer (Hadoop's FSDownload.changePermissions) sets every file to
// 0555 and every directory to 0755 for a public resource, 0500 and 0700
// for a private one, so bin/python is executable there in both formats,
// even from a zip with no Unix modes. internal/e2e/jobtest runs zip,
// tar.gz and a zip stripped of its modes on Hadoop 3.3.6's YARN; the 3.4
// line's source has the same changePermissions (not run here). Either
// format works on YARN; Zip builds faster. Where some other unpacker did
// drop the modes, make the scripts executable before use, e.g. in a
// setup hook "chmod +x venv/bin/* venv/libexec/*", or start the launcher
// through a shell ("sh venv/bin/python ...").
//
// # Speed and reproducibility
//
// A zip costs little more than reading the wheels: their members are
// copied as compressed bytes (zip.File.OpenRaw, zip.Writer.CreateRaw);
// only the environment's own files are deflated, on Options.Parallelism
// goroutines. A tar.gz must inflate every member and deflate the whole
// stream again, which is why Zip is the default; its gzip stream is
// compressed in parallel blocks (see parallelGzip) whose bytes do not
// depend on the parallelism. Both stream: memory does not grow with the
// environment, except for one small record per path to refuse conflicts.
// The zip64 extensions are used when an environment has 65,535 entries or
// more or passes 4 GiB.
package venv
