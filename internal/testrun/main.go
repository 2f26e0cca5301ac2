// Command testsummary reads `go test -json` events on standard input and
// prints what a person wants from a test run: one line a package as
// `go test` prints them, the whole output of every failed test, and a
// closing count of the tests that passed, failed and were skipped. It
// exits 1 when anything failed.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	var (
		passed, failed, skipped int
		output                  = map[string]*strings.Builder{} // package/test → output
		failedTests             []string
		pkgFailed               bool
	)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	for in.Scan() {
		line := in.Bytes()
		var e event
		if err := json.Unmarshal(line, &e); err != nil {
			// Build errors and other non-JSON lines go straight through.
			fmt.Println(string(line))
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "build-output":
			fmt.Print(e.Output)
		case "build-fail":
			pkgFailed = true
		case "output":
			b := output[key]
			if b == nil {
				b = &strings.Builder{}
				output[key] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			if e.Test != "" {
				// Subtests are counted too: each is a case that ran.
				switch e.Action {
				case "pass":
					passed++
				case "fail":
					failed++
					failedTests = append(failedTests, key)
				case "skip":
					skipped++
				}
				if e.Action != "fail" {
					delete(output, key)
				}
				continue
			}
			switch e.Action {
			case "pass":
				fmt.Printf("ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			case "skip":
				fmt.Printf("?   \t%s\t[no test files]\n", e.Package)
			case "fail":
				pkgFailed = true
				fmt.Printf("FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
				if b := output[key]; b != nil {
					fmt.Print(b.String())
				}
			}
		}
	}
	sort.Strings(failedTests)
	for _, k := range failedTests {
		if b := output[k]; b != nil {
			fmt.Printf("\n=== %s\n%s", k, b.String())
		}
	}
	fmt.Printf("tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 || pkgFailed {
		os.Exit(1)
	}
}
