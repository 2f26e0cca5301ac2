package main

import (
	"bufio"
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

It exits non-zero on any failure, naming the package and what to do:

  clusterpack check dist/env-3e1af44d2d38abbcb909.zip --call myjob:smoke_test`

func newCheckCommand() *cobra.Command {
	var (
		file, call, python, platform string
		static, asJSON, noLimits     bool
	)
	cmd := &cobra.Command{
		Use:   "check ARCHIVE",
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
			archive, err := runner.OpenArchive(cmd.Context(), args[0], runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Platform: platform, Limits: unpackLimits(noLimits)})
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
	return cmd
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

  clusterpack run env.zip --exec 'import os' --eval 'os.getpid()'`

// runFlags are the flags of the run command.
type runFlags struct {
	call, args, file, eval, input, stragglers, python, mode string
	vars, exec                                              []string
	workers                                                 int
	timeout                                                 time.Duration
	raw, noLimits                                           bool
}

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
		Use:   "run ARCHIVE [-- SCRIPT ARGS]",
		Short: "Run code of an archive in an embedded CPython",
		Long:  runLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			c, opts, err := fl.request(argv[1:])
			if err != nil {
				return err
			}
			env, err := commandEnv()
			if err != nil {
				return err
			}
			opts.Open = runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Limits: unpackLimits(fl.noLimits)}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			stderr := cmd.ErrOrStderr()
			// Progress lines go to standard error after the results
			// written so far, so that the two streams keep their order.
			opts.Progress = flushFirst{out, stderr}
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
				enc := json.NewEncoder(out)
				opts.OnResult = func(r runner.Result) error { return enc.Encode(r) }
			} else {
				opts.OnResult = func(r runner.Result) error {
					if r.Error != nil {
						failed = true
						fmt.Fprintf(stderr, "worker %d: %s\n", r.Worker, strings.TrimRight(r.Error.Traceback, "\n"))
					} else if fl.eval != "" || fl.call != "" {
						v := r.Value
						if len(v) == 0 {
							v = json.RawMessage("null")
						}
						fmt.Fprintf(out, "%s\n", v)
					}
					return nil
				}
			}
			stats, err := runner.Run(cmd.Context(), argv[0], c, opts)
			var se *runner.SetupError
			switch {
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
	f.StringVar(&fl.input, "input", "", "JSON lines file: one call per row, results as JSON lines in order")
	f.BoolVar(&fl.raw, "raw", false, "with --input and --call: pass each row to the function as a str (fast path)")
	f.BoolVar(&fl.noLimits, "no-unpack-limits", false, unpackLimitsHelp)
	f.IntVar(&fl.workers, "workers", 1, "interpreters running calls")
	f.DurationVar(&fl.timeout, "timeout", 0, "report calls longer than this as stragglers (e.g. 2s)")
	f.StringVar(&fl.stragglers, "stragglers", "", "file for the late results of stragglers (JSON lines)")
	f.StringVar(&fl.mode, "mode", "any", "any: each call on one worker; all: on every worker")
	f.StringVar(&fl.python, "python", "", "a local CPython of the archive's version to load (default: bundled, PATH, pyenv)")
	return cmd
}

// request is the call and the options the flags ask for, without the
// archive's cache, the files and the printing; a mistake is a usage
// error.
func (fl *runFlags) request(scriptArgs []string) (runner.Call, runner.RunOptions, error) {
	c := runner.Call{Function: fl.call, File: fl.file, Eval: fl.eval, Argv: scriptArgs}
	opts := runner.RunOptions{
		Find: runner.FindOptions{Python: fl.python, Getenv: os.Getenv},
		Pool: runner.PoolOptions{Workers: fl.workers, Timeout: fl.timeout, StdoutToStderr: fl.input != ""},
		Map:  runner.MapOptions{Raw: fl.raw},
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

// flushFirst writes to w after flushing out.
type flushFirst struct {
	out *bufio.Writer
	w   io.Writer
}

func (f flushFirst) Write(p []byte) (int, error) {
	if err := f.out.Flush(); err != nil {
		return 0, err
	}
	return f.w.Write(p)
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
