package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/runner"
)

const checkLong = `Check an archive before it ships. Static part: every wheel's tags fit the
target, and every extension module (ELF) fits the target's manylinux policy
(glibc and libstdc++ symbol versions, libraries bundled or allowed). Live
part, when this host can run the target: clusterpack loads a libpython of the
archive's Python into its own process (no subprocess), imports every
top-level module of every distribution, then runs --file and --call.

Two findings do not fail it: a WARN line for a library that wheels leave
to the system on purpose (libgomp.so.1, GCC's OpenMP runtime, which
LightGBM needs: the nodes must have it), and a note for a module that
needs a package only an extra nobody asked for brings (duckdb's
adbc_driver_duckdb). It exits non-zero on any failure, naming the package
and what to do:

  clusterpack check dist/env-3e1af44d2d38abbcb909.zip --call myjob:smoke_test

A layered environment (build --layers) is checked whole, its base and every
layer: name its manifest (env-<hash>.json) or its base with the manifest
beside it, and the layers are found beside them; or name the base and give
each layer with --layer.`

func newCheckCommand() *cobra.Command {
	var (
		file, call, python, platform string
		static, asJSON, noLimits     bool
		layers                       []string
	)
	cmd := &cobra.Command{
		Use:   "check ARCHIVE|MANIFEST",
		Short: "Check an archive in-process before it ships: tags, glibc, imports",
		Long:  checkLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := commandEnv()
			if err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(args[0], build.RequirementsFile)); err == nil {
				return usagef("%s is a wheelhouse (wheels for pip, installed by Flink's -pyreq), not an environment: check takes a zip, tar.gz or pex; build one with --format zip to check it", args[0])
			}
			archives, err := environmentArchives(args[0], layers)
			if err != nil {
				return err
			}
			archive, err := runner.OpenEnvironment(cmd.Context(), archives, runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Platform: platform, Limits: unpackLimits(noLimits)})
			if err != nil {
				return err
			}
			opts := runner.CheckOptions{StaticOnly: static, Find: runner.FindOptions{Python: python, Getenv: os.Getenv}}
			if file != "" {
				opts.Runs = append(opts.Runs, runner.Call{File: file})
			}
			if call != "" {
				opts.Runs = append(opts.Runs, runner.Call{Function: call})
			}
			report, err := runner.Check(cmd.Context(), archive, opts)
			if err != nil {
				return err
			}
			hintReport(report)
			if asJSON {
				if err := printJSON(cmd, report); err != nil {
					return err
				}
			} else if err := writeString(cmd.OutOrStdout(), report.Summary()); err != nil {
				return err
			}
			if !report.OK() {
				return errors.New("the archive would fail on the cluster: see above")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "file", "", "a script to run in the environment after the imports")
	f.StringVar(&call, "call", "", "a function (module:function) to call after the imports")
	f.StringVar(&python, "python", "", "a local CPython of the archive's version to load (default: bundled, PATH, pyenv)")
	f.StringVar(&platform, "platform", "", "the target platform tag (default: from the build manifest beside the archive)")
	f.BoolVar(&static, "static", false, "only the static part: no Python is loaded")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&noLimits, "no-unpack-limits", false, unpackLimitsHelp)
	f.StringArrayVar(&layers, "layer", nil, layerHelp)
	return cmd
}

// layerHelp describes --layer, of check and run.
const layerHelp = "a layer archive of the layered environment whose base ARCHIVE is (repeatable, in load order; default: the layers its manifest beside it names)"

// environmentArchives are the archives check and run open: the base and
// the --layer archives, or what the manifest or the base names.
func environmentArchives(path string, layers []string) (runner.Archives, error) {
	if len(layers) > 0 {
		if strings.HasSuffix(path, ".json") {
			return runner.Archives{}, usagef("--layer goes with the base archive, not a manifest (%s names its layers itself)", path)
		}
		return runner.Archives{Base: path, Layers: layers}, nil
	}
	return runner.Locate(path)
}

const runLong = `Run code of an archive inside clusterpack's own process, with the archive's
packages on sys.path, the way an executor would run a UDF:

  --call module:function [--args JSON]   call a function
  --file script.py [ARGS after --]       run a script as __main__
  --eval EXPR [--var name=JSON]...       print the value of an expression as JSON
  --exec STATEMENTS                      run statements in order (repeatable); with
                                         another call, they first run on every worker

With --input rows.jsonl, the call is made once per row (the row is the
function's argument, or the variable "row" of --eval/--exec), and results are
printed as JSON lines in input order. --workers N runs N interpreters
(sub-interpreters with their own GIL on Python 3.12+, threads before);
--timeout reports slow calls as stragglers and goes on; --mode all runs a
call on every worker (set-up statements).

sys.path is the archive's packages and the standard library only:
PYTHONPATH and the current directory are not on it (the interpreter runs
isolated, as on an executor), and no .pth file of the base interpreter's
site-packages runs. --path DIR (repeatable) puts a directory of your own
modules first. Python runs in UTF-8 mode (open(), file names and the
standard streams are UTF-8, as on an executor with a UTF-8 or C locale),
and its stdout and stderr are unbuffered, as a Spark executor's Python
workers run (PYTHONUNBUFFERED): what the code prints is out before the
call returns, and a crash loses none of it. With --input, prints go to
standard error.

Every input row gets exactly one JSON line on standard output, written
whole as soon as it is in order: a result, or an error record naming the
row and its line ("Timeout" for a call past --timeout, "NotRun" when every
worker is held by such calls). A call past --timeout cannot be stopped
(Python threads cannot be killed): its worker is abandoned and a fresh one,
which runs --exec again, takes its place. At the end clusterpack waits
--grace for stragglers, names those still running as "unfinished:" on
standard error, and exits. With --isolate each worker is a child process:
a crash costs one row (a "Crash" record with the Python traceback), and a
call past --timeout is killed with its process.

With --input FILE.arrow (an Arrow IPC stream or file: .arrow, .arrows,
.feather, .ipc) the function is called once per record batch, as Spark
calls a pandas UDF: the file is memory-mapped and each batch read from the
mapping without a copy; --batch pandas (default) passes a DataFrame whose
numeric columns are views of the mapping, series one pandas Series per
column, arrow the pyarrow RecordBatch. One JSON line per batch ("index" is
the batch's); a DataFrame result is its rows, a Series its values. The
archive needs pyarrow (and pandas unless --batch arrow).

NaN and Infinity are written as the strings "NaN", "Infinity" and
"-Infinity"; a value JSON cannot hold is an error record naming its type.

Exit status: 0 every call returned; 1 a call raised or crashed (or
another error); 2 a mistake in the command line; 3 a call ran past
--timeout (and none raised); 4 the interpreter's process died (without
--isolate: a segfault in an extension module, os._exit, the out-of-memory
killer); 130, 143 or 129 interrupted by SIGINT, SIGTERM or SIGHUP, once the
calls running had --grace to finish. Without --isolate the calls run in a child process
that clusterpack supervises: when it dies, every record written before is
complete, a Crash record names each row that was running, with the Python
traceback of the one that crashed, and the error on standard error says
which row of which file.

A layered environment (build --layers) runs whole: name its manifest
(env-<hash>.json) or its base with the manifest beside it, or the base and
each layer with --layer.

  clusterpack run env.zip --exec 'import os' --eval 'os.getpid()'
  clusterpack run env.zip --path src --call myjob:udf --input rows.jsonl --timeout 5s`

// runFlags are the flags of the run command.
type runFlags struct {
	call, args, file, eval, input, stragglers, python, mode string
	batch                                                   string
	vars, exec, path, layers                                []string
	workers, maxWorkers                                     int
	timeout, grace                                          time.Duration
	raw, noLimits, isolate                                  bool
}

// timeoutError is run's error when calls ran past --timeout: exit status 3.
type timeoutError struct{ stragglers, unfinished int }

func (e *timeoutError) Error() string {
	msg := fmt.Sprintf("%d calls ran past --timeout", e.stragglers)
	if e.unfinished > 0 {
		msg += fmt.Sprintf(", %d still running at the end (abandoned)", e.unfinished)
	}
	return msg
}

func (e *timeoutError) ExitCode() int { return 3 }

// unpackLimitsHelp describes --no-unpack-limits, of check and run.
const unpackLimitsHelp = "unpack an archive past the limits no real environment reaches (64 GiB, 2,000,000 files, a zip member expanding 500 times)"

// unpackLimits are the runner's default limits, or none.
func unpackLimits(none bool) runner.Limits {
	if none {
		return runner.Limits{MaxBytes: -1, MaxFiles: -1, MaxRatio: -1}
	}
	return runner.Limits{}
}

func newRunCommand() *cobra.Command {
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "run ARCHIVE|MANIFEST [-- SCRIPT ARGS]",
		Short: "Run code of an archive in an embedded CPython",
		Long:  runLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			c, opts, err := fl.request(argv[1:])
			if err != nil {
				return err
			}
			if shouldSupervise(cmd.Context(), &fl) {
				if err := supervise(fl.input, cmd.ErrOrStderr()); !errors.Is(err, errUnsupervised) {
					return err
				}
			}
			jl, err := supervised()
			if err != nil {
				return err
			}
			env, err := commandEnv()
			if err != nil {
				return err
			}
			opts.Open = runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Limits: unpackLimits(fl.noLimits)}
			if len(fl.layers) > 0 && strings.HasSuffix(argv[0], ".json") {
				return usagef("--layer goes with the base archive, not a manifest (%s names its layers itself)", argv[0])
			}
			opts.Layers = fl.layers
			// Each record is written whole, with one Write, as soon as it
			// is in order: a crash of the interpreter loses no finished
			// record and cuts none.
			out := cmd.OutOrStdout()
			stderr := cmd.ErrOrStderr()
			if jl != nil {
				// The supervised child of this command (supervise.go):
				// records go through the journal, which names the row
				// running when the process dies.
				defer jl.End()
				opts.Pool.Tracker, opts.Pool.CrashFD = jl, fdCrash
				if fl.input != "" {
					out = jl
				}
			}
			opts.Progress = stderr
			if fl.stragglers != "" {
				sf, err := os.Create(fl.stragglers)
				if err != nil {
					return err
				}
				defer sf.Close()
				enc := json.NewEncoder(sf)
				var mu sync.Mutex
				opts.Pool.OnStraggler = func(r runner.Result) {
					mu.Lock()
					defer mu.Unlock()
					_ = enc.Encode(r)
				}
			}
			failed := false
			if fl.input != "" {
				f, err := os.Open(fl.input)
				if err != nil {
					return err
				}
				defer f.Close()
				opts.Rows = runner.JSONLines(f)
				var buf []byte
				opts.OnResult = func(r runner.Result) (err error) {
					buf, err = r.WriteJSON(out, buf)
					return err
				}
			} else {
				opts.OnResult = func(r runner.Result) error {
					if r.Error != nil {
						failed = failed || !r.Straggler
						msg := r.Error.Traceback
						if msg == "" {
							msg = r.Error.Last
						}
						fmt.Fprintf(stderr, "worker %d: %s\n", r.Worker, strings.TrimRight(msg, "\n"))
					} else if fl.eval != "" || fl.call != "" {
						v := r.Value
						if len(v) == 0 {
							v = json.RawMessage("null")
						}
						// Two writes: no copy of a large value.
						if _, err := out.Write(v); err != nil {
							return err
						}
						if _, err := io.WriteString(out, "\n"); err != nil {
							return err
						}
					}
					return nil
				}
			}
			if fl.isolate {
				exe, err := os.Executable()
				if err != nil {
					return fmt.Errorf("finding this program to start worker processes: %w", err)
				}
				opts.Processes = &runner.ProcessOptions{Command: []string{exe, workerCommand}, Output: stderr}
			}
			stats, err := fl.runFunc()(cmd.Context(), argv[0], c, opts)
			var se *runner.SetupError
			switch {
			case err != nil && interruption(cmd.Context()) != nil:
				ie := &interruptedError{cause: interruption(cmd.Context())}
				if fl.input != "" {
					ie.what = "the records written are complete; rows without one did not run"
				}
				return ie
			case errors.As(err, &se):
				return fmt.Errorf("--exec failed on worker %d: %s", se.Worker, se.Err.Last)
			case errors.Is(err, runner.ErrFileRows):
				return errors.New("--input works with a function call, an expression or statements, not a file")
			case err != nil:
				return err
			case fl.input != "" && stats.Errors > 0:
				return fmt.Errorf("%d of %d calls failed", stats.Errors, stats.Calls)
			case failed:
				return errors.New("the code raised an exception (traceback above)")
			case stats.Stragglers > 0:
				return &timeoutError{stats.Stragglers, stats.Unfinished}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.call, "call", "", "module:function to call")
	f.StringVar(&fl.args, "args", "", "arguments of --call as JSON (array, object or one value)")
	f.StringVar(&fl.file, "file", "", "script to run as __main__")
	f.StringVar(&fl.eval, "eval", "", "expression whose value is printed as JSON")
	f.StringArrayVar(&fl.vars, "var", nil, "name=JSON value bound for --eval (repeatable)")
	f.StringArrayVar(&fl.exec, "exec", nil, "statements to run first, in order (repeatable)")
	f.StringVar(&fl.input, "input", "", "JSON lines file: one call per row, results as JSON lines in order (FILE.arrow: one call per Arrow record batch)")
	f.BoolVar(&fl.raw, "raw", false, "with --input and --call: pass each row to the function as a str (fast path)")
	f.BoolVar(&fl.noLimits, "no-unpack-limits", false, unpackLimitsHelp)
	f.IntVar(&fl.workers, "workers", 1, "interpreters running calls")
	f.IntVar(&fl.maxWorkers, "max-workers", 0, "most interpreters alive at once, counting those held by calls past --timeout: while there is room, a fresh one takes the place of a held one (default 4 x --workers)")
	f.BoolVar(&fl.isolate, "isolate", false, "run each worker in a child process: a crash costs its call (an error record), a call past --timeout is killed")
	f.DurationVar(&fl.timeout, "timeout", 0, "report calls longer than this as stragglers (e.g. 2s)")
	f.StringVar(&fl.stragglers, "stragglers", "", "file for the late results of stragglers (JSON lines)")
	f.DurationVar(&fl.grace, "grace", runner.DefaultGrace, "at the end, how long to wait for stragglers before leaving them running and exiting")
	f.StringArrayVar(&fl.path, "path", nil, "a directory of your own modules to put first on sys.path (repeatable; PYTHONPATH and the current directory are not on it)")
	f.StringVar(&fl.batch, "batch", "", "with --input FILE.arrow: what the function gets per record batch: pandas (a DataFrame, default), series (a Series per column), arrow (a pyarrow RecordBatch)")
	f.StringVar(&fl.mode, "mode", "any", "any: each call on one worker; all: on every worker")
	f.StringVar(&fl.python, "python", "", "a local CPython of the archive's version to load (default: bundled, PATH, pyenv)")
	f.StringArrayVar(&fl.layers, "layer", nil, layerHelp)
	return cmd
}

// workerCommand is the hidden command a worker process of run --isolate runs.
const workerCommand = "run-worker"

func newRunWorkerCommand() *cobra.Command {
	return &cobra.Command{
		Use:    workerCommand,
		Short:  "A worker process of run --isolate (started by clusterpack itself)",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runner.ServeWorker(cmd.Context())
		},
	}
}

// request is the call and the options the flags ask for, without the
// archive's cache, the files and the printing; a mistake is a usage
// error.
func (fl *runFlags) request(scriptArgs []string) (runner.Call, runner.RunOptions, error) {
	c := runner.Call{Function: fl.call, File: fl.file, Eval: fl.eval, Argv: scriptArgs}
	opts := runner.RunOptions{
		Find: runner.FindOptions{Python: fl.python, Getenv: os.Getenv},
		Pool: runner.PoolOptions{Workers: fl.workers, MaxWorkers: fl.maxWorkers, Timeout: fl.timeout, StdoutToStderr: fl.input != "", Path: fl.path},
		// Each record is written out before OnResult returns.
		Map:   runner.MapOptions{Raw: fl.raw, ReuseValues: true},
		Grace: fl.grace,
	}
	if err := fl.checkArrow(); err != nil {
		return c, opts, err
	}
	if fl.maxWorkers != 0 && fl.maxWorkers < max(fl.workers, 1) {
		return c, opts, usagef("--max-workers %d is fewer than --workers %d", fl.maxWorkers, fl.workers)
	}
	if fl.args != "" {
		if !json.Valid([]byte(fl.args)) {
			return c, opts, usagef("--args is not JSON: %s", fl.args)
		}
		c.Args = json.RawMessage(fl.args)
	}
	if len(fl.vars) > 0 {
		c.Vars = map[string]json.RawMessage{}
		for _, v := range fl.vars {
			name, value, ok := strings.Cut(v, "=")
			if !ok {
				return c, opts, usagef("--var %q: want name=JSON", v)
			}
			if !json.Valid([]byte(value)) {
				value = mustJSON(value) // a bare word is a string
			}
			c.Vars[name] = json.RawMessage(value)
		}
	}
	chosen := 0
	for _, s := range []string{fl.call, fl.file, fl.eval} {
		if s != "" {
			chosen++
		}
	}
	if chosen > 1 {
		return c, opts, usagef("give one of --call, --file and --eval (with --exec before it if you like)")
	}
	if chosen == 0 && len(fl.exec) == 0 {
		return c, opts, usagef("nothing to run: give --call, --file, --eval or --exec")
	}
	switch fl.mode {
	case "any":
		opts.Mode = runner.ModeAny
	case "all":
		opts.Mode = runner.ModeAll
	default:
		return c, opts, usagef("--mode must be any or all, not %q", fl.mode)
	}
	if chosen == 0 {
		c = runner.Call{Exec: fl.exec} // only statements
	} else {
		opts.Setup = fl.exec // run first on every worker
	}
	return c, opts, nil
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// exactArgs is cobra.ExactArgs reported as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
