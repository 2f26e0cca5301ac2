// Package spark turns an uploaded environment (the manifest that
// `clusterpack upload` writes) into the spark-submit flags, the
// spark-defaults.conf lines, or the SparkSession.builder calls that run a
// PySpark job on it. It is pure: no I/O, no knowledge of the command line.
//
// # What is shipped, and how
//
// A venv archive (zip, tar.gz) goes as an archive that Spark unpacks into
// each container's working directory under an alias ("environment", the
// first element of the manifest's interpreter path):
//
//	--archives URL#environment
//	--conf spark.pyspark.python=./environment/bin/python
//
// On YARN the property is spark.yarn.dist.archives (spark-submit's
// --archives maps to it). A pex goes as a file, and is itself the
// interpreter; it unpacks its distributions under PEX_ROOT, which is set
// to .pex in the container's working directory so that nothing is written
// to the node's home directory and everything goes with the container:
//
//	--files URL
//	--conf spark.pyspark.python=./env-<hash>.pex
//	--conf spark.executorEnv.PEX_ROOT=./.pex
//
// Code zips go with --py-files (spark.submit.pyFiles).
//
// # Layered environments
//
// A layered environment (build --layers) is a base plus layers, each
// shipped the way the base is, in the base's load order. Spark unpacks
// every archive into the container's working directory, the base under
// its alias and each venv layer under its directory "layer-<hash>", where
// the base's _clusterpack_layers hook finds it beside the base:
//
//	--archives BASE#environment,LAYER1#layer-<hash1>,LAYER2#layer-<hash2>
//
// (spark.yarn.dist.archives on YARN). Pex layers go as files beside the
// base pex, which finds them in its own directory:
//
//	--files BASE.pex,layer-<hash1>.pex,layer-<hash2>.pex
//
// On YARN each layer is a resource of its own, localized once per node and
// kept for later applications when it is public (store/hdfs's modes), so
// a new base with the old layers downloads only the base. A local master
// ships nothing: the caller unpacks base and layers here as siblings
// (upload.Fetch) and gives the base's interpreter.
//
// # Modes on YARN
//
// YARN's localizer sets the modes of whatever it unpacks, after the
// unpack: Hadoop's FSDownload.changePermissions (hadoop-yarn-common) makes
// every file 0555 and every directory 0755 for a public resource (one
// that all can read, with its ancestors, as the stores' objects are), and
// 0500 and 0700 for a private or application one (Spark's staged copy of
// an s3a:// archive). So environment/bin/python is executable on YARN
// whether the archive is a zip or a tar.gz, and even from a zip whose
// entries carry no Unix modes at all. internal/e2e/jobtest runs both on
// Hadoop 3.3.6; the Hadoop source of the 3.4 line (apache/hadoop at
// 06f0f97e) has the same changePermissions, but no test here runs 3.4.
//
// # Local stores
//
// An environment in a local directory (a file:// URL) works on a cluster
// only because spark-submit uploads it from this machine, with every
// job (NoteLocalStore); a store the nodes read (HDFS, S3) ships it once
// and lets the NodeManagers keep the unpacked copy.
//
// # The driver
//
// In client mode the driver runs where spark-submit runs, with a local
// Python (spark.pyspark.driver.python, Options.DriverPython): without it
// Spark would start the driver with spark.pyspark.python, a path that
// exists only inside the containers. In cluster mode (YARN, Kubernetes)
// the driver runs in a container that has the shipped files, and
// spark.pyspark.python applies to it too; for a pex its PEX_ROOT is set
// through spark.yarn.appMasterEnv or spark.kubernetes.driverEnv. Spark's
// standalone master and local mode run Python drivers only in client mode.
//
// # Local mode
//
// With a local master the executors are threads of the driver's JVM and
// their Python workers start in the directory spark-submit was started
// in, not in a container directory, so a path like ./environment/bin/python
// does not lead to the unpacked archive. Spark unpacks archives and
// downloads files into its SparkFiles directory instead, which changes
// with every application. For a local master nothing is shipped: the
// environment is already on this machine (Options.LocalInterpreter, which
// the caller prepares once per content hash) and spark.pyspark.python is
// its absolute path.
//
// # S3
//
// s3:// URLs are rewritten to s3a://, Hadoop's S3 file system, with the
// endpoint, path-style and region settings of the store the upload used
// (spark.hadoop.fs.s3a.*). Credentials are printed only when Options.S3
// carries them (the --include-credentials flag): otherwise S3A finds them
// as the AWS SDK does (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the
// environment, instance roles). Spark's distribution has no S3A classes:
// hadoop-aws and the AWS SDK jars of Spark's Hadoop version must be on the
// class path of spark-submit's JVM and of the executors, as
// spark.driver.extraClassPath and spark.executor.extraClassPath
// (Options.ClassPath: paths that exist on every node, such as the jars
// directory of the cluster's Spark). --jars (Options.Jars) is too late for
// the environment: spark-submit resolves the s3a:// URLs of --archives and
// --files before it loads the jars it ships, and fails with
// ClassNotFoundException: org.apache.hadoop.fs.s3a.S3AFileSystem.
package spark

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/clusterpack/clusterpack/internal/shell"
)

// Format is how the environment was built, as in the manifest.
const (
	FormatPex   = "pex"
	FormatZip   = "zip"
	FormatTarGz = "tar.gz"
)

// Env is what Spark needs to know of an uploaded environment: the
// fields of the upload manifest.
type Env struct {
	// Format is "pex", "zip" or "tar.gz".
	Format string
	// URL is where the archive is: s3://, hdfs://, file://, http(s)://.
	URL string
	// Interpreter is the manifest's: "./env-<hash>.pex" for a pex,
	// "environment/bin/python" for a venv archive (its first element
	// is the directory the archive is unpacked into).
	Interpreter string
	// Code are the URLs of the code zips.
	Code []string
	// Packages are the names of the distributions the environment holds.
	Packages []string
	// Layers are a layered environment's layers (the manifest's
	// "layers"), in the order the base loads them; none for a monolith.
	Layers []Layer
}

// Layer is one layer of a layered environment.
type Layer struct {
	// URL is where the layer's archive (or pex) is.
	URL string
	// Dir is the directory a venv layer is unpacked into beside the
	// base, "layer-<hash>", which the base looks for; for a pex layer,
	// the file name, which Spark keeps.
	Dir string
}

// Master kinds.
const (
	Local      = "local"
	YARN       = "yarn"
	Kubernetes = "k8s"
	Standalone = "standalone"
)

// Deploy modes.
const (
	Client  = "client"
	Cluster = "cluster"
)

// Options say where and how the job is submitted.
type Options struct {
	// Master is a kind (local, yarn, k8s, standalone) or a master URL
	// (local[2], yarn, k8s://https://host:443, spark://host:7077). A URL
	// is printed as --master; a bare kind is not (the user gives the URL).
	// Empty means local.
	Master string
	// DeployMode is client (the default) or cluster.
	DeployMode string
	// DriverPython is the driver's interpreter in client mode, as a path
	// or a command on PATH. Empty means python3, Spark's own default.
	DriverPython string
	// S3 is the store the upload used, for s3:// URLs.
	S3 S3
	// Jars are more jars to ship (--jars) for the job's own use. They
	// are loaded after spark-submit has read the environment, so they
	// cannot carry the S3A file system that reads it: see ClassPath.
	Jars []string
	// ClassPath are jars (or directories) on every node and here, at the
	// same paths, for the class path of the driver's and the executors'
	// JVMs (spark.driver.extraClassPath, spark.executor.extraClassPath):
	// hadoop-aws and the AWS SDK for s3a:// URLs.
	ClassPath []string
	// LocalInterpreter is, for a local master, the absolute path of the
	// environment's interpreter on this machine (an unpacked venv's
	// bin/python, or an executable copy of the pex).
	LocalInterpreter string
}

// S3 holds the settings of an S3 store, for Hadoop's S3A file system.
type S3 struct {
	// Endpoint is the S3 endpoint URL; empty means AWS.
	Endpoint string
	// PathStyle forces path-style requests; it is implied by an endpoint.
	PathStyle bool
	// Region is the bucket's region; empty leaves S3A's default.
	Region string
	// AccessKey, SecretKey and SessionToken are printed only when set.
	AccessKey, SecretKey, SessionToken string
}

// Setting is one Spark property.
type Setting struct {
	Key, Value string
}

// Config is what a job needs to run on the environment.
type Config struct {
	// Master is the master URL to print, if one was given.
	Master string
	// Kind is the master's kind (Local, YARN, Kubernetes, Standalone).
	Kind string
	// DeployMode is Client or Cluster.
	DeployMode string
	// Settings are the Spark properties, in a fixed order.
	Settings []Setting
	// PyFiles are the code zips' URLs (spark.submit.pyFiles), kept apart
	// because a session built in code adds them with addPyFile.
	PyFiles []string
	// Env are environment variables the driver's Python must have before
	// a session is built in code (PYSPARK_PYTHON): spark-submit sets them
	// itself from the properties.
	Env []Setting
	// Notes are warnings for the user: things that will not work as given.
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
	// NoteLocalStore: the environment is in a local store (file://),
	// which spark-submit uploads again with every job on a cluster.
	NoteLocalStore = "local-store"
	// NoteS3AClassPath: s3a:// needs hadoop-aws and the AWS SDK on the
	// class path (Options.ClassPath).
	NoteS3AClassPath = "s3a-class-path"
	// NoteS3Credentials: the S3 credentials are not printed unless given
	// (Options.S3).
	NoteS3Credentials = "s3-credentials"
	// NotePySparkPacked: the environment holds pyspark or py4j, which
	// the executors take from the cluster's Spark; leave them out.
	NotePySparkPacked = "pyspark-packed"
)

// ClientOnlyError says that a master runs Python drivers only in client
// mode (Options.DeployMode).
type ClientOnlyError struct {
	// Kind is the master's kind: Local or Standalone.
	Kind string
}

func (e *ClientOnlyError) Error() string {
	if e.Kind == Local {
		return "a local master runs the driver in the spark-submit process: use client mode"
	}
	return "Spark's standalone master does not run Python drivers in cluster mode (YARN and Kubernetes do): use client mode"
}

var (
	// ErrNoURL: the environment has no URL (Env.URL); an upload
	// manifest always has one.
	ErrNoURL = errors.New("the manifest has no URL: give the manifest of an upload")
	// ErrSessionCluster: PySpark cannot build a session in cluster mode;
	// spark-submit's flags (Flags) or spark-defaults.conf lines
	// (DefaultsConf) can.
	ErrSessionCluster = errors.New("a session built in code runs its driver where the code runs: cluster mode needs spark-submit, with its flags or spark-defaults.conf lines")
)

// Properties that spark-submit has flags for.
const (
	keyArchives     = "spark.archives"
	keyYarnArchives = "spark.yarn.dist.archives"
	keyFiles        = "spark.files"
	keyYarnFiles    = "spark.yarn.dist.files"
	keyPyFiles      = "spark.submit.pyFiles"
	keyJars         = "spark.jars"
	keyPython       = "spark.pyspark.python"
	keyDriverPython = "spark.pyspark.driver.python"
)

// PexRoot is where a pex unpacks itself on the nodes: inside the
// container's working directory.
const PexRoot = "./.pex"

// ParseMaster splits a --master value into its kind and the URL to print
// ("" when only a kind was given).
func ParseMaster(m string) (kind, url string, err error) {
	switch {
	case m == "" || m == Local:
		return Local, "", nil
	case m == YARN:
		return YARN, "yarn", nil
	case m == Kubernetes || m == "kubernetes":
		return Kubernetes, "", nil
	case m == Standalone:
		return Standalone, "", nil
	case strings.HasPrefix(m, "local["), strings.HasPrefix(m, "local-cluster["):
		return Local, m, nil
	case strings.HasPrefix(m, "k8s://"):
		return Kubernetes, m, nil
	case strings.HasPrefix(m, "spark://"):
		return Standalone, m, nil
	}
	return "", "", fmt.Errorf("unknown Spark master %q: give local, local[N], yarn, k8s, k8s://https://HOST:PORT, standalone or spark://HOST:PORT", m)
}

// Args computes the configuration that runs a job on env. Cluster mode
// on a master that runs Python drivers only in client mode is a
// *ClientOnlyError; an env without a URL, ErrNoURL.
func Args(env Env, o Options) (*Config, error) {
	kind, masterURL, err := ParseMaster(o.Master)
	if err != nil {
		return nil, err
	}
	mode := o.DeployMode
	if mode == "" {
		mode = Client
	}
	if mode != Client && mode != Cluster {
		return nil, fmt.Errorf("unknown deploy mode %q: give client or cluster", mode)
	}
	if mode == Cluster {
		switch kind {
		case Local, Standalone:
			return nil, &ClientOnlyError{Kind: kind}
		}
	}
	c := &Config{Master: masterURL, Kind: kind, DeployMode: mode}
	set := func(k, v string) { c.Settings = append(c.Settings, Setting{k, v}) }
	archivesKey, filesKey := keyArchives, keyFiles
	if kind == YARN {
		archivesKey, filesKey = keyYarnArchives, keyYarnFiles
	}
	url, usesS3, err := sparkURL(env.URL)
	if err != nil {
		return nil, err
	}
	layers, layersS3, err := shippedLayers(env)
	if err != nil {
		return nil, err
	}
	usesS3 = usesS3 || layersS3
	if len(o.Jars) > 0 {
		set(keyJars, strings.Join(o.Jars, ","))
	}
	if len(o.ClassPath) > 0 {
		cp := strings.Join(o.ClassPath, ":")
		set("spark.driver.extraClassPath", cp)
		set("spark.executor.extraClassPath", cp)
	}
	var python string
	switch env.Format {
	case FormatPex, FormatZip, FormatTarGz:
	default:
		return nil, fmt.Errorf("the manifest's format %q is not one Spark can use: pex, zip or tar.gz", env.Format)
	}
	switch {
	case kind == Local:
		// Nothing to ship: the workers run here (see the package doc).
		python = o.LocalInterpreter
		if python == "" || !path.IsAbs(python) {
			return nil, fmt.Errorf("a local master runs Python workers on this machine, outside any container, so the environment %s must be unpacked here first and its interpreter given by absolute path (the spark-args command does it)", env.URL)
		}
		usesS3 = false
	case env.Format == FormatPex:
		files := []string{url}
		for _, l := range layers {
			files = append(files, l.url)
		}
		set(filesKey, strings.Join(files, ","))
		python = "./" + path.Base(env.URL)
	default:
		archives := []string{url + "#" + archiveAlias(env.Interpreter)}
		for _, l := range layers {
			archives = append(archives, l.url+"#"+l.dir)
		}
		set(archivesKey, strings.Join(archives, ","))
		python = "./" + strings.TrimPrefix(path.Clean(env.Interpreter), "./")
	}
	if kind != Local && strings.HasPrefix(env.URL, "file:") {
		c.note(NoteLocalStore, "the environment is in a local store ("+env.URL+"): spark-submit uploads it from this machine again with every job; a store the cluster reads, HDFS or S3, ships it once")
	}
	for _, code := range env.Code {
		u, s3, err := sparkURL(code)
		if err != nil {
			return nil, err
		}
		usesS3 = usesS3 || s3
		c.PyFiles = append(c.PyFiles, u)
	}
	if len(c.PyFiles) > 0 {
		set(keyPyFiles, strings.Join(c.PyFiles, ","))
	}
	set(keyPython, python)
	c.Env = append(c.Env, Setting{"PYSPARK_PYTHON", python})
	if mode == Client {
		driver := o.DriverPython
		if driver == "" {
			driver = "python3"
		}
		set(keyDriverPython, driver)
	}
	// On a local master the pex keeps its own default PEX_ROOT (~/.pex):
	// one unpacked copy on this machine across applications.
	if env.Format == FormatPex && kind != Local {
		set("spark.executorEnv.PEX_ROOT", PexRoot)
		if mode == Cluster {
			switch kind {
			case YARN:
				set("spark.yarn.appMasterEnv.PEX_ROOT", PexRoot)
			case Kubernetes:
				set("spark.kubernetes.driverEnv.PEX_ROOT", PexRoot)
			}
		}
	}
	if usesS3 {
		c.Settings = append(c.Settings, s3Settings(o.S3)...)
		if len(o.ClassPath) == 0 {
			c.note(NoteS3AClassPath, "s3a:// needs hadoop-aws and the AWS SDK jars of Spark's Hadoop version on the class path of spark-submit and of the executors, unless Spark's jars directory has them; jars shipped with the job (spark.jars) are loaded too late to read the environment: give their paths on the nodes for spark.driver.extraClassPath and spark.executor.extraClassPath")
		}
		if o.S3.AccessKey == "" {
			c.note(NoteS3Credentials, "S3 credentials are not printed: S3A reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment of each JVM, or an instance role; they are printed as properties only when given")
		}
	}
	if n, ok := packedPySpark(env.Packages); ok {
		c.Notes = append(c.Notes, n)
	}
	return c, nil
}

func (c *Config) note(kind, text string) { c.Notes = append(c.Notes, Note{kind, text}) }

// shippedLayer is a layer as Spark is given it.
type shippedLayer struct{ url, dir string }

// shippedLayers are env's layers with their URLs as Spark reads them and
// the directory each venv layer is unpacked into.
func shippedLayers(env Env) ([]shippedLayer, bool, error) {
	var out []shippedLayer
	usesS3 := false
	for i, l := range env.Layers {
		u, s3, err := sparkURL(l.URL)
		if err != nil {
			return nil, false, fmt.Errorf("layer %d of the manifest: %w", i+1, err)
		}
		usesS3 = usesS3 || s3
		dir := l.Dir
		if dir == "" {
			dir = LayerDir(path.Base(l.URL))
		}
		if dir == "" || dir == "." || dir == ".." || strings.ContainsAny(dir, "/#,\\") {
			return nil, false, fmt.Errorf("layer %s of the manifest has no usable directory name %q: give the manifest of an upload", l.URL, dir)
		}
		out = append(out, shippedLayer{u, dir})
	}
	return out, usesS3, nil
}

// LayerDir is the directory a venv layer file is unpacked into beside the
// base: its name without the extension ("layer-<hash>.tar.gz" gives
// "layer-<hash>").
func LayerDir(file string) string {
	for _, ext := range []string{".tar.gz", ".zip", ".pex"} {
		if d, ok := strings.CutSuffix(file, ext); ok {
			return d
		}
	}
	return file
}

// archiveAlias is the directory a venv archive is unpacked into: the
// first element of its interpreter path ("environment/bin/python").
func archiveAlias(interp string) string {
	p := strings.TrimPrefix(path.Clean(interp), "./")
	if i := strings.IndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "environment"
}

// sparkURL is the URL as Spark reads it: s3:// becomes s3a://.
func sparkURL(u string) (string, bool, error) {
	if u == "" {
		return "", false, ErrNoURL
	}
	if rest, ok := strings.CutPrefix(u, "s3://"); ok {
		return "s3a://" + rest, true, nil
	}
	return u, strings.HasPrefix(u, "s3a://"), nil
}

func s3Settings(s S3) []Setting {
	var out []Setting
	set := func(k, v string) { out = append(out, Setting{"spark.hadoop.fs.s3a." + k, v}) }
	if s.Endpoint != "" {
		set("endpoint", s.Endpoint)
		if strings.HasPrefix(s.Endpoint, "http://") {
			set("connection.ssl.enabled", "false")
		}
	}
	if s.Endpoint != "" || s.PathStyle {
		set("path.style.access", "true")
	}
	if s.Region != "" {
		set("endpoint.region", s.Region)
	}
	if s.AccessKey != "" {
		if s.SessionToken != "" {
			set("aws.credentials.provider", "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider")
		} else {
			set("aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
		}
		set("access.key", s.AccessKey)
		set("secret.key", s.SecretKey)
		if s.SessionToken != "" {
			set("session.token", s.SessionToken)
		}
	}
	return out
}

// Properties are the settings as a map, for JSON.
func (c *Config) Properties() map[string]string {
	m := map[string]string{}
	if c.Master != "" {
		m["spark.master"] = c.Master
		m["spark.submit.deployMode"] = c.DeployMode
	} else if c.DeployMode == Cluster {
		m["spark.submit.deployMode"] = c.DeployMode
	}
	for _, s := range c.Settings {
		m[s.Key] = s.Value
	}
	return m
}

// flagFor maps properties to spark-submit's own flags.
var flagFor = map[string]string{
	keyArchives:     "--archives",
	keyYarnArchives: "--archives",
	keyFiles:        "--files",
	keyYarnFiles:    "--files",
	keyPyFiles:      "--py-files",
	keyJars:         "--jars",
}

// Argv is the configuration as spark-submit arguments, one string each.
func (c *Config) Argv() []string {
	var a []string
	if c.Master != "" {
		a = append(a, "--master", c.Master)
	}
	if c.Master != "" || c.DeployMode == Cluster {
		a = append(a, "--deploy-mode", c.DeployMode)
	}
	for _, s := range c.Settings {
		if f, ok := flagFor[s.Key]; ok {
			a = append(a, f, s.Value)
		} else {
			a = append(a, "--conf", s.Key+"="+s.Value)
		}
	}
	return a
}

// Flags is the configuration as one line of shell-quoted spark-submit
// arguments, for `eval "spark-submit $(clusterpack spark-args ...) job.py"`
// (or plain $(...) when no value needs quoting).
func (c *Config) Flags() string {
	return shell.Join(c.Argv()) + "\n"
}

// DefaultsConf is the configuration as spark-defaults.conf lines (Java
// properties, as Spark reads that file).
func (c *Config) DefaultsConf() string {
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString(propEscape(k, true))
		b.WriteByte(' ')
		b.WriteString(propEscape(v, false))
		b.WriteByte('\n')
	}
	if c.Master != "" {
		line("spark.master", c.Master)
	}
	if c.Master != "" || c.DeployMode == Cluster {
		line("spark.submit.deployMode", c.DeployMode)
	}
	for _, s := range c.Settings {
		line(s.Key, s.Value)
	}
	return b.String()
}

// PySpark is a Python snippet that builds a SparkSession with the
// configuration, for jobs that build their session in code (run with
// python, not spark-submit). Such a driver runs where the code runs, so
// only client mode is possible; the driver's interpreter is the one
// running the snippet; in cluster mode the error is ErrSessionCluster.
func (c *Config) PySpark() (string, error) {
	if c.DeployMode == Cluster {
		return "", ErrSessionCluster
	}
	var b strings.Builder
	b.WriteString("import os\n\nfrom pyspark.sql import SparkSession\n\n")
	for _, e := range c.Env {
		fmt.Fprintf(&b, "os.environ[%s] = %s\n", pyQuote(e.Key), pyQuote(e.Value))
	}
	b.WriteString("spark = (\n    SparkSession.builder\n")
	if c.Master != "" {
		fmt.Fprintf(&b, "    .master(%s)\n", pyQuote(c.Master))
	}
	for _, s := range c.Settings {
		switch s.Key {
		case keyPyFiles, keyDriverPython:
			// addPyFile below; the driver is this interpreter.
			continue
		}
		fmt.Fprintf(&b, "    .config(%s, %s)\n", pyQuote(s.Key), pyQuote(s.Value))
	}
	b.WriteString("    .getOrCreate()\n)\n")
	for _, f := range c.PyFiles {
		fmt.Fprintf(&b, "spark.sparkContext.addPyFile(%s)\n", pyQuote(f))
	}
	return b.String(), nil
}

// JSON is the configuration as a value for encoding/json: the properties,
// the spark-submit arguments, the environment of a driver that builds
// its session in code, and the notes.
func (c *Config) JSON() any {
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Key] = e.Value
	}
	notes := []string{}
	for _, n := range c.Notes {
		notes = append(notes, n.Text)
	}
	return struct {
		Master     string            `json:"master,omitempty"`
		Kind       string            `json:"kind"`
		DeployMode string            `json:"deploy_mode"`
		Conf       map[string]string `json:"conf"`
		Args       []string          `json:"args"`
		PyFiles    []string          `json:"py_files"`
		Env        map[string]string `json:"env"`
		Notes      []string          `json:"notes"`
	}{c.Master, c.Kind, c.DeployMode, c.Properties(), c.Argv(), nonNil(c.PyFiles), env, notes}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// pyQuote is a Python string literal of s. Go's quoting uses only escapes
// that Python's string literals share (\n, \t, \\, \", \xNN, \uNNNN,
// \UNNNNNNNN); printable characters stay as they are (Python source is
// UTF-8).
func pyQuote(s string) string {
	return strconv.Quote(s)
}

// propEscape escapes a key or value of a Java properties file.
func propEscape(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case key && (r == '=' || r == ':' || r == ' ' || r == '#' || r == '!'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case !key && i == 0 && (r == ' ' || r == '#' || r == '!'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Keys lists the settings' keys, sorted; for tests and messages.
func (c *Config) Keys() []string {
	var k []string
	for _, s := range c.Settings {
		k = append(k, s.Key)
	}
	sort.Strings(k)
	return k
}
