package lock

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clusterpack/clusterpack/pypa/pep508"
	"github.com/clusterpack/clusterpack/target"
)

// TestRequirementArgErrors: a requirement string that cannot be read is a
// *RequirementArgError naming it and the column, found before any index
// or interpreter is asked; so is a version error of the target.
func TestRequirementArgErrors(t *testing.T) {
	for _, tt := range []struct {
		arg  string
		want string
	}{
		{"numpy===", `requirement "numpy===": expected a version after "===" (at column 6)`},
		{"numpy=== ; python_version >= '3'", `expected a version after "===" (at column 6)`},
		{"numpy (===)", `expected a version after "===" (at column 8)`},
		{"numpy>=", `requirement "numpy>=": expected ";" or the end after the name (no version specifier) (at column 6)`},
		{"numpy[", `(at column 6)`},
	} {
		_, err := Make(context.Background(), Input{Requirements: []string{tt.arg}, Target: synthetic(), IndexURL: "http://127.0.0.1:1/simple/"}, testEnv(t, nil))
		var ae *RequirementArgError
		var se *pep508.SyntaxError
		if !errors.As(err, &ae) || !errors.As(err, &se) || ae.Requirement != tt.arg || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want a RequirementArgError saying %q", tt.arg, err, tt.want)
		}
	}
	for _, ok := range []string{"numpy===1.0", "numpy===1.0,>=1", "numpy====1"} {
		if _, err := parseRequirementArg(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	_, err := Make(context.Background(), Input{Requirements: []string{"numpy"}, Target: target.Spec{Python: "3.99", Platforms: []string{"manylinux_2_28_x86_64"}}, IndexURL: "http://127.0.0.1:1/simple/"}, testEnv(t, nil))
	var ve *target.VersionError
	if !errors.As(err, &ve) {
		t.Errorf("Python 3.99 gave %v, want a *target.VersionError", err)
	}
}
