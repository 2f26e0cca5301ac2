package venv

import (
	"fmt"
	"strings"

	"github.com/clusterpack/clusterpack/internal/shell"
)

// launcher renders bin/python (and its copies bin/pythonX, bin/pythonX.Y).
//
// It is a POSIX sh script, because a zip cannot hold a symbolic link
// portably. It finds its own directory (following symbolic links to the
// script itself), picks the interpreter and execs it with argv[0] set to
// the script's own absolute path ("exec -a"). CPython computes
// sys.executable from argv[0] on Linux, and from sys.executable the venv
// (site.py reads pyvenv.cfg beside or above it) and, when pyvenv.cfg has
// no "home", the prefix search: so sys.prefix is the unpacked directory,
// sys.executable is this script, and subprocesses started with
// sys.executable come back through it. dash has no "exec -a": the script
// then hands the exec to bash (or zsh, ksh) when one is installed.
//
// interp is one of:
//   - bundled: the interpreter at libexec/pythonX.Y inside the environment,
//     with lib/ prepended to LD_LIBRARY_PATH when ldPath is true and
//     PYTHONHOME unset;
//   - an absolute path: that interpreter;
//   - a bare name: the first executable of that name on PATH, skipping
//     this script's own directory (where the name would find the script
//     itself once the environment is activated).
func launcher(xy string, interp string, bundled, ldPath bool) []byte {
	var b strings.Builder
	b.WriteString(`#!/bin/sh
# Python launcher written by clusterpack: runs this environment's Python
# wherever the environment is unpacked. See pack/venv's documentation.
cp_self=$0
while [ -L "$cp_self" ]; do
	cp_link=$(readlink -- "$cp_self") || break
	case $cp_link in
	/*) cp_self=$cp_link ;;
	*) cp_self=${cp_self%/*}/$cp_link ;;
	esac
done
case $cp_self in
*/*) cp_bin=${cp_self%/*} ;;
*) cp_bin=. ;;
esac
cp_bin=$(cd -P -- "$cp_bin" && pwd -P) || exit 126
cp_argv0=$cp_bin/${cp_self##*/}
`)
	switch {
	case bundled:
		fmt.Fprintf(&b, `cp_root=${cp_bin%%/*}
cp_python=$cp_root/libexec/python%s
unset PYTHONHOME
`, xy)
		if ldPath {
			b.WriteString(`LD_LIBRARY_PATH=$cp_root/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
`)
		}
	case strings.HasPrefix(interp, "/"):
		fmt.Fprintf(&b, "cp_python=%s\n", shell.SingleQuote(interp))
	default:
		fmt.Fprintf(&b, `cp_name=%s
cp_python=
cp_ifs=$IFS
IFS=:
set -f
for cp_dir in $PATH; do
	[ -n "$cp_dir" ] || cp_dir=.
	if [ -f "$cp_dir/$cp_name" ] && [ -x "$cp_dir/$cp_name" ] &&
		[ "$(cd -P -- "$cp_dir" 2>/dev/null && pwd -P)" != "$cp_bin" ]; then
		cp_python=$cp_dir/$cp_name
		break
	fi
done
set +f
IFS=$cp_ifs
# A pyenv shim is a script that starts the real interpreter without our
# argv[0], so the interpreter would not find this environment: ask pyenv
# for the interpreter behind the shim instead.
case $cp_python in
*/shims/*)
	if cp_real=$(pyenv which "$cp_name" 2>/dev/null) && [ -x "$cp_real" ]; then
		cp_python=$cp_real
	fi
	;;
esac
if [ -z "$cp_python" ]; then
	echo "$cp_argv0: $cp_name is not on PATH ($PATH); install Python %s on this machine or build the environment with --python-path or --bundle-python" >&2
	exit 127
fi
`, shell.SingleQuote(interp), xy)
	}
	b.WriteString(`if (exec -a cp true) 2>/dev/null; then
	exec -a "$cp_argv0" "$cp_python" "$@"
fi
for cp_sh in bash zsh ksh; do
	if command -v "$cp_sh" >/dev/null 2>&1; then
		exec "$cp_sh" -c 'cp_a=$1; shift; exec -a "$cp_a" "$@"' "$cp_sh" "$cp_argv0" "$cp_python" "$@"
	fi
done
echo "$cp_argv0: this shell cannot set argv[0] (exec -a) and there is no bash, zsh or ksh" >&2
exit 126
`)
	return []byte(b.String())
}

// activate renders bin/activate for bash and zsh: it computes
// VIRTUAL_ENV from its own location when sourced, so it works wherever
// the environment is unpacked (virtualenv's and uv's --relocatable
// activate scripts do the same; venv's writes the build path in).
func activate(prompt string) []byte {
	return []byte(`# Written by clusterpack. Use with "source bin/activate" (or ".") from
# bash or zsh; it finds the environment from its own location.
if [ -n "${BASH_VERSION-}" ]; then
	_cp_activate=${BASH_SOURCE-}
elif [ -n "${ZSH_VERSION-}" ]; then
	eval '_cp_activate=${(%):-%x}'
else
	_cp_activate=
fi
if [ -z "${_cp_activate}" ]; then
	echo "bin/activate: source it from bash or zsh, or put its bin directory on PATH yourself" >&2
	unset _cp_activate
	return 1 2>/dev/null || exit 1
fi

deactivate () {
	if [ -n "${_OLD_VIRTUAL_PATH-}" ]; then
		PATH=$_OLD_VIRTUAL_PATH
		export PATH
		unset _OLD_VIRTUAL_PATH
	fi
	if [ -n "${_OLD_VIRTUAL_PYTHONHOME-}" ]; then
		PYTHONHOME=$_OLD_VIRTUAL_PYTHONHOME
		export PYTHONHOME
		unset _OLD_VIRTUAL_PYTHONHOME
	fi
	hash -r 2>/dev/null
	if [ -n "${_OLD_VIRTUAL_PS1-}" ]; then
		PS1=$_OLD_VIRTUAL_PS1
		export PS1
		unset _OLD_VIRTUAL_PS1
	fi
	unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT
	if [ "${1-}" != "nondestructive" ]; then
		unset -f deactivate
	fi
}

deactivate nondestructive

VIRTUAL_ENV=$(cd -P -- "$(dirname -- "$_cp_activate")/.." && pwd -P)
unset _cp_activate
export VIRTUAL_ENV

_OLD_VIRTUAL_PATH=$PATH
PATH=$VIRTUAL_ENV/bin:$PATH
export PATH

if [ -n "${PYTHONHOME-}" ]; then
	_OLD_VIRTUAL_PYTHONHOME=$PYTHONHOME
	unset PYTHONHOME
fi

VIRTUAL_ENV_PROMPT=` + shell.SingleQuote(prompt) + `
export VIRTUAL_ENV_PROMPT
if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT-}" ]; then
	_OLD_VIRTUAL_PS1=${PS1-}
	PS1="(${VIRTUAL_ENV_PROMPT}) ${PS1-}"
	export PS1
fi

hash -r 2>/dev/null
`)
}

// pyvenvCfg renders pyvenv.cfg. "home" is written only when the
// interpreter's directory is known when the archive is built (an absolute
// --python-path): CPython up to 3.10 looks for the standard library from
// it, and no CPython accepts a relative one. Without it CPython searches
// from the launcher's directory and then falls back to the prefix it was
// configured with, which is right for a system, pyenv or conda Python and
// for the bundled one (whose standard library sits in the environment's
// own lib/pythonX.Y).
func pyvenvCfg(home, version, prompt string) []byte {
	var b strings.Builder
	if home != "" {
		fmt.Fprintf(&b, "home = %s\n", home)
	}
	fmt.Fprintf(&b, "include-system-site-packages = false\nversion = %s\nprompt = %s\nrelocatable = true\n", version, prompt)
	return []byte(b.String())
}
