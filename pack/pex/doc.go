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
// A layered environment (Options.Layers) is a base pex written by Write
// and layer files written by WriteLayer, shipped side by side:
//
//	env-<hash>.pex               the base: the layout above, with the small
//	                             distributions; its PEX-INFO names the layers
//	layer-<layer hash>.pex       one per large distribution: no shebang, no
//	  .deps/<wheel file name>/...  bootstrap, the chroots laid out as above
//	  PEX-INFO                   pex_hash is the layer hash; distributions
//
// The base's PEX-INFO lists its layers in order, under clusterpack's own
// key clusterpack_layers ({file, pex_hash, distributions} each) and as
// pex's pex_path and pex_paths (the file names); its requirements include
// the layers' distributions. A layer depends only on its wheels, the
// target Python and its hash, so the same wheel gives the same layer, by
// name and byte for byte, in every environment (see "Layers").
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
//  3. For a base of a layered environment, finds and unpacks each layer
//     (see "Layers").
//  4. Builds sys.path as a virtual environment would have it: the entry
//     CPython puts first for the chosen mode, PYTHONPATH, the standard
//     library, then the chroots in PEX-INFO order, each layer's after the
//     pex's own in the layers' order (with their .pth files
//     processed, as site-packages would be). The base interpreter's
//     site-packages (user and system, and what their .pth files add) are
//     removed when inherit_path is "false", pex's default; kept after the
//     chroots for "fallback" and before them for "prefer". The
//     PEX_INHERIT_PATH environment variable overrides PEX-INFO, as in pex.
//     Modules the base interpreter imported from site-packages before the
//     bootstrap ran (by .pth files) stay imported.
//  5. Runs the entry point when there is one and PEX_INTERPRETER is not
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
// # Layers
//
// The base's bootstrap looks for each layer file, by the name PEX-INFO
// gives it, in this order: beside the pex as it was started (the lexical
// directory of its path: YARN and Spark link every shipped file into the
// container's working directory, each link pointing into its own cache
// directory), beside the pex with symlinks resolved, then in the current
// directory. The first regular file found is used. When the layer is not
// unpacked yet, its PEX-INFO is checked first (a zip whose pex_hash is
// the layer hash the base names and whose distributions are the wheels
// the base names), then its .deps tree is unpacked into
// PEX_ROOT/installed/<layer hash> exactly as the base is (one flock per
// hash, a temporary directory renamed into place, leftovers of a killed
// unpacking removed), so a layer shared by several environments is
// unpacked once per node and PEX_ROOT. Once unpacked, the directory,
// named by the hash, is what runs: a warm start only checks that the
// file is there, with one stat, and reads nothing of it. A layer's
// chroots with .pth files at their root are found by listing them.
//
// A layer that is in none of the places, or a file that is not that
// layer (another layer, a truncated download, not a zip), stops the pex
// before any user code runs with one line on standard error naming the
// layer file, the base pex and the places looked in or what is wrong,
// and saying how to ship it (spark-submit --files with the layer's URL,
// as `clusterpack spark-args --layers` prints them), and exit status 1.
// Everything else (the interpreter mode, -c, -m, scripts, standard input,
// interpreter options, the sys.executable rule, PEX_ROOT and its
// fallbacks, inherit_path) works as for a pex without layers; a process
// that re-executes sys.executable (the base's path as started) finds the
// layers the same way.
//
// Against pex's own joining of pexes (PEX_PATH and PEX-INFO's
// pex_path/pex_paths): pex mounts each listed pex as an environment of
// its own, resolving a relative entry against the current directory only,
// installs it into PEX_ROOT under the pex_hash the file itself declares
// (its wheels shared through installed_wheels), and then resolves the
// requirements against the union; a missing file fails with a traceback.
// Here the base names each layer's hash and distributions, looks for the
// file beside the base first, refuses a file that is not the layer it
// names, and puts the chroots on sys.path in a fixed order without a
// resolver. The layer files have pex's PEX-INFO and chroot layout but not
// its .bootstrap/ and bootstrap_hash, so pex's own runtime does not mount
// them: pex_path and pex_paths in the base's PEX-INFO describe the
// environment for tools that read PEX-INFO, and nothing runs them.
//
// A layer is read with zipfile, which reads zip64 in every CPython 3, not
// through zipimport: a layer may need zip64 (a large torch or CUDA wheel)
// whatever its target Python; only the base, which CPython opens as a zip
// application, is held to Zip64Note.
//
// # Start-up cost
//
// A warm start costs what CPython spends opening any zip application,
// reading the whole zip directory with zipimport (proportional to the
// number of files: about 7,000 for numpy, pandas, pyarrow, scipy and
// scikit-learn), plus a stat of the unpacked directory; the bootstrap
// imports nothing beyond os and sys on that path (zipfile only to
// unpack, site only for chroots with .pth files, runpy for -m, code for
// the console). Each layer adds a stat of its file (up to three, in the
// order above) and of its unpacked directory, and a listing of each of
// its chroots.
//
// # Large environments
//
// See Zip64Note.
package pex
