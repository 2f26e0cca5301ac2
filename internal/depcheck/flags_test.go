package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Only cmd/clusterpack knows the command line. A library error that says
// "give --python /path/to/python3.11" names a flag of one caller; the
// library says what to do in its own terms (a typed error or a sentinel)
// and cmd/clusterpack/hints.go adds the flag. This file finds every
// string literal outside cmd/ that names one of clusterpack's flags.

// flagTestRoot is the module's root, from this package's directory.
const flagTestRoot = "../.."

// flagCmdDir is where the flags are defined.
const flagCmdDir = "cmd/clusterpack"

// flagSkipped are the trees whose literals are not library messages:
// the command itself, the test helpers and tools, the benchmarks.
var flagSkipped = []string{"cmd/", "internal/testing/", "internal/e2e/", "internal/testrun/", "bench/"}

// flagAllowed are the literals that name a flag's text on purpose. Each
// entry matches a file (or, ending in "/", a directory) and a flag name
// ("" for any), and the literal itself when literal is set. An entry that
// matches nothing fails the test: remove it.
var flagAllowed = []struct {
	path, flag, literal string
	reason              string
}{
	{"lock/reqfile/", "", "",
		"pip's requirements-file syntax: the options are what the user wrote in the file (--index-url, --find-links, --no-binary, -r/--requirement...), parsed and quoted back in its messages, not clusterpack's flags"},
	{"spark/spark.go", "master", "--master",
		"spark-submit's own option, printed as spark-args' output (Config.Argv)"},
	{"spark/spark.go", "deploy-mode", "--deploy-mode",
		"spark-submit's own option, printed as spark-args' output (Config.Argv)"},
	{"spark/spark.go", "jars", "--jars",
		"spark-submit's own option, printed as spark-args' output (Config.Argv)"},
	{"pack/venv/scripts.go", "python-path", "",
		"the launcher script's message when the nodes lack Python: it runs inside the archive, on the nodes, where no command line can add a hint"},
	{"build/wheelhouse.go", "no-index", "#   pip install --no-index --find-links %s -r %s/%s\n",
		"pip's own command line, written as a comment into the wheelhouse's requirements.txt: how pip installs it"},
	{"build/wheelhouse.go", "find-links", "#   pip install --no-index --find-links %s -r %s/%s\n",
		"pip's own command line, written as a comment into the wheelhouse's requirements.txt: how pip installs it"},
	{"pack/venv/scripts.go", "bundle-python", "",
		"the launcher script's message when the nodes lack Python: it runs inside the archive, on the nodes, where no command line can add a hint"},
}

// flagRef matches --NAME not inside a longer option ("-Wl,--no-as-needed"
// has "no-as-needed"; "--force-reinstall" is not --force).
var flagRef = regexp.MustCompile(`(?:^|[^A-Za-z0-9_-])--([a-z0-9][a-z0-9-]*)`)

// flagRefs lists the flags of flags that s names, in order.
func flagRefs(s string, flags map[string]bool) []string {
	var out []string
	for _, m := range flagRef.FindAllStringSubmatch(s, -1) {
		if name := strings.TrimRight(m[1], "-"); flags[name] {
			out = append(out, name)
		}
	}
	return out
}

// flagDefiners are pflag's FlagSet methods that define a flag: for the
// ...Var forms the name is the second argument, else the first.
var flagDefiners = func() map[string]int {
	m := map[string]int{}
	for _, typ := range []string{"Bool", "BoolSlice", "String", "StringArray", "StringSlice", "StringToString", "Int", "Int32", "Int64", "IntSlice", "Uint", "Uint64", "Float64", "Duration", "Count", "IP", "BytesHex"} {
		m[typ], m[typ+"P"] = 0, 0
		m[typ+"Var"], m[typ+"VarP"] = 1, 1
	}
	return m
}()

// cliFlags parses cmd/clusterpack (without its tests) for the long names
// of the flags it defines: f.StringVar(&x, "python", ...),
// cmd.Flags().BoolVarP(&v, "verbose", "v", ...) and the like.
func cliFlags(t *testing.T) map[string]bool {
	t.Helper()
	dir := filepath.Join(flagTestRoot, flagCmdDir)
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	flags := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			i, ok := flagDefiners[sel.Sel.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			if lit, ok := call.Args[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if name, err := strconv.Unquote(lit.Value); err == nil && name != "" {
					flags[name] = true
				}
			}
			return true
		})
	}
	return flags
}

// TestCLIFlagsFound: the parser sees the flags; if cmd/clusterpack
// registers them another way, the check below would pass on nothing.
func TestCLIFlagsFound(t *testing.T) {
	flags := cliFlags(t)
	for _, want := range []string{"verbose", "python", "platform", "index-url", "lock", "format", "bundle-python", "python-path", "to", "s3-region", "profile", "force", "manifest", "deploy-mode", "class-path", "include-credentials", "execution-mode", "call", "input", "json"} {
		if !flags[want] {
			t.Errorf("flag --%s of %s not found: did the way flags are defined change? (found %d)", want, flagCmdDir, len(flags))
		}
	}
}

func TestFlagRefs(t *testing.T) {
	flags := map[string]bool{"python": true, "force": true, "no-index": true, "pre": true, "to": true, "platform": true}
	for _, tt := range []struct {
		s    string
		want []string
	}{
		{"or point at one with --python /path/to/python3.11", []string{"python"}},
		{"--python", []string{"python"}},
		{"--python=3.11 --platform manylinux_2_28_x86_64", []string{"python", "platform"}},
		{"(give --to)", []string{"to"}},
		{"pip install --force-reinstall x", nil},
		{"--prefer-binary", nil},
		{"-Wl,--no-as-needed", nil},
		{"x--python", nil},
		{"use --no-index or --pre", []string{"no-index", "pre"}},
		{"--python-version 3.11", nil},
		{"-python and - -python", nil},
		{"python, platform", nil},
	} {
		got := flagRefs(tt.s, flags)
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("flagRefs(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// TestLibrariesNameNoCLIFlags: no string literal in library code names
// one of clusterpack's flags, except the allowed ones.
func TestLibrariesNameNoCLIFlags(t *testing.T) {
	flags := cliFlags(t)
	if _, err := os.Stat(filepath.Join(flagTestRoot, "go.mod")); err != nil {
		t.Fatalf("the module root is not at %s: %v", flagTestRoot, err)
	}
	used := make([]bool, len(flagAllowed))
	var failures []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(flagTestRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(flagTestRoot, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			for _, s := range flagSkipped {
				if rel+"/" == s {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, flag := range flagRefs(s, flags) {
				allowed := false
				for i, a := range flagAllowed {
					if (rel == a.path || strings.HasSuffix(a.path, "/") && strings.HasPrefix(rel, a.path)) &&
						(a.flag == "" || a.flag == flag) && (a.literal == "" || a.literal == s) {
						used[i], allowed = true, true
					}
				}
				if !allowed {
					failures = append(failures, flagFailure(rel, fset.Position(lit.Pos()).Line, s, flag))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(failures)
	for _, f := range failures {
		t.Error(f)
	}
	for i, a := range flagAllowed {
		if !used[i] {
			t.Errorf("allowlist entry {%s, --%s, %q} matches no literal any more: remove it", a.path, a.flag, a.literal)
		}
	}
}

// flagFailure words one literal that names a flag.
func flagFailure(file string, line int, literal, flag string) string {
	shown := literal
	if len(shown) > 160 {
		shown = shown[:160] + "..."
	}
	return file + ":" + strconv.Itoa(line) + ": " + strconv.Quote(shown) + " names clusterpack's flag --" + flag +
		": return a typed error (or a sentinel) that says what to do in the library's terms, and let cmd/clusterpack add the flag hint (hints.go); " +
		"if the text is another program's syntax or output, add it to flagAllowed in internal/depcheck/flags_test.go with the reason"
}
