// Package reqfile reads the inputs of `clusterpack lock`: pip requirements
// files (with nested -r/-c files, per-file options and per-requirement
// hashes) and the dependencies of a pyproject.toml.
//
// The requirements-file reader follows pip 23.2's req_file.py line by line:
//
//   - lines are split as Python's str.splitlines does; a line ending in a
//     backslash is joined with the next one (the joined line keeps the
//     number of its first line), except that a comment line ends a
//     continuation;
//   - a comment starts at a "#" at the beginning of a line or after
//     whitespace, so URL fragments such as "#egg=" or "#sha256=" stay;
//   - ${NAME} references, NAME made of A-Z, 0-9 and "_", are replaced by the
//     environment's value; unset or empty variables are left as written;
//   - a line is split at the first space-separated token that starts with
//     "-": what comes before is the requirement, what comes after is split
//     like a POSIX shell (shlex) and read as options, with optparse's rules
//     (unique prefixes of long options, --opt=value, -ovalue).
//
// Options that apply to the whole run (--index-url, --extra-index-url,
// --no-index, --find-links, --trusted-host, --pre, --prefer-binary,
// --only-binary, --no-binary, --require-hashes, --use-feature) collect in
// FileOptions in the order pip applies them; nested files share them.
// Per-requirement options (--hash, --global-option, --config-settings) are
// kept on the Requirement; pip ignores them on editable lines, and so does
// this package. As in pip, run-wide options written after a requirement on
// the same line are ignored, except --only-binary and --no-binary, which pip
// applies wherever they appear.
//
// Differences from pip, on purpose:
//
//   - relative paths in requirement lines (./pkg, -e ../lib, dist/x.whl) are
//     made absolute against the directory of the file that contains them,
//     not against the current directory, so a file means the same thing
//     wherever clusterpack runs (pip uses the current directory);
//   - include cycles (-r a.txt in b.txt in a.txt) are an error naming the
//     chain instead of a RecursionError;
//   - --use-feature accepts any value (pip accepts only the features its
//     version knows) and is otherwise ignored;
//   - files must be UTF-8 (a byte-order mark is allowed; UTF-16 with a BOM
//     is decoded); "# -*- coding: ... -*-" declarations are not honoured.
package reqfile
