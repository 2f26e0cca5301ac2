package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/flink"
	"github.com/clusterpack/clusterpack/spark"
	"github.com/clusterpack/clusterpack/store/s3"
	"github.com/clusterpack/clusterpack/upload"
)

const flinkArgsLong = `Print what 'flink run' needs to run a PyFlink job on an uploaded
environment (FLIP-78): the venv archive as python.archives, its interpreter
as python.executable, the code zips as python.files.

The environment is the one of an upload manifest (--manifest FILE), or of
upload inputs, which are uploaded first when the store lacks them. Build it
as a zip or tar.gz that has apache-flink's Python dependencies; Flink
cannot use a pex.

  flink run $(clusterpack flink-args --manifest env.json) -py job.py

A layered venv (--layers) ships every layer beside the base:
-pyarch BASE#venv,LAYER#layer-<hash>,...

Styles: flags ('flink run' options: -pyarch, -pyexec, -pyfs,
-pyclientexec, -Dkey=value), conf (config.yaml lines), json.

--execution-mode thread runs the Python functions inside the JVM through
PEMJA. Flink (2.3 and later) then makes the unpacked environment
PYTHONHOME, so the environment needs a CPython of its own: build it with
--bundle-python. The command checks that the environment has pemja,
find-libpython and a bundled Python, and says what is missing.

  clusterpack upload --lock pylock.toml --bundle-python /usr/bin/python3.11 --manifest env.json
  flink run $(clusterpack flink-args --manifest env.json --execution-mode thread) -py job.py

FLIP-78's offline requirements: a wheelhouse (build --format wheelhouse:
the lock's wheels and a requirements.txt pinning them by sha256) goes as
python.requirements, -pyreq URL/requirements.txt#URL; Flink ships it and its
Python workers install it with pip install --no-index --find-links, so
they need no index. Alone, the workers run the TaskManager's Python
(--worker-python); beside a venv archive, --requirements adds it.

  clusterpack upload --lock pylock.toml --format wheelhouse --manifest wheels.json
  flink run $(clusterpack flink-args --manifest wheels.json --worker-python /opt/py/bin/python) -py job.py
  flink run $(clusterpack flink-args --manifest env.json --requirements wheels.json) -py job.py`

func newFlinkArgsCommand() *cobra.Command {
	var (
		src         envSource
		style       string
		client      string
		mode        string
		credentials bool
		reqManifest string
		worker      string
	)
	cmd := &cobra.Command{
		Use:   "flink-args [REQUIREMENT]...",
		Short: "Print the flink run options (or config keys) that run a PyFlink job on an uploaded environment",
		Long:  flinkArgsLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch style {
			case "flags", "conf", "json":
			default:
				return usagef("unknown --style %q: give flags, conf or json", style)
			}
			res, _, err := src.load(cmd, args)
			if err != nil {
				return err
			}
			printTarget(cmd, res.Manifest)
			if client == "" {
				client = os.Getenv("PYFLINK_CLIENT_EXECUTABLE")
			}
			fe := flinkEnv(res)
			if reqManifest != "" {
				wh, err := readUploadManifest(reqManifest)
				if err != nil {
					return err
				}
				if wh.Format != build.FormatWheelhouse {
					return usagef("--requirements %s: its format is %s; give the upload manifest of a wheelhouse ('clusterpack upload --format wheelhouse --manifest FILE')", reqManifest, wh.Format)
				}
				fe.Requirements = wh.URL
			}
			o := flink.Options{ClientPython: client, ExecutionMode: mode, WorkerPython: worker,
				S3: flink.S3{Endpoint: s3.Endpoint(src.sopts), PathStyle: src.sopts.S3PathStyle, Region: src.sopts.S3Region}}
			if credentials && usesS3(res) {
				var s spark.S3
				if err := loadS3Credentials(cmd.Context(), &s, src.sopts); err != nil {
					return err
				}
				o.S3.AccessKey, o.S3.SecretKey, o.S3.SessionToken = s.AccessKey, s.SecretKey, s.SessionToken
			}
			c, err := flink.Args(fe, o)
			var tm *flink.ThreadModeError
			if errors.As(err, &tm) {
				return fmt.Errorf("environment %s: %w", res.URL, err)
			}
			if errors.Is(err, flink.ErrWorkerPython) {
				return usagef("--worker-python: %v", err)
			}
			if err != nil {
				return err
			}
			hintFlinkNotes(c.Notes)
			for _, n := range c.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s\n", n.Text)
			}
			switch style {
			case "conf":
				return writeString(cmd.OutOrStdout(), c.YAML())
			case "json":
				return printJSON(cmd, c.JSON())
			}
			return writeString(cmd.OutOrStdout(), c.Flags())
		},
	}
	f := cmd.Flags()
	src.register(f)
	f.StringVar(&style, "style", "flags", "flags, conf or json")
	f.StringVar(&client, "client-python", "", "the client's Python that compiles the job, -pyclientexec (default: $PYFLINK_CLIENT_EXECUTABLE, else Flink's default)")
	f.StringVar(&mode, "execution-mode", "", "process or thread (PEMJA; checks the environment)")
	f.BoolVar(&credentials, "include-credentials", false, "print the S3 credentials as configuration keys")
	f.StringVar(&reqManifest, "requirements", "", "upload manifest of a wheelhouse to install on the workers with no index, -pyreq (a wheelhouse --manifest needs none)")
	f.StringVar(&worker, "worker-python", "", "the Python workers' interpreter, -pyexec, when a wheelhouse is shipped alone (default: Flink's, python on the TaskManager's PATH)")
	return cmd
}

func flinkEnv(r *upload.Result) flink.Env {
	e := flink.Env{Format: string(r.Format), URL: r.URL, Interpreter: r.Interpreter, BundledPython: r.BundledPython}
	for _, c := range r.Code {
		e.Code = append(e.Code, c.URL)
	}
	for _, p := range r.Packages {
		e.Packages = append(e.Packages, p.Name)
	}
	for _, l := range r.Layers {
		e.Layers = append(e.Layers, flink.Layer{URL: l.URL, Dir: l.Dir})
	}
	return e
}
