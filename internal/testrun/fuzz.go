package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// A unit is one go test run: a package's tests, or one fuzz target.
type unit struct {
	Package string
	Fuzz    string // the fuzz target, or "" for the package's tests
}

func (u unit) String() string {
	if u.Fuzz == "" {
		return u.Package
	}
	return u.Package + " " + u.Fuzz
}

var fuzzFunc = regexp.MustCompile(`^func (Fuzz[A-Za-z0-9_]*)\(`)

// fuzzTargets lists the fuzz targets of pkgs, in file order, read from
// their test files (go list names them).
func fuzzTargets(ctx context.Context, pkgs []string) ([]unit, error) {
	if len(pkgs) == 0 {
		return nil, nil
	}
	args := append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .TestGoFiles \" \"}} {{join .XTestGoFiles \" \"}}"}, pkgs...)
	out, err := exec.CommandContext(ctx, "go", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list (test files): %w", err)
	}
	var units []unit
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 {
			continue
		}
		for _, file := range strings.Fields(parts[2]) {
			names, err := fuzzFuncs(filepath.Join(parts[1], file))
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				units = append(units, unit{Package: parts[0], Fuzz: n})
			}
		}
	}
	return units, nil
}

func fuzzFuncs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	in := bufio.NewScanner(f)
	in.Buffer(make([]byte, 64<<10), 1<<22)
	for in.Scan() {
		if m := fuzzFunc.FindStringSubmatch(in.Text()); m != nil {
			names = append(names, m[1])
		}
	}
	return names, in.Err()
}
