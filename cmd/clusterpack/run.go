package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

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
		static, asJSON               bool
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
			archive, err := runner.OpenArchive(cmd.Context(), args[0], runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Platform: platform})
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

func newRunCommand() *cobra.Command {
	var (
		call, args, file, eval, input, stragglers, python, mode string
		vars, exec                                              []string
		workers                                                 int
		timeout                                                 time.Duration
		raw                                                     bool
	)
	cmd := &cobra.Command{
		Use:   "run ARCHIVE [-- SCRIPT ARGS]",
		Short: "Run code of an archive in an embedded CPython",
		Long:  runLong,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, argv []string) error {
			c := runner.Call{Function: call, File: file, Eval: eval, Argv: argv[1:]}
			if args != "" {
				if !json.Valid([]byte(args)) {
					return usagef("--args is not JSON: %s", args)
				}
				c.Args = json.RawMessage(args)
			}
			if len(vars) > 0 {
				c.Vars = map[string]json.RawMessage{}
				for _, v := range vars {
					name, value, ok := strings.Cut(v, "=")
					if !ok {
						return usagef("--var %q: want name=JSON", v)
					}
					if !json.Valid([]byte(value)) {
						value = mustJSON(value) // a bare word is a string
					}
					c.Vars[name] = json.RawMessage(value)
				}
			}
			chosen := 0
			for _, s := range []string{call, file, eval} {
				if s != "" {
					chosen++
				}
			}
			if chosen > 1 {
				return usagef("give one of --call, --file and --eval (with --exec before it if you like)")
			}
			if chosen == 0 && len(exec) == 0 {
				return usagef("nothing to run: give --call, --file, --eval or --exec")
			}
			var m runner.Mode
			switch mode {
			case "any":
				m = runner.ModeAny
			case "all":
				m = runner.ModeAll
			default:
				return usagef("--mode must be any or all, not %q", mode)
			}
			env, err := commandEnv()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			archive, err := runner.OpenArchive(ctx, argv[0], runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner")})
			if err != nil {
				return err
			}
			interp, err := runner.FindInterpreter(ctx, archive, runner.FindOptions{Python: python, Getenv: os.Getenv})
			if err != nil {
				return err
			}
			py, err := runner.Load(*interp)
			if err != nil {
				return err
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			defer out.Flush()
			var mu sync.Mutex
			popts := runner.PoolOptions{Workers: workers, Timeout: timeout, StdoutToStderr: input != ""}
			if stragglers != "" {
				sf, err := os.Create(stragglers)
				if err != nil {
					return err
				}
				defer sf.Close()
				enc := json.NewEncoder(sf)
				popts.OnStraggler = func(r runner.Result) {
					mu.Lock()
					defer mu.Unlock()
					_ = enc.Encode(r)
				}
			}
			pool, err := runner.NewPool(ctx, py, archive, popts)
			if err != nil {
				return err
			}
			defer pool.Close(ctx)
			if note := pool.Note(); note != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", note)
			}
			failed := false
			switch {
			case len(exec) == 0:
			case chosen == 0:
				c = runner.Call{Exec: exec} // only statements
			default:
				// --exec then the call (or the calls of --input): set up
				// every worker first.
				res, err := pool.Do(ctx, runner.Call{Exec: exec}, runner.ModeAll)
				if err != nil {
					return err
				}
				for _, r := range res {
					if r.Error != nil {
						return fmt.Errorf("--exec failed on worker %d: %s", r.Worker, r.Error.Last)
					}
				}
			}
			if input != "" {
				f, err := os.Open(input)
				if err != nil {
					return err
				}
				defer f.Close()
				enc := json.NewEncoder(out)
				stats, err := pool.Map(ctx, c, runner.JSONLines(f), func(r runner.Result) error {
					return enc.Encode(r)
				}, runner.MapOptions{Raw: raw})
				if err != nil {
					return err
				}
				out.Flush()
				fmt.Fprintf(cmd.ErrOrStderr(), "%d calls, %d errors, %d stragglers\n", stats.Calls, stats.Errors, stats.Stragglers)
				if stats.Errors > 0 {
					return fmt.Errorf("%d of %d calls failed", stats.Errors, stats.Calls)
				}
				return nil
			}
			res, err := pool.Do(ctx, c, m)
			if err != nil {
				return err
			}
			for _, r := range res {
				if r.Error != nil {
					failed = true
					fmt.Fprintf(cmd.ErrOrStderr(), "worker %d: %s\n", r.Worker, strings.TrimRight(r.Error.Traceback, "\n"))
					continue
				}
				if eval != "" || call != "" {
					v := r.Value
					if len(v) == 0 {
						v = json.RawMessage("null")
					}
					fmt.Fprintf(out, "%s\n", v)
				}
			}
			if failed {
				return errors.New("the code raised an exception (traceback above)")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&call, "call", "", "module:function to call")
	f.StringVar(&args, "args", "", "arguments of --call as JSON (array, object or one value)")
	f.StringVar(&file, "file", "", "script to run as __main__")
	f.StringVar(&eval, "eval", "", "expression whose value is printed as JSON")
	f.StringArrayVar(&vars, "var", nil, "name=JSON value bound for --eval (repeatable)")
	f.StringArrayVar(&exec, "exec", nil, "statements to run first, in order (repeatable)")
	f.StringVar(&input, "input", "", "JSON lines file: one call per row, results as JSON lines in order")
	f.BoolVar(&raw, "raw", false, "with --input and --call: pass each row to the function as a str (fast path)")
	f.IntVar(&workers, "workers", 1, "interpreters running calls")
	f.DurationVar(&timeout, "timeout", 0, "report calls longer than this as stragglers (e.g. 2s)")
	f.StringVar(&stragglers, "stragglers", "", "file for the late results of stragglers (JSON lines)")
	f.StringVar(&mode, "mode", "any", "any: each call on one worker; all: on every worker")
	f.StringVar(&python, "python", "", "a local CPython of the archive's version to load (default: bundled, PATH, pyenv)")
	return cmd
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
