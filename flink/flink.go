// Package flink turns an uploaded environment (the manifest that
// `clusterpack upload` writes) into the `flink run` options or the Flink
// configuration keys that run a PyFlink job on it, as FLIP-78 defines
// them. It is pure: no I/O, no knowledge of the command line.
//
// A venv archive (zip or tar.gz) is shipped with python.archives under the
// name "venv" and its interpreter is python.executable:
//
//	-pyarch URL#venv -pyexec venv/bin/python
//
// Flink extracts the archive into the Python worker's working directory,
// where the relative path leads, on a cluster and in a local mini-cluster
// alike. Code zips go with -pyfs (python.files); the client's own
// interpreter, which compiles the job, is -pyclientexec
// (python.client.executable) when given.
//
// A layered venv (build --layers) ships its layers beside the base, each
// unpacked into the directory the base's _clusterpack_layers hook looks
// for, "layer-<hash>" beside venv/:
//
//	-pyarch BASE#venv,LAYER1#layer-<hash1>,LAYER2#layer-<hash2>
//
// A wheelhouse (FLIP-78's offline requirements: the lock's wheels and a
// requirements.txt pinning them by hash) goes with python.requirements,
//
//	-pyreq URL/requirements.txt#URL
//
// which Flink ships with the job; its Python workers run pip install
// --no-index --find-links on it, so they need no index. Shipped alone,
// the workers' interpreter is the TaskManager's (python.executable, when
// given); beside a venv archive, it adds to the archive's packages.
//
// A pex is not supported: Flink ships archives (which it unpacks) and
// files for PYTHONPATH, but has no way to ship an executable file as the
// interpreter.
//
// In thread mode (python.execution-mode: thread) Flink runs the Python
// functions inside the TaskManager's JVM through PEMJA, which needs the
// pemja and find-libpython packages in the environment. Flink 2.3 and
// later run the archive's interpreter and make the unpacked environment
// PYTHONHOME, so the environment must carry its own CPython (standard
// library and shared libpython: --bundle-python); Flink 2.2 and earlier
// look for python.executable in the TaskManager's own directory and
// cannot run thread mode from a shipped environment at all. Args says
// what is missing.
package flink

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/clusterpack/clusterpack/internal/shell"
)

// Env is what Flink needs to know of an uploaded environment.
type Env struct {
	// Format is "pex", "zip" or "tar.gz".
	Format string
	// URL is where the archive is.
	URL string
	// Interpreter is the manifest's ("environment/bin/python").
	Interpreter string
	// Code are the URLs of the code zips.
	Code []string
	// Packages are the environment's distribution names, for the thread
	// mode check.
	Packages []string
	// BundledPython says the archive carries its own CPython.
	BundledPython bool
	// Requirements is the URL of a wheelhouse (`build --format
	// wheelhouse`, uploaded) whose requirements.txt the Python workers
	// install, with no index, from its wheels: python.requirements. An
	// Env of Format "wheelhouse" is one by itself (URL).
	Requirements string
	// Layers are a layered venv's layers (the manifest's "layers"), in
	// the order the base loads them; none for a monolith.
	Layers []Layer
}

// Layer is one layer of a layered venv.
type Layer struct {
	// URL is where the layer's archive is.
	URL string
	// Dir is the directory it is unpacked into beside the base,
	// "layer-<hash>"; empty means the file name without its extension.
	Dir string
}

// Alias is the directory the archive is unpacked into.
const Alias = "venv"

// Execution modes.
const (
	Process = "process"
	Thread  = "thread"
)

// Options say how the job runs.
type Options struct {
	// ClientPython is the interpreter that compiles the job on the client
	// (-pyclientexec); empty leaves Flink's default.
	ClientPython string
	// ExecutionMode is process (Flink's default, printed only when asked)
	// or thread.
	ExecutionMode string
	// WorkerPython is python.executable for the Python workers when no
	// environment archive is shipped (a wheelhouse alone); empty leaves
	// Flink's default (python on the TaskManager's PATH).
	WorkerPython string
	// S3 is the store the upload used, for s3:// URLs (Flink's S3 file
	// system plugins read the s3.* keys).
	S3 S3
}

// S3 holds an S3 store's settings.
type S3 struct {
	Endpoint, Region                   string
	PathStyle                          bool
	AccessKey, SecretKey, SessionToken string // printed only when set
}

// Setting is one Flink configuration key.
type Setting struct{ Key, Value string }

// Config is what a job needs.
type Config struct {
	Settings []Setting
	// Notes are warnings for the user.
	Notes []Note
}

// Note is a warning for the user. Kind tells notes apart for a caller
// that adds its own words (a flag that does what Text says).
type Note struct {
	Kind string
	Text string
}

// Kinds of Note.
const (
	// NoteThreadModeVersion: thread mode with a shipped environment
	// needs Flink 2.3 or later.
	NoteThreadModeVersion = "thread-mode-version"
	// NoteS3Credentials: the S3 credentials are not printed unless given
	// (Options.S3).
	NoteS3Credentials = "s3-credentials"
	// NoteS3Plugin: s3:// needs one of Flink's S3 plugins.
	NoteS3Plugin = "s3-plugin"
	// NoteLocalStore: the environment is in a local store (file://),
	// which flink run uploads again with every job.
	NoteLocalStore = "local-store"
)

var (
	// ErrNoURL: the environment has no URL (Env.URL); an upload
	// manifest always has one.
	ErrNoURL = errors.New("the manifest has no URL: give the manifest of an upload")
	// ErrPex: Flink cannot run a pex environment; a venv archive (zip or
	// tar.gz) it can.
	// ErrWorkerPython: a worker interpreter was given beside an
	// environment archive, whose own interpreter the workers run.
	ErrWorkerPython = errors.New("the Python workers run the shipped environment's interpreter: a worker interpreter applies to a wheelhouse shipped alone")
	// ErrWheelhouseThread: thread mode needs a shipped environment with
	// its own CPython; a wheelhouse alone has none.
	ErrWheelhouseThread = errors.New("thread mode runs the functions in a shipped environment's CPython (made PYTHONHOME): ship a venv archive with a bundled Python, and the wheelhouse beside it")
	ErrPex              = errors.New("Flink cannot use a pex as its Python: it ships archives, which it unpacks, and files for PYTHONPATH; build the environment as a zip or tar.gz")
)

const (
	keyArchives = "python.archives"
	keyExec     = "python.executable"
	keyFiles    = "python.files"
	keyClient   = "python.client.executable"
	keyMode     = "python.execution-mode"
	keyReqs     = "python.requirements"
)

// flagFor maps keys to `flink run` options.
var flagFor = map[string]string{
	keyArchives: "-pyarch",
	keyExec:     "-pyexec",
	keyFiles:    "-pyfs",
	keyClient:   "-pyclientexec",
	keyReqs:     "-pyreq",
}

// WheelhouseRequirements is the requirements file in a wheelhouse.
const WheelhouseRequirements = "requirements.txt"

// requirementsValue is python.requirements for a wheelhouse at url:
// "<its requirements file>#<the wheelhouse>", which Flink ships and
// installs with pip install --no-index --find-links <the wheelhouse>.
func requirementsValue(url string) string {
	url = strings.TrimSuffix(url, "/")
	return url + "/" + WheelhouseRequirements + "#" + url
}

// ThreadModeError lists what thread mode lacks.
type ThreadModeError struct {
	Missing []string // packages
	// NoPython says the environment carries no CPython of its own.
	NoPython bool
}

func (e *ThreadModeError) Error() string {
	var lacks []string
	if len(e.Missing) > 0 {
		lacks = append(lacks, fmt.Sprintf("lacks %s (add them to the requirements)", strings.Join(e.Missing, " and ")))
	}
	if e.NoPython {
		lacks = append(lacks, "has no Python of its own, and Flink makes the unpacked environment PYTHONHOME in thread mode (bundle a CPython into it)")
	}
	return "thread mode runs Python inside the TaskManager's JVM through PEMJA, and the environment " + strings.Join(lacks, " and ") + "; then upload again"
}

// Args computes the configuration that runs a PyFlink job on env. A pex
// is ErrPex, an env without a URL ErrNoURL, and thread mode without what
// it needs a *ThreadModeError.
func Args(env Env, o Options) (*Config, error) {
	if env.URL == "" {
		return nil, ErrNoURL
	}
	archive := true
	switch env.Format {
	case "zip", "tar.gz":
	case "wheelhouse":
		archive = false
		if env.Requirements != "" && env.Requirements != env.URL {
			return nil, fmt.Errorf("two wheelhouses (%s and %s): Flink installs one requirements file", env.URL, env.Requirements)
		}
		env.Requirements = env.URL
	case "pex":
		return nil, ErrPex
	default:
		return nil, fmt.Errorf("the manifest's format %q is not one Flink can use: zip, tar.gz or wheelhouse", env.Format)
	}
	c := &Config{}
	set := func(k, v string) { c.Settings = append(c.Settings, Setting{k, v}) }
	if archive {
		if o.WorkerPython != "" {
			return nil, ErrWorkerPython
		}
		archives := []string{env.URL + "#" + Alias}
		for i, l := range env.Layers {
			if l.URL == "" {
				return nil, fmt.Errorf("layer %d of the manifest has no URL: give the manifest of an upload", i+1)
			}
			dir := l.Dir
			if dir == "" {
				dir = layerDir(path.Base(l.URL))
			}
			if dir == "" || dir == "." || dir == ".." || dir == Alias || strings.ContainsAny(dir, "/#,\\") {
				return nil, fmt.Errorf("layer %s of the manifest has no usable directory name %q: give the manifest of an upload", l.URL, dir)
			}
			archives = append(archives, l.URL+"#"+dir)
		}
		set(keyArchives, strings.Join(archives, ","))
		set(keyExec, Alias+"/"+interpreterInArchive(env.Interpreter))
	} else {
		if len(env.Layers) > 0 {
			return nil, errors.New("a wheelhouse has no layers: give the manifest of a layered zip or tar.gz")
		}
		if o.ExecutionMode == Thread {
			return nil, ErrWheelhouseThread
		}
		if o.WorkerPython != "" {
			set(keyExec, o.WorkerPython)
		}
	}
	if env.Requirements != "" {
		set(keyReqs, requirementsValue(env.Requirements))
	}
	usesS3 := strings.HasPrefix(env.URL, "s3://") || strings.HasPrefix(env.Requirements, "s3://")
	for _, l := range env.Layers {
		usesS3 = usesS3 || strings.HasPrefix(l.URL, "s3://")
	}
	for _, u := range []string{env.URL, env.Requirements} {
		if strings.HasPrefix(u, "file:") {
			// The client puts python.archives and python.requirements in
			// the job's blob storage with every submission.
			c.note(NoteLocalStore, "the environment is in a local store ("+u+"): flink run uploads it from this machine again with every job; a store the cluster reads, HDFS or S3, ships it once")
			break
		}
	}
	if len(env.Code) > 0 {
		set(keyFiles, strings.Join(env.Code, ","))
		for _, u := range env.Code {
			usesS3 = usesS3 || strings.HasPrefix(u, "s3://")
		}
	}
	if o.ClientPython != "" {
		set(keyClient, o.ClientPython)
	}
	switch o.ExecutionMode {
	case "":
	case Process:
		set(keyMode, Process)
	case Thread:
		have := map[string]bool{}
		for _, p := range env.Packages {
			have[normalize(p)] = true
		}
		var missing []string
		for _, p := range []string{"pemja", "find-libpython"} {
			if !have[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) > 0 || !env.BundledPython {
			return nil, &ThreadModeError{Missing: missing, NoPython: !env.BundledPython}
		}
		set(keyMode, Thread)
		c.note(NoteThreadModeVersion, "thread mode with a shipped environment needs Flink 2.3 or later: earlier releases look for python.executable in the TaskManager's own directory, not in the unpacked archive")
	default:
		return nil, fmt.Errorf("unknown execution mode %q: give process or thread", o.ExecutionMode)
	}
	if usesS3 {
		s := o.S3
		if s.Endpoint != "" {
			set("s3.endpoint", s.Endpoint)
		}
		if s.Endpoint != "" || s.PathStyle {
			set("s3.path.style.access", "true")
		}
		if s.AccessKey != "" {
			set("s3.access-key", s.AccessKey)
			set("s3.secret-key", s.SecretKey)
			if s.SessionToken != "" {
				set("s3.session-token", s.SessionToken)
			}
		} else {
			c.note(NoteS3Credentials, "S3 credentials are not printed: Flink's S3 plugin reads them as the AWS SDK does (environment, instance role); they are printed only when given")
		}
		c.note(NoteS3Plugin, "s3:// needs one of Flink's S3 file system plugins (plugins/s3-fs-hadoop) on the cluster")
	}
	return c, nil
}

func (c *Config) note(kind, text string) { c.Notes = append(c.Notes, Note{kind, text}) }

// interpreterInArchive is the interpreter's path inside the archive:
// "environment/bin/python" gives "bin/python".
func interpreterInArchive(interp string) string {
	p := strings.TrimPrefix(path.Clean(interp), "./")
	if i := strings.IndexByte(p, '/'); i > 0 {
		return p[i+1:]
	}
	return "bin/python"
}

// layerDir is a layer file's name without its extension.
func layerDir(file string) string {
	for _, ext := range []string{".tar.gz", ".zip"} {
		if d, ok := strings.CutSuffix(file, ext); ok {
			return d
		}
	}
	return file
}

func normalize(name string) string {
	return strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name))
}

// Argv is the configuration as `flink run` arguments.
func (c *Config) Argv() []string {
	var a []string
	for _, s := range c.Settings {
		if f, ok := flagFor[s.Key]; ok {
			a = append(a, f, s.Value)
		} else {
			a = append(a, "-D"+s.Key+"="+s.Value)
		}
	}
	return a
}

// Flags is Argv as one shell-quoted line.
func (c *Config) Flags() string {
	return shell.Join(c.Argv()) + "\n"
}

// YAML is the configuration as lines of Flink's config.yaml (flat keys,
// which flink-conf.yaml reads the same way).
func (c *Config) YAML() string {
	var b strings.Builder
	for _, s := range c.Settings {
		fmt.Fprintf(&b, "%s: %s\n", s.Key, yamlScalar(s.Value))
	}
	return b.String()
}

// JSON is the configuration for encoding/json.
func (c *Config) JSON() any {
	conf := map[string]string{}
	for _, s := range c.Settings {
		conf[s.Key] = s.Value
	}
	notes := []string{}
	for _, n := range c.Notes {
		notes = append(notes, n.Text)
	}
	return struct {
		Conf  map[string]string `json:"conf"`
		Args  []string          `json:"args"`
		Notes []string          `json:"notes"`
	}{conf, c.Argv(), notes}
}

// yamlScalar leaves plain values bare and double-quotes the rest (a JSON
// string is a YAML double-quoted scalar).
func yamlScalar(v string) string {
	plain := v != ""
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-+./,=@", r)) {
			plain = false
			break
		}
	}
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		// Flink reads its own booleans; keep them bare.
		if v == "true" || v == "false" {
			return v
		}
		plain = false
	}
	if plain {
		return v
	}
	q, _ := json.Marshal(v)
	return string(q)
}
