package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/flink"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/pack/venv"
	"github.com/clusterpack/clusterpack/resolve"
	"github.com/clusterpack/clusterpack/runner"
	"github.com/clusterpack/clusterpack/sdist/build517"
	"github.com/clusterpack/clusterpack/spark"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/s3"
	"github.com/clusterpack/clusterpack/target"
	"github.com/clusterpack/clusterpack/upload"
)

// The libraries' errors say what is wrong and what to do in their own
// terms ("name an interpreter of that version"); only this command knows
// the flags that do it. hint adds them: every command's error goes
// through it (withHints), and the reports that reach the user as data
// (check's findings, spark-args' and flink-args' notes) get theirs where
// they are printed.

// hint returns err with the flags that do what its message says, in
// parentheses after it, when a library error in its chain has a hint:
// the outermost such error decides. The library's message ends with
// what to do, so the flags read as the way to do it.
// The result wraps err, so errors.Is and errors.As (usageError's exit
// code among them) see through it.
func hint(err error) error {
	if err == nil {
		return nil
	}
	h := hintFor(err)
	if h == "" {
		return err
	}
	return &hinted{err: err, hint: h}
}

// hinted is an error with a flag hint after its message.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + " (" + h.hint + ")" }
func (h *hinted) Unwrap() error { return h.err }

// hintFor walks err's chain, outermost first, for an error with a hint.
func hintFor(err error) string {
	if err == nil {
		return ""
	}
	if _, ok := err.(*hinted); ok {
		return "" // hinted already
	}
	if h := hintOf(err); h != "" {
		return h
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return hintFor(u.Unwrap())
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if h := hintFor(e); h != "" {
				return h
			}
		}
	}
	return ""
}

// hintOf is the hint for err itself (not its chain), or "".
func hintOf(err error) string {
	switch err {
	case lock.ErrNothingToLock:
		return "as arguments, -r FILE, -e DIR or --from-venv DIR"
	case lock.ErrVenvNoInterpreter:
		return "--python 3.11, or an interpreter's path"
	case resolve.ErrDirectURL:
		return "--find-links DIR"
	case spark.ErrNoURL:
		return "'clusterpack upload --manifest FILE' writes one"
	case spark.ErrSessionCluster:
		return "--style flags or --style conf"
	case flink.ErrNoURL:
		return "'clusterpack upload --manifest FILE' writes one"
	case flink.ErrPex:
		return "--format zip or --format tar.gz"
	case flink.ErrWheelhouseThread:
		return "upload --format zip --bundle-python PATH, then flink-args --manifest env.json --requirements wheels.json"
	case build.ErrWheelhouseOptions:
		return "leave out --python-path, --bundle-python, --entry-point and --shebang, or build --format zip"
	}
	if err == runner.ErrTooLarge {
		return "if the archive really is that large: --no-unpack-limits"
	}
	if errors.Is(err, store.ErrNoLocalStore) && !errors.Is(errors.Unwrap(err), store.ErrNoLocalStore) {
		return "--to URL"
	}
	switch e := err.(type) {
	case *target.NoInterpreterError:
		return "--python /path/to/python" + e.Version
	case *target.NotOnPathError:
		return "--python /path/to/python3, or --python 3.11 --platform manylinux_2_28_x86_64"
	case *target.PlatformNeededError:
		return "--platform manylinux_2_28_x86_64, for example"
	case *target.NotCPythonError:
		return "--python with a CPython, or a version such as --python 3.11"
	case *target.VersionError:
		return "--python 3.11, for example, or an interpreter's path"
	case *runner.NoInterpreterError:
		if e.Given == "" {
			return "--python /path/to/python" + e.Version
		}
	case *upload.ManifestError:
		return "'clusterpack upload --manifest FILE' writes one"
	case *upload.DigestMismatchError:
		return "clusterpack upload --force"
	case *flink.ThreadModeError:
		if e.NoPython {
			return "build it with --bundle-python PATH"
		}
	case *s3.RegionError:
		return "--s3-region REGION"
	case *s3.NoCredentialsError:
		return "--profile NAME"
	case *spark.ClientOnlyError:
		return "--deploy-mode client"
	case *venv.BundleError:
		return "--bundle-python"
	case *venv.PythonPathError:
		return "--python-path"
	case *build.ForeignWheelError:
		return "there, give --python its interpreter and no --platform"
	case *build.BrokenWheelError:
		return "--no-binary " + e.Package + " builds it from its sdist"
	case *build517.InterpreterError:
		v := e.Version()
		if v == "" {
			v = "3.X"
		}
		return "--python /path/to/python" + v
	}
	return ""
}

// hintReport adds their flags to check's findings that have a hint, for
// the summary and the JSON alike.
func hintReport(r *runner.Report) {
	for _, list := range [][]runner.Finding{r.Static, r.Failures} {
		for i := range list {
			if h := findingHint(list[i].Hint, r.Python); h != "" {
				list[i].Message += " (" + h + ")"
			}
		}
	}
}

// findingHint is the hint of a finding's hint key, for an archive of
// Python version ("X.Y").
func findingHint(key, version string) string {
	switch key {
	case runner.HintInterpreter:
		return "--python /path/to/python" + version
	case runner.HintNewerPlatform:
		return "lock and build with a newer --platform"
	}
	return ""
}

// printLockNotes prints what the lock says the user should know, one line
// each, and the flag that undoes the preference for wheels when it
// changed a version.
func printLockNotes(w io.Writer, res *lock.Result) {
	for _, n := range res.Notes {
		fmt.Fprintln(w, n)
	}
	if len(res.PassedOver) > 0 {
		fmt.Fprintln(w, "(--no-prefer-binary locks the newest versions instead; their sdists are then built on this host, for this host)")
	}
}

// localStoreHint is what the local-store notes of spark-args and
// flink-args add: the flags that store the environment where the
// cluster reads it.
const localStoreHint = "--to hdfs://NAMENODE:PORT/PATH or --to s3://BUCKET/PREFIX"

// hintSparkNotes adds their flags to spark-args' notes, for the lines on
// standard error and the JSON alike.
func hintSparkNotes(notes []spark.Note) {
	for i, n := range notes {
		var h string
		switch n.Kind {
		case spark.NoteLocalStore:
			h = localStoreHint
		case spark.NoteS3AClassPath:
			h = "--class-path"
		case spark.NoteS3Credentials:
			h = "--include-credentials"
		case spark.NotePySparkPacked:
			h = "--exclude pyspark --exclude py4j"
		}
		if h != "" {
			notes[i].Text += " (" + h + ")"
		}
	}
}

// hintFlinkNotes adds their flags to flink-args' notes, for the lines on
// standard error and the JSON alike.
func hintFlinkNotes(notes []flink.Note) {
	for i, n := range notes {
		switch n.Kind {
		case flink.NoteS3Credentials:
			notes[i].Text += " (--include-credentials)"
		case flink.NoteLocalStore:
			notes[i].Text += " (" + localStoreHint + ")"
		}
	}
}

// withHints makes every command below c return its errors through hint.
func withHints(c *cobra.Command) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error { return hint(run(cmd, args)) }
	}
	for _, sub := range c.Commands() {
		withHints(sub)
	}
}
