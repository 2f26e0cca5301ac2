package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"

	"github.com/clusterpack/clusterpack/runner"
)

// isArrowInput says whether run's --input names an Arrow IPC file (by
// its extension): one call per record batch instead of one per JSON line.
func isArrowInput(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".arrow", ".arrows", ".feather", ".ipc":
		return true
	}
	return false
}

// checkArrow checks the flags that go with an Arrow --input.
func (fl *runFlags) checkArrow() error {
	arrow := isArrowInput(fl.input)
	if fl.batch != "" && !arrow {
		return usagef("--batch goes with --input FILE.arrow (an Arrow IPC file)")
	}
	if !arrow {
		return nil
	}
	if _, err := runner.ParseBatch(fl.batch); err != nil {
		return usagef("--batch %q: want pandas, series or arrow", fl.batch)
	}
	if fl.call == "" || fl.args != "" || fl.raw {
		return usagef("--input %s calls a function once per record batch: give --call module:function, without --args or --raw", fl.input)
	}
	return nil
}

// runFunc is runner.Run, or its Arrow form for an Arrow --input.
func (fl *runFlags) runFunc() func(context.Context, string, runner.Call, runner.RunOptions) (runner.MapStats, error) {
	if !isArrowInput(fl.input) {
		return runner.Run
	}
	return func(ctx context.Context, archive string, c runner.Call, opts runner.RunOptions) (runner.MapStats, error) {
		st, err := runner.RunArrow(ctx, archive, c, fl.input, runner.ArrowOptions{Batch: runner.Batch(fl.batch)}, opts)
		var se *runner.SetupError
		if errors.As(err, &se) && se.Err != nil && (se.Err.Module == "pyarrow" || se.Err.Module == "pandas") && se.Err.Type == "ModuleNotFoundError" {
			// The archive lacks what reading the batches needs: the
			// message names the package to add, not --exec.
			return st, errors.New(se.Err.Message)
		}
		return st, err
	}
}
