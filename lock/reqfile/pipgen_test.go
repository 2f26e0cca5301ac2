package reqfile

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Pools of lines the generator draws from. pathLines refer to files next
// to the top-level file, so they only go there (pip resolves them against
// its working directory, which the test sets to that directory).
var (
	namedLines = []string{
		"requests", "Django>=3.2,<4", "foo[bar,Baz]==1.0", `numpy ; python_version >= "3.8"`,
		"name @ https://example.com/name-1.0.tar.gz", "pkg @ https://x.org/pkg-1.0-py3-none-any.whl ; sys_platform == 'linux'",
		"https://example.com/dist/thing-2.0-py3-none-any.whl", "https://example.com/a.tar.gz#egg=a",
		"git+https://github.com/o/r.git#egg=r&subdirectory=sub", "git+https://github.com/o/r.git@v1",
		"https://example.com/x.zip#sha256=00ff", "attrs>=1; python_version<'3.12'", "zope.interface ~= 5.0",
		"SomeThing===1.0", "a-b_c.d", "requests==2.*", "${RQ_PKG}==1", "pkg==${RQ_VER}",
		"https://${RQ_HOST}/p-1.0-py3-none-any.whl",
	}
	pathLines = []string{
		"./proj", "./proj[dev]", "proj/", "./legacy", "./dist/w-1.0-py3-none-any.whl", "dist/s-2.0.tar.gz",
		"./proj ; python_version > '3'", "file:./dist/w-1.0-py3-none-any.whl", "./missing-1.0.tar.gz",
		"-e ./proj", "-e ./proj[dev,test]", "--editable=./legacy", "-e proj",
	}
	editableURLs = []string{
		"-e git+https://github.com/o/r.git#egg=r", "-e git://github.com/o/r.git#egg=r",
		"-e hg+https://hg.example/r#egg=r-r", "--editable git+https://github.com/o/r.git#egg=r --hash=sha256:00",
	}
	optionLines = []string{
		"--index-url https://i.example/simple", "-i https://i2.example/simple", "-ihttps://i3.example/simple",
		"--extra-index-url https://e1.example/simple", "--extra-index-url=https://e2.example/simple",
		"--no-index", "-f ./links", "-f https://links.example/", "--find-links=./nope", "-f links -f other",
		"--pre", "--prefer-binary", "--only-binary :all:", "--no-binary foo,Bar_baz", "--only-binary=:none:",
		"--no-binary=:all: --only-binary=foo", "--only-binary :all:,:none:,x", "--trusted-host h.example",
		"--trusted-host=h2.example:8080", "--require-hashes", "--use-feature=fast-deps", "--pre --no-index",
		"--ind https://abbr.example/simple", "--extra https://abbr2.example", "--pypi-url https://old.example",
		"-i ${RQ_INDEX}", "--hash=sha256:abcd", "--no-index --index-url https://late.example",
		"--index-url 'https://q.example/simple'",
	}
	suffixes = []string{
		" --hash=sha256:aaaa", " --hash sha512:bbbb --hash=sha256:cccc", " --global-option=--x",
		" -C key=value -C key=other", " --config-settings=a=b", " --pre", " --no-binary :all:",
		" \\", "  # a comment", " #comment", "#not-a-comment", " --hash=sha256:${RQ_HASH}",
	}
	badLines = []string{
		"--unknown", "foo = 1", "--hash=md5:00", "-e", "--pre=yes", "foo --hash", "-C novalue", "\"unbalanced",
		"-x", "--no", "foo --no-binary --pre", "-e not-a-dir-or-url", "-e ./empty", "./empty",
		"pkg${RQ_EMPTY}", "${RQ_UNSET}x", "-r missing.txt", "--only-binary",
	}
	decorations = []string{"", "", "", "   ", "\t", "# comment line", "  # indented comment", "#", "\\"}
)

// genLine returns one random line; top says whether path lines may occur.
func genLine(rng *rand.Rand, top bool) string {
	if rng.Intn(150) == 0 {
		return badLines[rng.Intn(len(badLines))]
	}
	var line string
	switch n := rng.Intn(100); {
	case n < 35:
		line = namedLines[rng.Intn(len(namedLines))]
	case n < 50 && top:
		line = pathLines[rng.Intn(len(pathLines))]
	case n < 55:
		line = editableURLs[rng.Intn(len(editableURLs))]
	case n < 80:
		line = optionLines[rng.Intn(len(optionLines))]
	default:
		return decorations[rng.Intn(len(decorations))]
	}
	if rng.Intn(3) == 0 {
		line += suffixes[rng.Intn(len(suffixes))]
	}
	if rng.Intn(6) == 0 {
		line = "  " + line
	}
	return line
}

// genFile returns a random requirements file.
func genFile(rng *rand.Rand, n int, top bool, includes []string) string {
	var lines []string
	for range n {
		lines = append(lines, genLine(rng, top))
	}
	for _, inc := range includes {
		if rng.Intn(2) == 0 {
			lines = append(lines, inc)
		}
	}
	rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	sep := "\n"
	if rng.Intn(5) == 0 {
		sep = "\r\n"
	}
	return strings.Join(lines, sep) + sep
}

// writeFixture writes a project tree and generated requirements files into
// dir and returns the top-level file.
func writeFixture(t *testing.T, rng *rand.Rand, dir string) string {
	t.Helper()
	files := map[string]string{
		"proj/pyproject.toml":         "[project]\nname = 'proj'\n",
		"legacy/setup.py":             "",
		"empty/README":                "",
		"links/index.html":            "",
		"dist/w-1.0-py3-none-any.whl": "",
		"dist/s-2.0.tar.gz":           "",
		"leaf.txt":                    genFile(rng, 3, false, nil),
		"sub/inner.txt":               genFile(rng, 4, false, []string{"-r ../leaf.txt", "-c ../leaf.txt"}),
		"nested.txt":                  genFile(rng, 5, true, []string{"-r sub/inner.txt", "--requirement=leaf.txt"}),
		"cons.txt":                    genFile(rng, 4, false, []string{"-c leaf.txt"}),
		"req.txt":                     genFile(rng, 4+rng.Intn(10), true, []string{"-r nested.txt", "-c cons.txt", "-r sub/inner.txt", "--constraint sub/inner.txt"}),
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "req.txt")
}

// TestAgainstPipGenerated compares Parse with pip's parser on a few
// hundred generated file trees.
func TestAgainstPipGenerated(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	env := map[string]string{
		"RQ_PKG": "numpy", "RQ_EMPTY": "", "RQ_HOST": "user:secret@files.example",
		"RQ_INDEX": "https://env.example/simple", "RQ_HASH": "0123abcd", "RQ_VER": "2.0",
	}
	var cases []pipCase
	for range 300 {
		dir := t.TempDir()
		cases = append(cases, pipCase{Cwd: dir, File: writeFixture(t, rng, dir), Env: env})
	}
	// The hand-written tree in testdata goes through pip too.
	project, err := filepath.Abs("testdata/project")
	if err != nil {
		t.Fatal(err)
	}
	env["PRIVATE_TOKEN"], env["SPARK_VERSION"] = "s3cret", "3.5.1"
	cases = append(cases, pipCase{Cwd: project, File: filepath.Join(project, "requirements.txt"), Env: env})
	results := runPip(t, cases)
	if last := results[len(results)-1]; last.Error != "" || len(last.Reqs) != 8 {
		t.Errorf("pip on testdata/project: %q, %d requirements", last.Error, len(last.Reqs))
	}
	t.Logf("pip %s", results[0].Pip)
	errs := 0
	for i, c := range cases {
		if results[i].Error != "" {
			errs++
		}
		comparePip(t, c, results[i])
	}
	t.Logf("%d of %d files are errors for pip", errs, len(cases))
	if errs == len(cases) || errs == 0 {
		t.Errorf("the generator should produce both valid and invalid files; %d of %d are errors", errs, len(cases))
	}
}
