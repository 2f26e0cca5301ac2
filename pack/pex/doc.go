// Package pex writes an environment as a PEX file: a PEP 441 zip
// application that stands in for the Python interpreter, in the layout
// and with the metadata of pex (github.com/pex-tool/pex), so that
// `PYSPARK_PYTHON=./env.pex` runs Spark's Python workers with the
// environment's distributions importable.
//
// # Layout
//
// A pex written by Write is a shebang line followed by a zip archive
// whose offsets count from the start of the file:
//
//	#!/usr/bin/env python3.11
//	.deps/<wheel file name>/...  one chroot per wheel, in file name order
//	__main__.py                  the bootstrap (see below)
//	PEX-INFO                     pex's JSON metadata (see Info)
//
// Each chroot holds its wheel installed as pex installs wheels into its
// chroots: purelib and platlib at the chroot's root, scripts in
// .prefix/bin, data in .prefix and headers in .prefix/include/site/pythonX.Y
// (see Scheme). Scripts and console-script launchers in .prefix/bin start
// "python" beside themselves, which a chroot does not have: the bootstrap
// never runs them (use Options.EntryPoint), and they are there so that a
// chroot holds the whole installation, as pex's do. The wheels' members are copied as their compressed bytes,
// never inflated and deflated again; the few files clusterpack writes
// itself (the bootstrap, PEX-INFO, the installer's .dist-info files and
// launchers) are deflated at a fixed level. Entries are dated 1980-01-01
// with modes 0644 or 0755 and no byte code is compiled, so the same wheels
// and Options give the same bytes on any machine, any day.
//
// # The bootstrap
//
// __main__.py is clusterpack's own, standard library only, for CPython
// 3.7 and later. On every start it:
//
//  1. Applies PEX-INFO's inject_env with os.environ.setdefault (variables
//     already set win) and sets PEX to the pex's absolute path, as pex does.
//  2. Finds the unpacked environment, PEX_ROOT/installed/<content hash>,
//     and if it is not there unpacks the .deps tree of the pex into it (see
//     "Unpacking"). PEX_ROOT is, in this order: the PEX_ROOT environment
//     variable; ~/.pex; then, when that cannot be created or written (Spark
//     executors often run with an odd or read-only HOME), the directory
//     clusterpack-pex-<uid> in the temporary directory ($TMPDIR, $TEMP,
//     $TMP, /tmp, /var/tmp, /usr/tmp), created 0700 and used only when it
//     belongs to the user.
//  3. Builds sys.path as a virtual environment would have it: the entry
//     CPython puts first for the chosen mode, PYTHONPATH, the standard
//     library, then the chroots in PEX-INFO order (with their .pth files
//     processed, as site-packages would be). The base interpreter's
//     site-packages (user and system, and what their .pth files add) are
//     removed when inherit_path is "false", pex's default; kept after the
//     chroots for "fallback" and before them for "prefer". The
//     PEX_INHERIT_PATH environment variable overrides PEX-INFO, as in pex.
//     Modules the base interpreter imported from site-packages before the
//     bootstrap ran (by .pth files) stay imported.
//  4. Runs the entry point when there is one and PEX_INTERPRETER is not
//     set to a true value ("1", "true"); otherwise behaves as the
//     interpreter, with CPython's command line (see "Interpreter mode").
//
// # Interpreter mode
//
// `env.pex -c CODE args`, `-m MODULE args`, `SCRIPT args`, `- args`
// (standard input) and no arguments (an interactive console when standard
// input is a terminal, else standard input run as a script, as CPython
// does) set sys.argv, sys.path[0] and the __main__ module as CPython does
// for each form. Errors print the traceback without the bootstrap's frames
// and exit 1; SystemExit and KeyboardInterrupt behave as in CPython; a
// missing script exits 2. Interpreter options before the mode (-u, -E, -s,
// -S, -I, -B, -O, -OO, -b, -d, -i, -q, -v, -P, -R, -W arg, -X arg,
// --check-hash-based-pycs arg, in any combination such as -uB) are
// honoured exactly by re-executing the running interpreter with those
// options and the pex, which costs one more interpreter start only when
// options are given; -x is handled by the bootstrap; -h, -V and --version
// are answered by the interpreter itself.
//
// sys.executable: pex, outside its venv mode, leaves sys.executable as the
// base interpreter, so a process that re-executes sys.executable
// (multiprocessing's spawn and forkserver, loky, subprocess calls of
// `sys.executable -m ...`) runs without the pex's distributions. This
// bootstrap sets sys.executable to the pex's absolute path instead, when
// the pex has no entry point, is executable, and its shebang resolves to
// the interpreter already running (so a re-execution runs the same Python
// with the same environment); otherwise sys.executable is left alone. The
// base interpreter stays in sys._base_executable where CPython has it.
//
// # Unpacking
//
// The environment is unpacked once per PEX_ROOT and content hash: the
// first process takes an exclusive flock on installed/.<hash>.lock,
// unpacks into a sibling temporary directory .<hash>.tmp-<pid>-<random>,
// and renames it to <hash>; processes started meanwhile wait on the lock
// and then use the renamed directory, so fifty processes started at once
// unpack once and none sees a partial directory. A process killed while
// unpacking leaves only its temporary directory, which the next unpacking
// removes while it holds the lock. Where flock is unavailable (some
// network file systems) processes unpack side by side and the first
// rename wins. PEX_VERBOSE=1 reports each unpacking on standard error.
//
// # Start-up cost
//
// A warm start costs what CPython spends opening any zip application,
// reading the whole zip directory with zipimport (proportional to the
// number of files: about 7,000 for numpy, pandas, pyarrow, scipy and
// scikit-learn), plus a stat of the unpacked directory; the bootstrap
// imports nothing beyond os and sys on that path (zipfile only to
// unpack, site only for chroots with .pth files, runpy for -m, code for
// the console).
//
// # Large environments
//
// See Zip64Note.
package pex
