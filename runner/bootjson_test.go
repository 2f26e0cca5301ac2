package runner

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestInProcessBootstrapJSON: the bootstrap's loads and dumps (the json
// module's C scanner and encoder, without importing json) give what
// json.loads, json.dumps and json.JSONEncoder give, errors included, and
// _cp_dumps's NaN rule holds (testdata/jsondiff.py).
func TestInProcessBootstrapJSON(t *testing.T) {
	e := setup(t)
	script, err := filepath.Abs(filepath.Join("testdata", "jsondiff.py"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Fatal(err)
	}
	p := e.pool(t, e.env(t, writeVenv(t, t.TempDir(), e.ver, nil), ""), PoolOptions{})
	value(t, do1(t, p, Call{Exec: []string{"import __main__", "exec(open(" + strconv.Quote(script) + ").read())", "result = check(vars(__main__))"}}))
	if got := value(t, do1(t, p, Call{Eval: "[result, __import__('__main__')._cp_cjson is not None]"})); got != `["ok", true]` {
		t.Fatalf("the bootstrap's JSON: %s", got)
	}
}
