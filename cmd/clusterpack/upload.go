package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clusterpack/clusterpack/build"
	"github.com/clusterpack/clusterpack/lock"
	"github.com/clusterpack/clusterpack/runner"
	"github.com/clusterpack/clusterpack/store"
	"github.com/clusterpack/clusterpack/store/backends"
	"github.com/clusterpack/clusterpack/upload"
)

const uploadLong = `Make sure a store holds the environment of a lock and the project's code,
sending only what it lacks. The environment is stored as
<prefix>/<name>-<content hash>.<ext> with its sha256 and a manifest; each
code directory (--code, and every editable or local project of the lock) as
its own small zip named by a hash of its files. When nothing changed, the
upload costs one metadata request per object and sends no bytes.

With --layers the environment is a small base plus one layer per large
distribution, each stored at the store's root as layer-<hash>.<ext> and
shared by every environment there: a one-package change sends the changed
layer (if any), the base and its manifest. On HDFS every object is made
0644 and every directory the upload creates 0755, so YARN localizes them
PUBLIC (once per node, for every user and application); a note says when a
directory above the store keeps them private.

Stores: s3://bucket/prefix (AWS credentials as the AWS CLI finds them;
--s3-endpoint or AWS_ENDPOINT_URL_S3 for other S3 servers),
hdfs://namenode:port/path or hdfs:///path (HADOOP_CONF_DIR), file:///dir or
a plain directory. Without --to, a store under the user's data directory.

  clusterpack upload --lock pylock.toml --to s3://my-bucket/envs --code . --json`

// uploadInputs are what upload, spark-args and flink-args upload: the
// build inputs, the store and the code directories.
type uploadInputs struct {
	flags  buildFlags
	to     string
	code   []string
	force  bool
	verify bool
	sopts  store.Options
	// noCheck skips the check of a built environment before it ships;
	// liveCheck adds the live part (imports in an embedded CPython).
	noCheck, liveCheck bool
}

func (u *uploadInputs) register(f *pflag.FlagSet) {
	u.flags.register(f)
	f.StringVar(&u.to, "to", "", "store URL: s3://bucket/prefix, hdfs://namenode:port/path, file:///dir or a directory (default: a local store)")
	f.StringArrayVar(&u.code, "code", nil, "project directory to ship as a code zip (repeatable)")
	f.StringVar(&u.sopts.S3Endpoint, "s3-endpoint", "", "S3 endpoint URL for S3-compatible servers (default: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL)")
	f.StringVar(&u.sopts.S3Region, "s3-region", "", "S3 region (default: from the AWS configuration)")
	f.BoolVar(&u.sopts.S3PathStyle, "s3-path-style", false, "path-style S3 requests (implied by --s3-endpoint)")
	f.StringVar(&u.sopts.Profile, "profile", "", "AWS profile (default: AWS_PROFILE)")
	f.BoolVar(&u.noCheck, "no-check", false, "send a built environment without checking it first (wheel tags, extension modules against the manylinux policy)")
	f.BoolVar(&u.liveCheck, "check", false, "also import every module of a built environment in an embedded CPython before sending it, when this host can run the target")
}

// storeDefaults gives the store options every backend of this build.
// The S3 endpoint, when --s3-endpoint is not given, is the store's to
// find (s3.Endpoint).
func (u *uploadInputs) storeDefaults() {
	if u.sopts.Openers == nil {
		u.sopts.Openers = backends.Openers()
	}
}

// given reports whether any upload input was given.
func (u *uploadInputs) given(args []string) bool {
	return len(args) > 0 || u.flags.lockPath != "" || u.flags.given(nil) || u.to != "" || len(u.code) > 0
}

// run makes sure the store has the environment and the code: it opens
// the store first, so a wrong --to fails before any locking, then locks
// or reads the lock, and builds and sends only what the store lacks.
func (u *uploadInputs) run(cmd *cobra.Command, args []string, env lock.Env) (*upload.Result, error) {
	if u.noCheck && u.liveCheck {
		return nil, usagef("give --check or --no-check, not both")
	}
	u.storeDefaults()
	u.sopts.Logger = env.Logger
	to := u.to
	if to == "" {
		var err error
		if to, err = store.DefaultLocalURL(os.Getenv, runtime.GOOS); err != nil {
			return nil, err
		}
	}
	st, err := store.Open(cmd.Context(), to, u.sopts)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	plan, lockDir, lk, err := u.flags.plan(cmd, args, env)
	if err != nil {
		return nil, err
	}
	client, err := lock.DownloadClient(env, lk)
	if err != nil {
		return nil, err
	}
	res, err := upload.Upload(cmd.Context(), upload.Options{Plan: plan, Store: st, Code: u.code, LockDir: lockDir, Force: u.force, Verify: u.verify, Progress: consoleOf(cmd).Progress(),
		Check: u.checkBeforeSending(cmd, env)},
		build.Env{Client: client, CacheDir: env.CacheDir, Getenv: env.Getenv, Logger: env.Logger, Version: env.Version, Progress: consoleOf(cmd).Progress()})
	if err != nil {
		return nil, err
	}
	con := consoleOf(cmd)
	for _, n := range res.Notes {
		fmt.Fprintf(cmd.ErrOrStderr(), "Note: %s\n", n)
	}
	for _, l := range res.Layers {
		con.Wrote("layer", l.URL)
	}
	con.Wrote("environment", res.URL)
	for _, c := range res.Code {
		con.Wrote("code", c.URL)
	}
	return res, nil
}

// packageList is "pyarrow 17.0.0" for a layer's packages.
func packageList(ps []build.Package) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.Name+" "+p.Version)
	}
	return strings.Join(parts, ", ")
}

func newUploadCommand() *cobra.Command {
	var (
		in           uploadInputs
		manifestPath string
		asJSON       bool
	)
	cmd := &cobra.Command{
		Use:   "upload [REQUIREMENT]...",
		Short: "Upload an environment and code to S3, HDFS or a local store, only if missing",
		Long:  uploadLong,
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := commandEnv()
			if err != nil {
				return err
			}
			start := time.Now()
			res, err := in.run(cmd, args, env)
			if err != nil {
				return err
			}
			printTarget(cmd, res.Manifest)
			if manifestPath != "" {
				if err := writeJSONFile(manifestPath, res); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd, res)
			}
			state := "already there"
			if res.Uploaded {
				state = "uploaded"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n", res.URL)
			for _, l := range res.Layers {
				state := "already there"
				if l.Uploaded {
					state = "uploaded"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Layer %s (%s, %s): %s\n", l.URL, packageList(l.Packages), humanSize(l.Size), state)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Environment %s (%s): %s\n", res.URL, humanSize(res.Size), state)
			for _, c := range res.Code {
				state := "already there"
				if c.Uploaded {
					state = "uploaded"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Code %s: %s: %s\n", c.Path, c.URL, state)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Done in %.2fs\n", time.Since(start).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	in.register(f)
	f.BoolVar(&in.force, "force", false, "upload even what the store has already")
	f.BoolVar(&in.verify, "verify", false, "read back what the store has and hash it; replace what does not match")
	f.StringVar(&manifestPath, "manifest", "", "write the upload manifest (JSON) to this file")
	f.BoolVar(&asJSON, "json", false, "print the upload manifest as JSON")
	return cmd
}

// checkBeforeSending is check's static part (and its live part with
// --check) on an environment just built, before upload sends a byte of
// it; nil with --no-check.
func (u *uploadInputs) checkBeforeSending(cmd *cobra.Command, env lock.Env) func(context.Context, *build.Manifest) error {
	if u.noCheck {
		return nil
	}
	return func(ctx context.Context, m *build.Manifest) error {
		if m.Format == build.FormatWheelhouse {
			// Wheels for pip, not an environment to open: their tags
			// were chosen for the target when the lock was planned.
			return nil
		}
		// The base and every layer together, as the nodes see them.
		archives := runner.Archives{Base: m.Archive, SHA256: map[string]string{m.Archive: m.SHA256}}
		for _, l := range m.Layers {
			archives.Layers = append(archives.Layers, l.Archive)
			archives.SHA256[l.Archive] = l.SHA256
		}
		archive, err := runner.OpenEnvironment(ctx, archives, runner.OpenOptions{CacheDir: filepath.Join(env.CacheDir, "runner"), Platform: m.Platform})
		if err != nil {
			return fmt.Errorf("checking %s before sending it: %w (--no-check sends it unchecked)", m.Archive, err)
		}
		rep, err := runner.Check(ctx, archive, runner.CheckOptions{StaticOnly: !u.liveCheck, Find: runner.FindOptions{Getenv: os.Getenv}})
		if err != nil {
			return fmt.Errorf("checking %s before sending it: %w", m.Archive, err)
		}
		hintReport(rep)
		if !rep.OK() {
			return fmt.Errorf("the environment would fail on the cluster, so nothing was sent:\n%s(--no-check sends it anyway)", rep.Summary())
		}
		if u.liveCheck {
			return writeString(cmd.ErrOrStderr(), rep.Summary())
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Checked %s for %s: wheel tags and %d extension modules fit\n", filepath.Base(m.Archive), m.Platform, rep.Extensions)
		return nil
	}
}
