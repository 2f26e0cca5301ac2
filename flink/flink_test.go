package flink

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
	zipFile = Env{Format: "zip", URL: "file:///srv/envs/env-0123.zip", Interpreter: "environment/bin/python"}
	tarS3   = Env{Format: "tar.gz", URL: "s3://bucket/envs/env-0123.tar.gz", Interpreter: "environment/bin/python",
		Code: []string{"s3://bucket/envs/code/code-aaaa.zip", "s3://bucket/envs/code/code-bbbb.zip"}}
	wheelhouse  = Env{Format: "wheelhouse", URL: "file:///srv/envs/wheelhouse-0123"}
	zipReqsS3   = Env{Format: "zip", URL: "s3://bucket/envs/env-0123.zip", Interpreter: "environment/bin/python", Requirements: "s3://bucket/envs/wheelhouse-4567"}
	layeredHDFS = Env{Format: "zip", URL: "hdfs://nn:8020/envs/env-89ab.zip", Interpreter: "environment/bin/python",
		Layers: []Layer{{URL: "hdfs://nn:8020/envs/layer-1111.zip", Dir: "layer-1111"}, {URL: "hdfs://nn:8020/envs/layer-2222.zip", Dir: "layer-2222"}},
		Code:   []string{"hdfs://nn:8020/envs/code/code-cccc.zip"}}
	layeredS3 = Env{Format: "tar.gz", URL: "s3://bucket/envs/env-89ab.tar.gz", Interpreter: "environment/bin/python",
		Layers: []Layer{{URL: "s3://bucket/envs/layer-1111.tar.gz"}}}
	threadEnv = Env{Format: "zip", URL: "hdfs:///envs/env-0123.zip", Interpreter: "environment/bin/python", Packages: []string{"apache-flink", "pemja", "find_libpython"}, BundledPython: true}
)

var cases = []struct {
	name string
	env  Env
	opts Options
}{
	{"zip-file", zipFile, Options{}},
	{"zip-file-client", zipFile, Options{ClientPython: "/home/u/venv/bin/python", ExecutionMode: Process}},
	{"targz-s3-code", tarS3, Options{S3: S3{Endpoint: "http://127.0.0.1:9000"}}},
	{"targz-s3-credentials", tarS3, Options{S3: S3{Endpoint: "https://minio.example", AccessKey: "AKIA", SecretKey: "s e'c#ret", SessionToken: "tok"}}},
	{"thread", threadEnv, Options{ExecutionMode: Thread}},
	{"wheelhouse-file", wheelhouse, Options{WorkerPython: "/opt/venv/bin/python"}},
	{"wheelhouse-default-python", wheelhouse, Options{}},
	{"zip-with-wheelhouse-s3", zipReqsS3, Options{S3: S3{Endpoint: "http://127.0.0.1:9000"}}},
	{"layers-zip-hdfs", layeredHDFS, Options{ClientPython: "/home/u/venv/bin/python"}},
	{"layers-targz-s3", layeredS3, Options{S3: S3{Endpoint: "http://127.0.0.1:9000"}}},
}

func TestGolden(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Args(tc.env, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			j, err := json.MarshalIndent(c.JSON(), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got := "# flags\n" + c.Flags() + "\n# conf\n" + c.YAML() + "\n# json\n" + string(j) + "\n"
			golden := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./flink -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (go test ./flink -update rewrites it):\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func TestFlagsShellRoundTrip(t *testing.T) {
	for _, w := range []string{"", "a b", "it's", "$x", "`y`", `\`, "*", "a\nb", "#c", "é"} {
		c, err := Args(Env{Format: "zip", URL: "file:///e/" + w + ".zip", Interpreter: "environment/bin/python"}, Options{ClientPython: w, S3: S3{AccessKey: w}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("sh", "-c", `for a in `+strings.TrimSuffix(c.Flags(), "\n")+`; do printf '%s\0' "$a"; done`).Output()
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !reflect.DeepEqual(got, c.Argv()) {
			t.Errorf("%q: the shell read %q, want %q", w, got, c.Argv())
		}
	}
}

func TestThreadModeSaysWhatIsMissing(t *testing.T) {
	_, err := Args(Env{Format: "zip", URL: "file:///e.zip", Interpreter: "environment/bin/python", Packages: []string{"pemja"}}, Options{ExecutionMode: Thread})
	var tm *ThreadModeError
	if !errors.As(err, &tm) || !reflect.DeepEqual(tm.Missing, []string{"find-libpython"}) || !strings.Contains(err.Error(), "lacks find-libpython") {
		t.Fatalf("got %v", err)
	}
	_, err = Args(Env{Format: "zip", URL: "file:///e.zip"}, Options{ExecutionMode: Thread})
	if !errors.As(err, &tm) || len(tm.Missing) != 2 || !tm.NoPython || !strings.Contains(err.Error(), "bundle a CPython into it") {
		t.Fatalf("got %v", err)
	}
	// Every package, but no Python of its own.
	_, err = Args(Env{Format: "zip", URL: "file:///e.zip", Packages: []string{"pemja", "find-libpython"}}, Options{ExecutionMode: Thread})
	if !errors.As(err, &tm) || len(tm.Missing) != 0 || !tm.NoPython || strings.Contains(err.Error(), "lacks") {
		t.Fatalf("got %v", err)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		env  Env
		opts Options
		want string
		is   error
	}{
		{Env{Format: "pex", URL: "s3://b/e.pex"}, Options{}, "cannot use a pex", ErrPex},
		{Env{Format: "zip"}, Options{}, "no URL", ErrNoURL},
		{zipFile, Options{ExecutionMode: "fiber"}, "unknown execution mode", nil},
		{zipFile, Options{WorkerPython: "/usr/bin/python3"}, "run the shipped environment's interpreter", ErrWorkerPython},
		{wheelhouse, Options{ExecutionMode: Thread}, "thread mode", ErrWheelhouseThread},
		{Env{Format: "wheelhouse", URL: "file:///a/wheelhouse-1", Requirements: "file:///a/wheelhouse-2"}, Options{}, "two wheelhouses", nil},
	} {
		_, err := Args(tc.env, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("got %v, want errors.Is %v", err, tc.is)
		}
	}
}

// TestNoteKinds: each note says which it is, for a caller that adds its
// own words to it.
func TestNoteKinds(t *testing.T) {
	c, err := Args(Env{Format: "zip", URL: "s3://b/e.zip", Interpreter: "environment/bin/python", Packages: []string{"pemja", "find-libpython"}, BundledPython: true}, Options{ExecutionMode: Thread})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.Notes {
		got = append(got, n.Kind)
	}
	if want := []string{NoteThreadModeVersion, NoteS3Credentials, NoteS3Plugin}; !reflect.DeepEqual(got, want) {
		t.Errorf("notes %q, want %q", got, want)
	}
	for _, tc := range []struct {
		env  Env
		want []string
	}{
		{zipFile, []string{NoteLocalStore}},
		{Env{Format: "tar.gz", URL: "hdfs://nn:8020/envs/env-0123.tar.gz", Interpreter: "environment/bin/python"}, nil},
	} {
		c, err := Args(tc.env, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range c.Notes {
			got = append(got, n.Kind)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Args(%s): notes %q, want %q", tc.env.URL, got, tc.want)
		}
	}
}

// A layer without a URL, with a directory name that is no archive alias,
// or beside a wheelhouse is an error.
func TestLayerErrors(t *testing.T) {
	for _, tc := range []struct {
		env  Env
		want string
	}{
		{withLayers(layeredHDFS, Layer{Dir: "layer-1"}), "layer 1 of the manifest has no URL"},
		{withLayers(layeredHDFS, Layer{URL: "hdfs://nn/l.zip", Dir: "a/b"}), `no usable directory name "a/b"`},
		{withLayers(layeredHDFS, Layer{URL: "hdfs://nn/l.zip", Dir: Alias}), `no usable directory name "venv"`},
		{withLayers(wheelhouse, Layer{URL: "hdfs://nn/l.zip"}), "a wheelhouse has no layers"},
	} {
		if _, err := Args(tc.env, Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one with %q", tc.env.Layers, err, tc.want)
		}
	}
}

func withLayers(e Env, l ...Layer) Env {
	e.Layers = l
	return e
}
