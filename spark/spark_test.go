package spark

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	venvS3 = Env{Format: FormatTarGz, URL: "s3://bucket/envs/env-0123456789abcdef0123.tar.gz", Interpreter: "environment/bin/python",
		Code: []string{"s3://bucket/envs/code/code-aaaa.zip", "s3://bucket/envs/code/code-bbbb.zip"}}
	venvZipFile = Env{Format: FormatZip, URL: "file:///srv/envs/env-0123456789abcdef0123.zip", Interpreter: "environment/bin/python"}
	pexHDFS     = Env{Format: FormatPex, URL: "hdfs://nn:8020/envs/env-0123456789abcdef0123.pex", Interpreter: "./env-0123456789abcdef0123.pex",
		Code: []string{"hdfs://nn:8020/envs/code/code-cccc.zip"}}
	pexFile = Env{Format: FormatPex, URL: "file:///srv/envs/env-0123456789abcdef0123.pex", Interpreter: "./env-0123456789abcdef0123.pex"}
	s3Local = S3{Endpoint: "http://127.0.0.1:9000", Region: "us-east-1"}

	// Layered environments (build --layers): a base and two layers.
	layeredVenvHDFS = Env{Format: FormatZip, URL: "hdfs://nn:8020/envs/env-89abcdef0123456789ab.zip", Interpreter: "environment/bin/python",
		Layers: []Layer{
			{URL: "hdfs://nn:8020/envs/layer-11111111111111111111.zip", Dir: "layer-11111111111111111111"},
			{URL: "hdfs://nn:8020/envs/layer-22222222222222222222.zip", Dir: "layer-22222222222222222222"},
		},
		Code: []string{"hdfs://nn:8020/envs/code/code-cccc.zip"}}
	layeredVenvS3 = Env{Format: FormatTarGz, URL: "s3://bucket/envs/env-89abcdef0123456789ab.tar.gz", Interpreter: "environment/bin/python",
		Layers: []Layer{
			{URL: "s3://bucket/envs/layer-11111111111111111111.tar.gz", Dir: "layer-11111111111111111111"},
			{URL: "s3://bucket/envs/layer-22222222222222222222.tar.gz"}, // Dir from the file name
		}}
	layeredPexHDFS = Env{Format: FormatPex, URL: "hdfs://nn:8020/envs/env-89abcdef0123456789ab.pex", Interpreter: "./env-89abcdef0123456789ab.pex",
		Layers: []Layer{
			{URL: "hdfs://nn:8020/envs/layer-33333333333333333333.pex", Dir: "layer-33333333333333333333.pex"},
			{URL: "hdfs://nn:8020/envs/layer-44444444444444444444.pex", Dir: "layer-44444444444444444444.pex"},
		}}
	layeredPexFile = Env{Format: FormatPex, URL: "file:///srv/envs/env-89abcdef0123456789ab.pex", Interpreter: "./env-89abcdef0123456789ab.pex",
		Layers: []Layer{{URL: "file:///srv/envs/layer-33333333333333333333.pex", Dir: "layer-33333333333333333333.pex"}}}
)

// The cases: every master and deploy mode, both formats, three stores.
var cases = []struct {
	name string
	env  Env
	opts Options
}{
	{"local-pex-file", pexFile, Options{Master: "local[2]", LocalInterpreter: "/home/u/.cache/clusterpack/unpacked/0123/env-0123456789abcdef0123.pex"}},
	{"local-venv-unpacked", venvZipFile, Options{Master: "local[2]", LocalInterpreter: "/home/u/.cache/clusterpack/unpacked/0123/environment/bin/python", DriverPython: "/home/u/venv/bin/python"}},
	{"local-venv-s3-code", venvS3, Options{Master: "local", LocalInterpreter: "/cache/environment/bin/python", S3: s3Local}},
	{"standalone-venv-zip", venvZipFile, Options{Master: "spark://127.0.0.1:7077"}},
	{"standalone-pex-s3", Env{Format: FormatPex, URL: "s3://bucket/envs/env-0123456789abcdef0123.pex", Interpreter: "./env-0123456789abcdef0123.pex"},
		Options{Master: "standalone", S3: s3Local, Jars: []string{"/jobs/udfs.jar"}, ClassPath: []string{"/opt/s3a/hadoop-aws-3.4.1.jar", "/opt/s3a/bundle-2.24.6.jar"}}},
	{"yarn-client-venv-s3", venvS3, Options{Master: "yarn", DeployMode: Client}},
	{"yarn-cluster-venv-s3", venvS3, Options{Master: "yarn", DeployMode: Cluster, S3: S3{Region: "eu-west-1"}}},
	{"yarn-client-pex-hdfs", pexHDFS, Options{Master: "yarn"}},
	{"yarn-cluster-pex-hdfs", pexHDFS, Options{Master: "yarn", DeployMode: Cluster}},
	{"yarn-local-store-note", venvZipFile, Options{Master: "yarn"}},
	{"k8s-client-venv-s3-credentials", venvS3, Options{Master: "k8s://https://k8s.example:6443", S3: S3{Endpoint: "https://minio.example", AccessKey: "AKIA EXAMPLE", SecretKey: "s3cr'et$", SessionToken: "tok"}}},
	{"k8s-cluster-pex-hdfs", pexHDFS, Options{Master: "k8s", DeployMode: Cluster}},
	{"k8s-cluster-venv-s3", venvS3, Options{Master: "k8s", DeployMode: Cluster, S3: S3{PathStyle: true}}},
	// Layered: every layer shipped beside the base, on every master.
	{"layers-local-venv", layeredVenvHDFS, Options{Master: "local[2]", LocalInterpreter: "/home/u/.cache/clusterpack/unpacked/89ab/environment/bin/python"}},
	{"layers-local-pex", layeredPexFile, Options{Master: "local[2]", LocalInterpreter: "/home/u/.cache/clusterpack/unpacked/89ab/env-89abcdef0123456789ab.pex"}},
	{"layers-standalone-venv", layeredVenvHDFS, Options{Master: "spark://127.0.0.1:7077"}},
	{"layers-standalone-pex-file", layeredPexFile, Options{Master: "spark://127.0.0.1:7077"}},
	{"layers-yarn-client-venv", layeredVenvHDFS, Options{Master: "yarn"}},
	{"layers-yarn-cluster-venv-s3", layeredVenvS3, Options{Master: "yarn", DeployMode: Cluster, S3: s3Local}},
	{"layers-yarn-cluster-pex", layeredPexHDFS, Options{Master: "yarn", DeployMode: Cluster}},
	{"layers-k8s-client-pex", layeredPexHDFS, Options{Master: "k8s://https://k8s.example:6443"}},
	{"layers-k8s-cluster-venv-s3", layeredVenvS3, Options{Master: "k8s", DeployMode: Cluster, S3: S3{PathStyle: true}}},
}

func render(t *testing.T, c *Config) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# flags\n")
	b.WriteString(c.Flags())
	b.WriteString("\n# conf\n")
	b.WriteString(c.DefaultsConf())
	b.WriteString("\n# json\n")
	j, err := json.MarshalIndent(c.JSON(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b.Write(j)
	b.WriteString("\n\n# pyspark\n")
	if py, err := c.PySpark(); err != nil {
		b.WriteString("error: " + err.Error() + "\n")
	} else {
		b.WriteString(py)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Args(tc.env, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, c)
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./spark -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (go test ./spark -update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// The flags line survives a shell: sh -c "printf '%s\n' FLAGS" gives back
// exactly Argv, whatever the values hold.
func TestFlagsShellRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	weird := []string{"", "plain", "with space", "it's", `back\slash`, "$HOME", "`date`", "a\"b", "*", "local[2]", "new\nline", "#hash", "~user", "tab\there", "é ü", "!bang"}
	for _, w := range weird {
		c, err := Args(Env{Format: FormatZip, URL: "file:///e/" + w + ".zip", Interpreter: "environment/bin/python", Code: []string{"hdfs:///c/" + w + ".zip"}},
			Options{Master: "spark://h:1", DriverPython: w, S3: S3{AccessKey: w}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", `for a in `+strings.TrimSuffix(c.Flags(), "\n")+`; do printf '%s\0' "$a"; done`).Output()
		if err != nil {
			t.Fatalf("%q: %v", w, err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !reflect.DeepEqual(got, c.Argv()) {
			t.Errorf("%q: the shell read\n%q\nwant\n%q", w, got, c.Argv())
		}
	}
}

func TestErrors(t *testing.T) {
	clientOnly := func(kind string) func(error) bool {
		return func(err error) bool {
			var e *ClientOnlyError
			return errors.As(err, &e) && e.Kind == kind
		}
	}
	for _, tc := range []struct {
		env  Env
		opts Options
		want string
		is   func(error) bool // the error's type, when it has one
	}{
		{venvZipFile, Options{Master: "local", DeployMode: Cluster}, "use client mode", clientOnly(Local)},
		{venvZipFile, Options{Master: "spark://h:7077", DeployMode: Cluster}, "standalone master does not run Python drivers in cluster mode", clientOnly(Standalone)},
		{venvZipFile, Options{Master: "mesos://h:5050"}, "unknown Spark master", nil},
		{venvZipFile, Options{DeployMode: "server"}, "unknown deploy mode", nil},
		{venvZipFile, Options{Master: "local"}, "must be unpacked here first", nil},
		{Env{Format: "conda", URL: "s3://b/e.tar.gz"}, Options{Master: "yarn"}, "not one Spark can use", nil},
		{Env{Format: FormatPex}, Options{Master: "yarn"}, "no URL", func(err error) bool { return errors.Is(err, ErrNoURL) }},
	} {
		_, err := Args(tc.env, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Args(%+v, %+v) = %v, want an error with %q", tc.env, tc.opts, err, tc.want)
		}
		if tc.is != nil && !tc.is(err) {
			t.Errorf("Args(%+v, %+v) = %v (%T), not of the expected type", tc.env, tc.opts, err, err)
		}
	}
	c, err := Args(venvS3, Options{Master: "yarn", DeployMode: Cluster})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PySpark(); !errors.Is(err, ErrSessionCluster) {
		t.Errorf("PySpark in cluster mode: %v", err)
	}
}

// Credentials are printed only when given.
func TestNoCredentialsUnlessGiven(t *testing.T) {
	c, err := Args(venvS3, Options{Master: "yarn", S3: s3Local})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range c.Keys() {
		if strings.Contains(k, "key") || strings.Contains(k, "token") {
			t.Errorf("printed %s without credentials given", k)
		}
	}
}

func TestPropEscape(t *testing.T) {
	for in, want := range map[string]string{`a\b`: `a\\b`, "x\ny": `x\ny`, "#c": `\#c`, "a#b": "a#b", " lead": `\ lead`} {
		if got := propEscape(in, false); got != want {
			t.Errorf("propEscape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := propEscape("a=b:c d", true); got != `a\=b\:c\ d` {
		t.Errorf("key escape: %q", got)
	}
}

// TestNoteKinds: each note says which it is, for a caller that adds its
// own words to it.
func TestNoteKinds(t *testing.T) {
	for _, tc := range []struct {
		env  Env
		opts Options
		want []string
	}{
		{venvZipFile, Options{Master: "yarn"}, []string{NoteLocalStore}},
		{venvZipFile, Options{Master: "k8s", DeployMode: Cluster}, []string{NoteLocalStore}},
		{venvZipFile, Options{Master: "standalone"}, []string{NoteLocalStore}},
		{pexHDFS, Options{Master: "yarn"}, nil},
		{venvS3, Options{Master: "yarn"}, []string{NoteS3AClassPath, NoteS3Credentials}},
		{venvS3, Options{Master: "yarn", ClassPath: []string{"/opt/s3a/hadoop-aws.jar"}, S3: S3{AccessKey: "AKIA", SecretKey: "s"}}, nil},
		{withPackages(pexHDFS, "pandas", "PySpark", "py4j"), Options{Master: "yarn"}, []string{NotePySparkPacked}},
		{withPackages(pexHDFS, "py4j"), Options{Master: "k8s"}, []string{NotePySparkPacked}},
		{withPackages(pexHDFS, "pandas", "pyspark-stubs"), Options{Master: "yarn"}, nil},
	} {
		c, err := Args(tc.env, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range c.Notes {
			got = append(got, n.Kind)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Args(%+v, %+v): notes %q, want %q", tc.env, tc.opts, got, tc.want)
		}
	}
}

func withPackages(e Env, names ...string) Env {
	e.Packages = names
	return e
}

func TestPySparkPackedNote(t *testing.T) {
	c, err := Args(withPackages(pexHDFS, "pyspark", "py4j"), Options{Master: "yarn"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0].Text, "pyspark and py4j") {
		t.Errorf("notes %+v, want one naming pyspark and py4j", c.Notes)
	}
}

// A manifest's layer without a URL, or whose directory name would not
// make one archive alias, is an error naming it.
func TestLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		layer Layer
		want  string
	}{
		{Layer{Dir: "layer-1"}, "layer 1 of the manifest"},
		{Layer{URL: "hdfs://nn/envs/layer-1.zip", Dir: "a/b"}, `no usable directory name "a/b"`},
		{Layer{URL: "hdfs://nn/envs/layer-1.zip", Dir: "x#y"}, `no usable directory name "x#y"`},
		{Layer{URL: "hdfs://nn/envs/layer-1.zip", Dir: "x,y"}, `no usable directory name "x,y"`},
	} {
		env := layeredVenvHDFS
		env.Layers = []Layer{tc.layer}
		if _, err := Args(env, Options{Master: "yarn"}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("layer %+v: error %v, want one with %q", tc.layer, err, tc.want)
		}
	}
}

func TestLayerDir(t *testing.T) {
	for in, want := range map[string]string{
		"layer-0123.zip": "layer-0123", "layer-0123.tar.gz": "layer-0123", "layer-0123.pex": "layer-0123", "layer-0123": "layer-0123",
	} {
		if got := LayerDir(in); got != want {
			t.Errorf("LayerDir(%q) = %q, want %q", in, got, want)
		}
	}
}
