package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/spark"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/s3"
	"github.com/clusterpack/clusterpack/upload"
)

const sparkArgsLong = `Print what spark-submit needs to run a PySpark job on an uploaded
environment: the archive or pex as the executors' Python, the code zips on
their PYTHONPATH, and the S3A settings of the store.

The environment is the one of an upload manifest (--manifest FILE, as
'clusterpack upload --manifest FILE' writes it), or of upload inputs
(requirements, --lock, --to, --code...), which are uploaded first when the
store lacks them.

  spark-submit $(clusterpack spark-args --manifest env.json --master yarn) job.py

Values with spaces or shell characters come out quoted for a shell that
reads them again: eval "spark-submit $(clusterpack spark-args ...) job.py".

Masters: local or local[N] (the environment is unpacked once on this
machine, under the cache, and nothing is shipped), yarn, k8s or
k8s://https://HOST:PORT, standalone or spark://HOST:PORT. A master URL is
printed as --master. In client mode the driver runs here with
--driver-python (default $PYSPARK_DRIVER_PYTHON, else the python of
--from-venv, which has pyspark and the job's packages, else python3); in
cluster mode it runs the shipped environment too.

The target the environment was built for (Python and platform) is printed
on standard error, and on a cluster master a note says when the
environment is in a local store, which spark-submit uploads again with
every job: --to hdfs://... or --to s3://... ships it once.

A layered environment (--layers) ships every layer beside the base:
--archives BASE#environment,LAYER#layer-<hash>,... for a venv,
--files BASE.pex,LAYER.pex,... for a pex; with a local master the base and
its layers are unpacked here side by side.

Styles: flags (spark-submit arguments), conf (spark-defaults.conf lines),
json, pyspark (SparkSession.builder code for jobs that build their session
themselves, client mode).

s3:// becomes s3a://, with --s3-endpoint, path-style access and --s3-region
as properties. Credentials are never printed unless --include-credentials
is given. Spark has no S3A classes of its own: when the cluster's Spark
lacks hadoop-aws and the AWS SDK jars of its Hadoop version, give their
paths (the same on this machine and on the nodes) with --class-path, for
spark-submit's JVM and the executors'. --jars ships jars for the job, but
too late for S3A to read the environment.`

// envSource is where spark-args and flink-args get their environment: a
// manifest file, or an upload run first with the same inputs as upload.
type envSource struct {
	manifest string
	uploadInputs
}

func (e *envSource) register(f *pflag.FlagSet) {
	f.StringVar(&e.manifest, "manifest", "", "upload manifest (JSON) written by 'clusterpack upload --manifest FILE'")
	e.uploadInputs.register(f)
}

// load returns the upload manifest and the environment of the command.
func (e *envSource) load(cmd *cobra.Command, args []string) (*upload.Result, lock.Env, error) {
	env, err := commandEnv()
	if err != nil {
		return nil, env, err
	}
	e.storeDefaults()
	if e.manifest == "" {
		res, err := e.run(cmd, args, env)
		return res, env, err
	}
	if e.given(args) {
		return nil, env, usagef("give either --manifest or upload inputs (requirements, --lock, --to, --code), not both")
	}
	r, err := readUploadManifest(e.manifest)
	return r, env, err
}

// readUploadManifest reads the manifest 'clusterpack upload --manifest'
// wrote.
func readUploadManifest(path string) (*upload.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r upload.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s is not an upload manifest: %w", path, err)
	}
	if r.URL == "" {
		return nil, fmt.Errorf("%s has no url: it is a build manifest, not an upload manifest ('clusterpack upload --manifest FILE' writes one)", path)
	}
	return &r, nil
}

// printTarget says on standard error which target the environment was
// built for, so that a laptop user sees the platform before it ships.
func printTarget(cmd *cobra.Command, m build.Manifest) {
	fmt.Fprintln(cmd.ErrOrStderr(), targetLine(m.Python, m.Platform))
}

// targetLine is "target: cp311 manylinux_2_28_x86_64" for Python
// 3.11(.x) and that platform.
func targetLine(python, platform string) string {
	tag := python
	if major, rest, ok := strings.Cut(python, "."); ok {
		minor, _, _ := strings.Cut(rest, ".")
		tag = "cp" + major + minor
	}
	if tag == "" {
		tag = "(unknown Python)"
	}
	if platform == "" {
		platform = "(any platform)"
	}
	return "target: " + tag + " " + platform
}

// venvPython is the interpreter of a virtualenv, by absolute path.
func venvPython(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("the virtualenv %s: %w", dir, err)
	}
	return filepath.Join(abs, "bin", "python"), nil
}

func newSparkArgsCommand() *cobra.Command {
	var (
		src         envSource
		master      string
		deployMode  string
		style       string
		driver      string
		jars        []string
		classPath   []string
		credentials bool
	)
	cmd := &cobra.Command{
		Use:   "spark-args [REQUIREMENT]...",
		Short: "Print the spark-submit flags (or config) that run a job on an uploaded environment",
		Long:  sparkArgsLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch style {
			case "flags", "conf", "json", "pyspark":
			default:
				return usagef("unknown --style %q: give flags, conf, json or pyspark", style)
			}
			kind, _, err := spark.ParseMaster(master)
			if err != nil {
				return usagef("%v", err)
			}
			res, env, err := src.load(cmd, args)
			if err != nil {
				return err
			}
			if res.Format == build.FormatWheelhouse {
				return fmt.Errorf("%s: the manifest's format %q is not one Spark can use: pex, zip or tar.gz (a wheelhouse is for Flink's -pyreq: flink-args)", res.URL, res.Format)
			}
			printTarget(cmd, res.Manifest)
			if driver == "" {
				driver = os.Getenv("PYSPARK_DRIVER_PYTHON")
			}
			if driver == "" && deployMode == spark.Client && src.flags.in.FromVenv != "" {
				// The virtualenv the environment was locked from runs the
				// job's code here: it has pyspark and the job's packages.
				if driver, err = venvPython(src.flags.in.FromVenv); err != nil {
					return err
				}
			}
			o := spark.Options{Master: master, DeployMode: deployMode, DriverPython: driver, Jars: jars, ClassPath: classPath,
				S3: spark.S3{Endpoint: s3.Endpoint(src.sopts), PathStyle: src.sopts.S3PathStyle, Region: src.sopts.S3Region}}
			if credentials && usesS3(res) {
				if err := loadS3Credentials(cmd.Context(), &o.S3, src.sopts); err != nil {
					return err
				}
			}
			if kind == spark.Local {
				if o.LocalInterpreter, err = upload.Fetch(cmd.Context(), res, env.CacheDir, src.sopts); err != nil {
					return err
				}
			}
			c, err := spark.Args(sparkEnv(res), o)
			if err != nil {
				return err
			}
			hintSparkNotes(c.Notes)
			for _, n := range c.Notes {
				fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s\n", n.Text)
			}
			switch style {
			case "conf":
				return writeString(cmd.OutOrStdout(), c.DefaultsConf())
			case "json":
				return printJSON(cmd, c.JSON())
			case "pyspark":
				py, err := c.PySpark()
				if err != nil {
					return usagef("%w", err)
				}
				return writeString(cmd.OutOrStdout(), py)
			}
			return writeString(cmd.OutOrStdout(), c.Flags())
		},
	}
	f := cmd.Flags()
	src.register(f)
	f.StringVar(&master, "master", "local", "local, local[N], yarn, k8s, k8s://https://HOST:PORT, standalone or spark://HOST:PORT")
	f.StringVar(&deployMode, "deploy-mode", "client", "client or cluster")
	f.StringVar(&style, "style", "flags", "flags, conf, json or pyspark")
	f.StringVar(&driver, "driver-python", "", "the driver's Python in client mode (default: $PYSPARK_DRIVER_PYTHON, else the python of --from-venv, else python3)")
	f.StringSliceVar(&jars, "jars", nil, "more jars to ship for the job (comma-separated or repeated)")
	f.StringSliceVar(&classPath, "class-path", nil, "jars at the same paths here and on the nodes for the driver's and executors' class path, such as hadoop-aws and the AWS SDK for s3a:// (comma-separated or repeated)")
	f.BoolVar(&credentials, "include-credentials", false, "print the S3 credentials as properties (they end up in shell history and Spark's UI)")
	return cmd
}

func sparkEnv(r *upload.Result) spark.Env {
	e := spark.Env{Format: string(r.Format), URL: r.URL, Interpreter: r.Interpreter}
	for _, c := range r.Code {
		e.Code = append(e.Code, c.URL)
	}
	for _, p := range r.Packages {
		e.Packages = append(e.Packages, p.Name)
	}
	for _, l := range r.Layers {
		e.Layers = append(e.Layers, spark.Layer{URL: l.URL, Dir: l.Dir})
	}
	return e
}

func usesS3(r *upload.Result) bool {
	if strings.HasPrefix(r.URL, "s3://") {
		return true
	}
	for _, c := range r.Code {
		if strings.HasPrefix(c.URL, "s3://") {
			return true
		}
	}
	return false
}

// loadS3Credentials reads the credentials of the S3 store's chain, the
// upload's, and the region that comes with them when none is given.
func loadS3Credentials(ctx context.Context, s *spark.S3, sopts store.Options) error {
	cfg, err := s3.LoadConfig(ctx, sopts)
	if err != nil {
		return fmt.Errorf("reading the AWS configuration for --include-credentials: %w", err)
	}
	creds, err := cfg.Credentials(ctx)
	if err != nil {
		return fmt.Errorf("--include-credentials: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile): %w", err)
	}
	s.AccessKey, s.SecretKey, s.SessionToken = creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken
	if s.Region == "" {
		s.Region = cfg.Region
	}
	return nil
}
