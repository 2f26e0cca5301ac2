package wheel

import (
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/internal/shell"
)

// maxShebang is the longest "#!interpreter\n" line kernels are known to
// honour (127 bytes on older Linux); distlib, pip and uv fall back to a
// /bin/sh trampoline beyond it.
const maxShebang = 127

// shebangFor renders the first line(s) of a script for the interpreter,
// without the final newline (see Options.Shebang).
//
// The trampoline form is a file both /bin/sh and Python read: sh runs the
// second line, an exec of the interpreter on the script, while Python
// sees a string literal and goes on:
//
//	#!/bin/sh
//	'''exec' "$(dirname -- "$(realpath -- "$0")")"/'python' "$0" "$@"
//	' '''
func shebangFor(interpreter string) (string, error) {
	if interpreter == "" {
		interpreter = "python"
	}
	if strings.ContainsAny(interpreter, "'\"\n\r\x00") {
		return "", fmt.Errorf("shebang interpreter %q contains a quote, newline or NUL", interpreter)
	}
	if strings.HasPrefix(interpreter, "/") {
		if len("#!"+interpreter+"\n") <= maxShebang && !strings.ContainsAny(interpreter, " \t") {
			return "#!" + interpreter, nil
		}
		return trampoline(shell.SingleQuote(interpreter)), nil
	}
	return trampoline(`"$(dirname -- "$(realpath -- "$0")")"/` + shell.SingleQuote(interpreter)), nil
}

// trampoline is the /bin/sh form running the (shell-quoted) interpreter.
func trampoline(quoted string) string {
	return "#!/bin/sh\n'''exec' " + quoted + ` "$0" "$@"` + "\n' '''"
}
