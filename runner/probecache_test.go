package runner

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestProbeCached: the probe of a real interpreter is kept and read back
// (a kept answer changed by hand is what comes back), one whose library
// is gone is probed again, and a wrapper script is probed every time.
func TestProbeCached(t *testing.T) {
	var python string
	for _, v := range []string{"3.11", "3.12", "3.13", "3.10", "3.9"} {
		if p := interpreters(t)[v]; p != "" {
			python = p
			break
		}
	}
	if python == "" {
		t.Skip("no reference CPython")
	}
	ctx := context.Background()
	dir := t.TempDir()
	want, err := ProbeInterpreter(ctx, python)
	if err != nil {
		t.Fatal(err)
	}
	got, err := probeCached(ctx, python, dir)
	if err != nil || *got != *want {
		t.Fatalf("first probe: %v %+v, want %+v", err, got, want)
	}
	key, ok := probeKey(python, dir)
	if !ok {
		t.Fatalf("%s is not kept", python)
	}
	if _, err := os.Stat(key); err != nil {
		t.Fatalf("nothing kept: %v", err)
	}
	// The kept answer is what comes back: changed by hand, it shows.
	kept := *want
	kept.Version = [2]int{3, 99}
	b, _ := json.Marshal(kept)
	if err := os.WriteFile(key, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := probeCached(ctx, python, dir); err != nil || got.Version != [2]int{3, 99} {
		t.Fatalf("second probe did not read the kept answer: %v %+v", err, got)
	}
	// A kept answer naming a library that is gone is probed again.
	kept.Library = filepath.Join(dir, "gone.so")
	b, _ = json.Marshal(kept)
	if err := os.WriteFile(key, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := probeCached(ctx, python, dir); err != nil || *got != *want {
		t.Fatalf("probe after the library went: %v %+v, want %+v", err, got, want)
	}
	// A script is never kept.
	script := filepath.Join(t.TempDir(), "python-wrapper")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexec "+python+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, ok := probeKey(script, dir); ok {
		t.Fatal("a script would be kept")
	}
	if got, err := probeCached(ctx, script, dir); err != nil || got.Library != want.Library {
		t.Fatalf("script: %v %+v", err, got)
	}
}
