package reqfile

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// memOpener serves files from a map; paths are absolute ("/r/req.txt").
func memOpener(files map[string]string) func(string) (io.ReadCloser, error) {
	fsys := fstest.MapFS{}
	for name, content := range files {
		fsys[strings.TrimPrefix(name, "/")] = &fstest.MapFile{Data: []byte(content)}
	}
	return func(p string) (io.ReadCloser, error) {
		return fsys.Open(strings.TrimPrefix(filepath.ToSlash(p), "/"))
	}
}

func TestParseProject(t *testing.T) {
	env := map[string]string{"PRIVATE_TOKEN": "s3cret", "SPARK_VERSION": "3.5.1"}
	f, err := Parse(context.Background(), "testdata/project/requirements.txt", Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs("testdata/project")
	type row struct {
		source, text, req, path, url string
		editable                     bool
		extras                       []string
		hashes                       []string
	}
	var got []row
	for _, r := range f.Requirements {
		req := ""
		if r.Req != nil {
			req = r.Req.String()
		}
		got = append(got, row{r.Line.String(), r.Text, req, r.Path, r.URL, r.Editable, r.Extras, r.Hashes})
	}
	want := []row{
		{source: "testdata/project/common/base.txt:4", text: `numpy>=1.26; python_version >= "3.10"`, req: `numpy>=1.26; python_version >= "3.10"`},
		{source: "testdata/project/shared.txt:1", text: "pyarrow==15.0.0", req: "pyarrow==15.0.0", hashes: []string{"sha512:00ff"}},
		{source: "testdata/project/requirements.txt:7", text: "./libs/shared[fast]", path: filepath.Join(root, "libs/shared"), editable: true, extras: []string{"fast"}},
		{source: "testdata/project/requirements.txt:8", text: "requests[socks]>=2.31", req: "requests[socks]>=2.31", hashes: []string{
			"sha256:942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1",
			"sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"}},
		{source: "testdata/project/requirements.txt:11", text: "./dist/analytics-0.3.0-py3-none-any.whl", req: "analytics==0.3.0", path: filepath.Join(root, "dist/analytics-0.3.0-py3-none-any.whl")},
		{source: "testdata/project/requirements.txt:12", text: "pyspark==3.5.1", req: "pyspark==3.5.1"},
		{source: "testdata/project/requirements.txt:13", text: "git+https://github.com/acme/udfs.git@v1.2#egg=acme-udfs&subdirectory=python", req: "acme-udfs",
			url: "git+https://github.com/acme/udfs.git@v1.2#egg=acme-udfs&subdirectory=python"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requirements:\n got %+v\nwant %+v", got, want)
	}
	if len(f.Constraints) != 1 || f.Constraints[0].Req.String() != "urllib3<2" || !f.Constraints[0].Constraint ||
		f.Constraints[0].Line.String() != "testdata/project/constraints/pins.txt:2" {
		t.Errorf("constraints: %+v", f.Constraints)
	}
	wantOpts := FileOptions{
		IndexURL:       "https://pypi.internal.example/simple",
		ExtraIndexURLs: []string{"https://ci:s3cret@extra.example/simple"},
		FindLinks:      []string{filepath.Join(root, "wheelhouse")},
		OnlyBinary:     []string{":all:"},
		NoBinary:       []string{"shapely"},
	}
	if !reflect.DeepEqual(f.Options, wantOpts) {
		t.Errorf("options:\n got %+v\nwant %+v", f.Options, wantOpts)
	}
}

func TestParseRules(t *testing.T) {
	env := map[string]string{"HOST": "files.example", "V_1": "2.0", "EMPTY": "", "lower": "x"}
	tests := []struct {
		name    string
		content string
		texts   []string // Text of each requirement
		opts    FileOptions
	}{
		{"blank lines and comments", "\n  \n# c\n  # c\nfoo # c\n\t bar\t#c\n", []string{"foo", "bar"}, FileOptions{}},
		{"URL fragments are not comments", "https://x.example/a-1.0.tar.gz#sha256=00 # real comment\n", []string{"https://x.example/a-1.0.tar.gz#sha256=00"}, FileOptions{}},
		{"continuation", "foo\\\n>=1\\\n,<2\n", []string{"foo>=1,<2"}, FileOptions{}},
		{"continuation ended by a comment", "foo \\\n# note\nbar\n", []string{"foo", "bar"}, FileOptions{}},
		{"continuation at end of file", "foo\\\n", []string{"foo"}, FileOptions{}},
		{"comment line ending in backslash is not continued", "# c \\\nfoo\n", []string{"foo"}, FileOptions{}},
		{"variables", "pkg==${V_1}\nhttps://${HOST}/p-1.0.tar.gz\n", []string{"pkg==2.0", "https://files.example/p-1.0.tar.gz"}, FileOptions{}},
		{"unset, empty and lowercase variables stay", "-f ${UNSET}\n-f ${EMPTY}\n-f ${lower}\n-f $HOST\n", nil,
			FileOptions{FindLinks: []string{"${UNSET}", "${EMPTY}", "${lower}", "$HOST"}}},
		{"CRLF and form feed", "foo\r\nbar\fbaz\r", []string{"foo", "bar", "baz"}, FileOptions{}},
		{"index options", "--extra-index-url https://a\n-i https://i\n--extra-index-url=https://b\n--trusted-host h\n", nil,
			FileOptions{IndexURL: "https://i", ExtraIndexURLs: []string{"https://b"}, TrustedHosts: []string{"h"}}},
		{"no-index wins over later index options", "--no-index\n--index-url https://late\n--extra-index-url https://late2\n", nil,
			FileOptions{NoIndex: true}},
		{"flags and abbreviations", "--pre\n--prefer\n--require-hashes\n--use-feature=fast-deps\n", nil,
			FileOptions{Pre: true, PreferBinary: true, RequireHashes: true, Features: []string{"fast-deps"}}},
		{"options after a requirement do not apply", "foo --pre --index-url https://x\n", []string{"foo"}, FileOptions{}},
		{"format control", "--only-binary :all:\n--no-binary Foo_Bar,baz\n--only-binary=:none:,qux\n", nil,
			FileOptions{NoBinary: []string{"baz", "foo-bar"}, OnlyBinary: []string{"qux"}}},
		{"quoted option values", `--index-url "https://x/a b"` + "\n", nil, FileOptions{IndexURL: "https://x/a b"}},
		{"only the first -f of a line counts", "-f a -f b\n", nil, FileOptions{FindLinks: []string{"a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(context.Background(), "/r/req.txt", Options{
				Open:   memOpener(map[string]string{"/r/req.txt": tt.content}),
				Getenv: func(k string) string { return env[k] },
			})
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, r := range f.Requirements {
				texts = append(texts, r.Text)
			}
			if !reflect.DeepEqual(texts, tt.texts) {
				t.Errorf("requirements: got %q, want %q", texts, tt.texts)
			}
			if !reflect.DeepEqual(f.Options, tt.opts) {
				t.Errorf("options:\n got %+v\nwant %+v", f.Options, tt.opts)
			}
		})
	}
}

func TestParseRequirementKinds(t *testing.T) {
	files := map[string]string{
		"/w/proj/pyproject.toml": "", "/w/legacy/setup.py": "", "/w/dist/x-1.0.tar.gz": "",
		"/w/sub/req.txt": "../proj[a,B]\n" +
			"-e ../legacy\n" +
			"-e git+https://g.example/r.git@main#egg=r[x]\n" +
			"-e git://g.example/r.git#egg=r\n" +
			"../dist/x-1.0.tar.gz; sys_platform == 'linux'\n" +
			"file:../dist/x-1.0.tar.gz\n" +
			"name @ file:///opt/name\n" +
			"https://h.example/w-2.0-py3-none-any.whl; python_version < '4'\n" +
			"foo --global-option=--quiet -C k=v -C k=w\n",
	}
	f, err := Parse(context.Background(), "/w/sub/req.txt", Options{Open: memOpener(files)})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		req, marker, path, url string
		editable               bool
		extras                 []string
	}
	var got []row
	for _, r := range f.Requirements {
		var x row
		if r.Req != nil {
			x.req = r.Req.String()
		}
		if r.Marker != nil {
			x.marker = r.Marker.String()
		}
		x.path, x.url, x.editable, x.extras = r.Path, r.URL, r.Editable, r.Extras
		got = append(got, x)
	}
	want := []row{
		{path: "/w/proj", extras: []string{"a", "b"}},
		{path: "/w/legacy", editable: true},
		{req: "r[x]", url: "git+https://g.example/r.git@main#egg=r[x]", editable: true},
		{req: "r", url: "git+git://g.example/r.git#egg=r", editable: true},
		{marker: `sys_platform == "linux"`, path: "/w/dist/x-1.0.tar.gz"},
		{path: "/w/dist/x-1.0.tar.gz", url: "file:../dist/x-1.0.tar.gz"},
		{req: "name@ file:///opt/name", path: "/opt/name", url: "file:///opt/name"},
		{req: `w==2.0; python_version < "4"`, url: "https://h.example/w-2.0-py3-none-any.whl"},
		{req: "foo"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d requirements, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].req == "name@ file:///opt/name" || want[i].req == "name@ file:///opt/name" {
			want[i].req = got[i].req // the String form of a URL requirement is pep508's business
			if !strings.HasPrefix(got[i].req, "name") {
				t.Errorf("#%d: req %q", i, got[i].req)
			}
		}
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("#%d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	last := f.Requirements[len(f.Requirements)-1]
	if !reflect.DeepEqual(last.GlobalOptions, []string{"--quiet"}) || !reflect.DeepEqual(last.ConfigSettings, map[string][]string{"k": {"v", "w"}}) {
		t.Errorf("per-requirement options: %q %q", last.GlobalOptions, last.ConfigSettings)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string // the whole message
		is    error
	}{
		{"unknown option", map[string]string{"/r/req.txt": "foo\n--frobnicate\n"},
			"/r/req.txt:2: no such option: --frobnicate; see `pip help install` for the options a requirements file may use", nil},
		{"ambiguous option", map[string]string{"/r/req.txt": "--no x\n"},
			"/r/req.txt:1: ambiguous option: --no (--no-binary, --no-index?); see `pip help install` for the options a requirements file may use", nil},
		{"option without value", map[string]string{"/r/req.txt": "\n\n-i\n"},
			"/r/req.txt:3: -i option requires 1 argument; see `pip help install` for the options a requirements file may use", nil},
		{"bad requirement with column", map[string]string{"/r/req.txt": "# deps\nrequests\nfoo >= 1 bar\n"},
			`/r/req.txt:3: invalid requirement: "foo >= 1 bar": `, nil},
		{"single equals", map[string]string{"/r/req.txt": "foo=1\n"},
			`did you mean "=="?`, nil},
		{"missing nested file", map[string]string{"/r/req.txt": "foo\n-r sub/base.txt\n"},
			"/r/req.txt:2: cannot read included file: open r/sub/base.txt: file does not exist; paths are relative to the including file's directory", nil},
		{"cycle", map[string]string{"/r/a.txt": "-r b.txt\n", "/r/b.txt": "foo\n-c ./a.txt\n"},
			"/r/b.txt:2: requirements files include each other: /r/a.txt -> /r/b.txt -> /r/a.txt; remove one of the -r/-c lines", ErrCycle},
		{"self include", map[string]string{"/r/a.txt": "-r a.txt\n"},
			"/r/a.txt:1: requirements files include each other: /r/a.txt -> /r/a.txt; remove one of the -r/-c lines", ErrCycle},
		{"weak hash", map[string]string{"/r/a.txt": "foo --hash=md5:00\n"},
			`/r/a.txt:1: --hash "md5:00": allowed hash algorithms are sha256, sha384, sha512`, nil},
		{"hash without algorithm", map[string]string{"/r/a.txt": "foo --hash=00\n"},
			`/r/a.txt:1: --hash "00": write a hash name and a value, like --hash=sha256:abcde...`, nil},
		{"config settings without =", map[string]string{"/r/a.txt": "foo -C x\n"},
			`/r/a.txt:1: -C "x": arguments must be of the form KEY=VALUE`, nil},
		{"URL without Fetch, password redacted", map[string]string{"/r/a.txt": "\n-r https://me:hunter2@h.example/r.txt\n"},
			"/r/a.txt:2: cannot read included file: cannot read https://me:****@h.example/r.txt: requirements files from URLs are not enabled; download it and name the local copy instead; paths are relative to the including file's directory", ErrURLNotAllowed},
		{"URL without Fetch, token redacted", map[string]string{"/r/a.txt": "-r https://hunter2@h.example/r.txt\n"},
			"/r/a.txt:1: cannot read included file: cannot read https://****@h.example/r.txt: ", ErrURLNotAllowed},
		{"URL without Fetch, password with @ redacted", map[string]string{"/r/a.txt": "-r https://me:p@hunter2@h.example/r.txt\n"},
			"/r/a.txt:1: cannot read included file: cannot read https://me:****@h.example/r.txt: ", ErrURLNotAllowed},
		{"editable VCS URL without egg", map[string]string{"/r/a.txt": "-e git+https://h.example/r.git\n"},
			"/r/a.txt:1: -e git+https://h.example/r.git: cannot tell the project name; add #egg=name to the URL", nil},
		{"editable neither dir nor URL", map[string]string{"/r/a.txt": "-e ./nowhere\n"},
			"/r/a.txt:1: -e ./nowhere: not a project directory", nil},
		{"directory without project", map[string]string{"/r/a.txt": "./docs\n", "/r/docs/index.md": ""},
			"/r/a.txt:1: directory ./docs is not installable: neither setup.py nor pyproject.toml found; point at the project root", nil},
		{"unbalanced quote", map[string]string{"/r/a.txt": "--index-url 'https://x\n"},
			`/r/a.txt:1: cannot split the options "--index-url 'https://x": no closing quotation; check the quotes and backslashes`, nil},
		{"no-binary without value", map[string]string{"/r/a.txt": "--no-binary --pre\n"},
			`/r/a.txt:1: --no-binary requires a value`, nil},
		{"password in a bad requirement", map[string]string{"/r/a.txt": "pkg @ https://u:pw@h.example/p.whl extra\n"},
			"https://u:****@h.example", nil},
		{"invalid UTF-8", map[string]string{"/r/a.txt": "foo\nb\xffar\n"},
			"/r/a.txt:2: the file is not valid UTF-8; save it as UTF-8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			top := "/r/req.txt"
			if _, ok := tt.files[top]; !ok {
				top = "/r/a.txt"
			}
			_, err := Parse(context.Background(), top, Options{Open: memOpener(tt.files)})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			if msg != tt.want && !strings.Contains(msg, tt.want) {
				t.Errorf("error:\n got %s\nwant %s", msg, tt.want)
			}
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, ":pw@") {
				t.Errorf("error shows a password: %s", msg)
			}
			var lineErr *Error
			if !errors.As(err, &lineErr) || lineErr.Source.Line < 1 {
				t.Errorf("error has no line number: %v", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.is)
			}
		})
	}
}

func TestParseFetch(t *testing.T) {
	pages := map[string]string{
		"https://h.example/reqs/main.txt":   "-r common.txt\nfoo\n",
		"https://h.example/reqs/common.txt": "--pre\nbar\n",
	}
	var fetched []string
	fetch := func(ctx context.Context, url string) ([]byte, error) {
		fetched = append(fetched, url)
		if c, ok := pages[url]; ok {
			return []byte(c), nil
		}
		return nil, errors.New("404 Not Found")
	}
	files := map[string]string{"/r/req.txt": "-r https://h.example/reqs/main.txt\n"}
	f, err := Parse(context.Background(), "/r/req.txt", Options{Open: memOpener(files), Fetch: fetch})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Requirements) != 2 || f.Requirements[0].Line.String() != "https://h.example/reqs/common.txt:2" || !f.Options.Pre {
		t.Errorf("got %+v", f)
	}
	if !reflect.DeepEqual(fetched, []string{"https://h.example/reqs/main.txt", "https://h.example/reqs/common.txt"}) {
		t.Errorf("fetched %q", fetched)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Parse(ctx, "/r/req.txt", Options{Open: memOpener(files), Fetch: fetch}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
