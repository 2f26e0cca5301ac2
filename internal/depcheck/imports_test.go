package depcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/clusterpack/clusterpack"

// pkg is what go list says of one package of the module.
type pkg struct {
	ImportPath string
	Imports    []string // direct, without tests
	Deps       []string // transitive, without tests
	Standard   bool
}

// listModule runs go list -deps over the module once.
func listModule(t *testing.T) map[string]*pkg {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports,Deps,Standard", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	all := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		all[p.ImportPath] = &p
	}
	return all
}

// under reports whether path is dir of the module or a package below it.
func under(path, dir string) bool {
	full := module + "/" + dir
	return path == full || strings.HasPrefix(path, full+"/")
}

func within(path string, dirs ...string) bool {
	for _, d := range dirs {
		if under(path, d) {
			return true
		}
	}
	return false
}

// A rule is a layering promise: the packages it applies to must not
// link (directly or through others) any package it forbids.
type rule struct {
	name    string
	applies func(p *pkg) bool
	forbids func(dep string, all map[string]*pkg) bool
	fix     string
}

func inModule(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

func isCobra(dep string) bool {
	return strings.HasPrefix(dep, "github.com/spf13/cobra") || strings.HasPrefix(dep, "github.com/spf13/pflag")
}

func isTerminal(dep string) bool {
	for _, p := range []string{"golang.org/x/term", "github.com/mattn/go-isatty", "github.com/mattn/go-colorable", "github.com/schollz/progressbar", "github.com/fatih/color"} {
		if dep == p || strings.HasPrefix(dep, p+"/") {
			return true
		}
	}
	return false
}

func isSDK(dep string) bool {
	return strings.HasPrefix(dep, "github.com/aws/") || strings.HasPrefix(dep, "github.com/colinmarc/hdfs") || strings.HasPrefix(dep, "github.com/jcmturner/")
}

var rules = []rule{
	{
		name:    "pypa/* import only the standard library and pypa/*",
		applies: func(p *pkg) bool { return under(p.ImportPath, "pypa") },
		forbids: func(dep string, all map[string]*pkg) bool {
			if inModule(dep) {
				return !under(dep, "pypa")
			}
			d := all[dep]
			return d == nil || !d.Standard
		},
		fix: "pypa/ holds the standards alone: move the code that needs more to the package that uses it",
	},
	{
		name:    "only cmd/ links cobra, pflag and terminal packages",
		applies: func(p *pkg) bool { return inModule(p.ImportPath) && !under(p.ImportPath, "cmd") },
		forbids: func(dep string, _ map[string]*pkg) bool { return isCobra(dep) || isTerminal(dep) },
		fix:     "take plain options and an io.Writer (or a progress callback) in the library; cmd/clusterpack parses flags and knows the terminal",
	},
	{
		name:    "store/* link nothing of the pipeline before it",
		applies: func(p *pkg) bool { return under(p.ImportPath, "store") },
		forbids: func(dep string, _ map[string]*pkg) bool {
			return within(dep, "build", "pack", "resolve", "lock", "lockfile", "sdist", "index", "target", "runner", "upload", "spark", "flink", "cmd")
		},
		fix: "a store moves bytes by name: pass what it needs (names, sizes, digests) from the caller",
	},
	{
		name:    "spark/ and flink/ are pure printers: no store, no SDK",
		applies: func(p *pkg) bool { return within(p.ImportPath, "spark", "flink") },
		forbids: func(dep string, _ map[string]*pkg) bool {
			return within(dep, "store", "upload", "build", "lock", "resolve", "index") || isSDK(dep)
		},
		fix: "give the printer the URLs and settings it prints; the caller reads stores and credentials",
	},
	{
		name:    "build reads locks through lockfile and does not link lock",
		applies: func(p *pkg) bool { return under(p.ImportPath, "build") },
		forbids: func(dep string, _ map[string]*pkg) bool { return under(dep, "lock") },
		fix:     "what build needs of a lock belongs in lockfile (as [tool.clusterpack] does)",
	},
	{
		name: "library code does not link the test helpers",
		applies: func(p *pkg) bool {
			return inModule(p.ImportPath) && !within(p.ImportPath, "internal/testing", "internal/e2e", "internal/testrun", "bench")
		},
		forbids: func(dep string, _ map[string]*pkg) bool { return within(dep, "internal/testing", "internal/e2e") },
		fix:     "test helpers are for _test.go files; move what production code needs out of internal/testing",
	},
}

func TestLayering(t *testing.T) {
	all := listModule(t)
	var names []string
	for name, p := range all {
		if inModule(p.ImportPath) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) < 20 {
		t.Fatalf("go list found only %d packages of the module: %v", len(names), names)
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			applied := 0
			for _, name := range names {
				p := all[name]
				if !r.applies(p) {
					continue
				}
				applied++
				for _, dep := range p.Deps {
					if r.forbids(dep, all) {
						t.Errorf("%s links %s (%s): %s", p.ImportPath, dep, via(p, dep, all), r.fix)
					}
				}
			}
			if applied == 0 {
				t.Errorf("the rule applies to no package: the layout moved; update the rule")
			}
		})
	}
}

// TestAWSOnlyThroughStoreS3 checks that every path from cmd/clusterpack
// to the AWS SDK goes through store/s3: cmd imports no SDK package, and
// no package of the module but store/s3 (and its internals) does.
func TestAWSOnlyThroughStoreS3(t *testing.T) {
	all := listModule(t)
	for name, p := range all {
		if !inModule(name) || within(name, "store/s3", "internal/testing", "internal/e2e", "bench") {
			continue
		}
		for _, imp := range p.Imports {
			if strings.HasPrefix(imp, "github.com/aws/") {
				t.Errorf("%s imports %s: the S3 configuration and client live in store/s3; call it", name, imp)
			}
		}
	}
}

// via is a chain of imports from p to dep, for the failure message.
func via(p *pkg, dep string, all map[string]*pkg) string {
	type step struct {
		path string
		prev *step
	}
	seen := map[string]bool{p.ImportPath: true}
	queue := []*step{{path: p.ImportPath}}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s.path == dep {
			var chain []string
			for ; s != nil; s = s.prev {
				chain = append([]string{strings.TrimPrefix(s.path, module+"/")}, chain...)
			}
			return strings.Join(chain, " → ")
		}
		q := all[s.path]
		if q == nil {
			continue
		}
		for _, imp := range q.Imports {
			if !seen[imp] {
				seen[imp] = true
				queue = append(queue, &step{imp, s})
			}
		}
	}
	return "through a test-only import"
}

// TestRulesCatchViolations runs the rules on made-up packages, so that a
// rule that cannot fail is noticed.
func TestRulesCatchViolations(t *testing.T) {
	all := map[string]*pkg{"fmt": {ImportPath: "fmt", Standard: true}, "github.com/BurntSushi/toml": {ImportPath: "github.com/BurntSushi/toml"}}
	cases := []struct {
		rule string
		pkg  string
		dep  string
		bad  bool
	}{
		{"pypa/* import only the standard library and pypa/*", module + "/pypa/pep440", "fmt", false},
		{"pypa/* import only the standard library and pypa/*", module + "/pypa/pep508", module + "/pypa/pep440", false},
		{"pypa/* import only the standard library and pypa/*", module + "/pypa/pep508", module + "/target", true},
		{"pypa/* import only the standard library and pypa/*", module + "/pypa/record", "github.com/BurntSushi/toml", true},
		{"only cmd/ links cobra, pflag and terminal packages", module + "/runner", "github.com/spf13/cobra", true},
		{"only cmd/ links cobra, pflag and terminal packages", module + "/runner", "golang.org/x/term", true},
		{"store/* link nothing of the pipeline before it", module + "/store/s3", module + "/build", true},
		{"store/* link nothing of the pipeline before it", module + "/store/s3", module + "/internal/redact", false},
		{"spark/ and flink/ are pure printers: no store, no SDK", module + "/spark", "github.com/aws/aws-sdk-go-v2/aws", true},
		{"spark/ and flink/ are pure printers: no store, no SDK", module + "/flink", module + "/store", true},
		{"build reads locks through lockfile and does not link lock", module + "/build", module + "/lock", true},
		{"build reads locks through lockfile and does not link lock", module + "/build", module + "/lockfile", false},
		{"library code does not link the test helpers", module + "/lock", module + "/internal/testing/testindex", true},
	}
	for _, c := range cases {
		var r *rule
		for i := range rules {
			if rules[i].name == c.rule {
				r = &rules[i]
			}
		}
		if r == nil {
			t.Fatalf("no rule %q", c.rule)
		}
		p := &pkg{ImportPath: c.pkg}
		if !r.applies(p) {
			t.Errorf("%q does not apply to %s", c.rule, c.pkg)
			continue
		}
		if got := r.forbids(c.dep, all); got != c.bad {
			t.Errorf("%q: %s → %s forbidden = %v, want %v", c.rule, c.pkg, c.dep, got, c.bad)
		}
	}
}
