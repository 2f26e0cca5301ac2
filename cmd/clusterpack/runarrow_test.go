package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// TestRunArrowFlags: the flags that cannot go with an Arrow --input are
// usage errors naming what to give, before any archive is opened.
func TestRunArrowFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--call", "m:f", "--input", "rows.jsonl", "--batch", "arrow"}, "--batch goes with --input FILE.arrow (an Arrow IPC file)"},
		{[]string{"--call", "m:f", "--input", "v.arrow", "--batch", "polars"}, `--batch "polars": want pandas, series or arrow`},
		{[]string{"--eval", "row", "--input", "v.arrow"}, "--input v.arrow calls a function once per record batch: give --call module:function, without --args or --raw"},
		{[]string{"--call", "m:f", "--raw", "--input", "v.feather"}, "--input v.feather calls a function once per record batch: give --call module:function, without --args or --raw"},
	} {
		_, _, err := run(t, append([]string{"run", "no-such-env.zip"}, tt.args...)...)
		var ue *usageError
		if err == nil || err.Error() != tt.want || !errors.As(err, &ue) {
			t.Errorf("run %q: %v, want the usage error %q", tt.args, err, tt.want)
		}
	}
}

// TestRunArrowWithoutPyArrow: an Arrow --input on an archive without
// pyarrow fails naming the package to add.
func TestRunArrowWithoutPyArrow(t *testing.T) {
	py := pyref.Default(t)
	cache := t.TempDir()
	t.Setenv("CLUSTERPACK_CACHE_DIR", cache)
	archive := venvArchive(t, cache, py.Python, "greet", map[string]string{"greet/__init__.py": "def n(df):\n    return len(df)\n"})
	_, _, err := run(t, "run", archive, "--python", py.Python, "--call", "greet:n", "--input", "../../runner/testdata/sample-stream.arrow")
	if err == nil || !strings.HasPrefix(err.Error(), "reading ") || !strings.Contains(err.Error(), "sample-stream.arrow needs pyarrow in the archive: add pyarrow to the requirements") {
		t.Fatalf("without pyarrow: %v", err)
	}
}
