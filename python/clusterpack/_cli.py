"""Running the clusterpack binary: finding it, calling it, reading its JSON."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from typing import Any, Dict, List, Optional, Sequence

from clusterpack.errors import BinaryNotFoundError, Error, UsageError

#: The environment variable naming the binary to run, before any search.
BINARY_ENV = "CLUSTERPACK_BINARY"

_EXE = "clusterpack.exe" if sys.platform == "win32" else "clusterpack"


def find_binary() -> str:
    """Return the path of the clusterpack binary this package runs.

    In order: ``$CLUSTERPACK_BINARY``; the scripts directory of the running
    interpreter's environment, where ``pip install clusterpack`` put it; the
    user scheme's scripts directory (``pip install --user``); the ``bin``
    directory beside this package's installation prefix; ``clusterpack`` on
    ``PATH``. Raises :class:`BinaryNotFoundError` naming the places searched.
    """
    explicit = os.environ.get(BINARY_ENV)
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit
        raise BinaryNotFoundError("$%s is %s, which is not an executable file" % (BINARY_ENV, explicit))
    candidates: List[str] = []
    for scheme in (None, _user_scheme()):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if scripts:
            candidates.append(os.path.join(scripts, _EXE))
    # site-packages/clusterpack -> <prefix>/bin (pip install --target or --prefix).
    here = os.path.dirname(os.path.abspath(__file__))
    for up in (os.path.join(here, "..", "bin"), os.path.join(here, "..", "..", "..", "..", "bin")):
        candidates.append(os.path.normpath(os.path.join(up, _EXE)))
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    on_path = shutil.which(_EXE)
    if on_path:
        return on_path
    raise BinaryNotFoundError(
        "the clusterpack binary is not installed beside this package: searched %s and PATH; "
        "reinstall with 'pip install clusterpack' or set $%s" % (", ".join(candidates), BINARY_ENV)
    )


def _user_scheme() -> Optional[str]:
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        return "osx_framework_user"
    return "nt_user" if os.name == "nt" else "posix_user"


def run(args: Sequence[str], *, binary: Optional[str] = None) -> str:
    """Run ``clusterpack ARGS`` and return its standard output.

    Its standard error (notes, progress) goes to this process's standard
    error as it comes, and is kept for the exception when the command
    fails: :class:`UsageError` for exit code 2, else :class:`Error`.
    """
    exe = binary or find_binary()
    argv = [exe] + list(args)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    err_lines: List[str] = []
    assert proc.stderr is not None and proc.stdout is not None
    # stderr is read on a thread so a chatty stderr cannot block stdout.

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err_lines.append(line)
            sys.stderr.write(line)
        sys.stderr.flush()

    t = threading.Thread(target=pump, daemon=True)
    t.start()
    out = proc.stdout.read()
    code = proc.wait()
    t.join()
    proc.stdout.close()
    proc.stderr.close()
    if code != 0:
        stderr = "".join(err_lines)
        message = _message(stderr) or ("clusterpack %s exited with code %d" % (args[0] if args else "", code))
        cls = UsageError if code == 2 else Error
        raise cls(message, exit_code=code, stderr=stderr, argv=argv)
    return out


def run_json(args: Sequence[str], *, binary: Optional[str] = None) -> Any:
    """Run ``clusterpack ARGS`` and decode the JSON it prints."""
    out = run(args, binary=binary)
    try:
        return json.loads(out)
    except ValueError as e:
        raise Error("clusterpack %s printed no JSON: %s: %r" % (" ".join(args[:1]), e, out[:200]), exit_code=0, stderr="", argv=list(args))


def _message(stderr: str) -> str:
    """The CLI's error message: its "clusterpack: " lines, without the usage hint."""
    msg = []
    for line in stderr.splitlines():
        if line.startswith("clusterpack: "):
            msg.append(line[len("clusterpack: "):])
        elif msg and not line.startswith("Run 'clusterpack --help'"):
            msg.append(line)
    return "\n".join(msg).strip()


def flag_args(options: Dict[str, Any]) -> List[str]:
    """Command-line flags of keyword options: ``s3_endpoint="http://x"`` is
    ``--s3-endpoint=http://x``, ``True`` a bare flag, ``False`` and ``None``
    nothing, a list or tuple the flag once per item."""
    out: List[str] = []
    for key in sorted(options):
        value = options[key]
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            out.extend("%s=%s" % (flag, os.fspath(v) if isinstance(v, os.PathLike) else v) for v in value)
        else:
            out.append("%s=%s" % (flag, os.fspath(value) if isinstance(value, os.PathLike) else value))
    return out
