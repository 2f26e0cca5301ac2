"""Runs one PEP 517 hook for clusterpack's build517 frontend.

Usage: python -I -S hook_runner.py CONTROL_DIR

The working directory is the unpacked source tree. CONTROL_DIR/input.json
holds the request:

    {"hook": "build_wheel",
     "backend": "module.path:object.path",
     "backend_path": ["/abs/dir/in/source/tree", ...],
     "paths": ["/build/env/site-packages", ...],
     "kwargs": {"wheel_directory": "...", "config_settings": {...}}}

The answer goes to CONTROL_DIR/output.json (never to standard output, which
belongs to the backend):

    {"status": "ok", "result": ...}
    {"status": "missing"}                      the backend lacks the hook
    {"status": "unavailable", "message": ..., "traceback": ...}
    {"status": "error", "message": ..., "traceback": ...}

Standard library only; runs on CPython 3.7 and later.
"""
import importlib
import json
import os
import sys
import traceback


def write_answer(control_dir, answer):
    tmp = os.path.join(control_dir, "output.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(answer, f)
    os.replace(tmp, os.path.join(control_dir, "output.json"))


def add_build_paths(paths):
    """Puts the build environment first on sys.path, .pth files included."""
    import site  # under -S this does not run site.main()

    before = list(sys.path)
    for path in paths:
        site.addsitedir(path)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = added + before


def inside(path, directories):
    path = os.path.normcase(os.path.realpath(path))
    for directory in directories:
        directory = os.path.normcase(os.path.realpath(directory))
        try:
            if os.path.commonpath([path, directory]) == directory:
                return True
        except ValueError:  # different drives
            pass
    return False


class BackendUnavailable(Exception):
    """The backend cannot be imported or is not where backend-path says."""


def load_backend(spec, backend_path):
    module_name, _, object_path = spec.partition(":")
    module_name = module_name.strip()
    if backend_path:
        sys.path[:0] = backend_path
    try:
        backend = importlib.import_module(module_name)
    except ImportError as e:
        raise BackendUnavailable("cannot import backend module %r: %s" % (module_name, e))
    if backend_path:
        top = sys.modules[module_name.partition(".")[0]]
        files = [getattr(top, "__file__", None)] + list(getattr(top, "__path__", None) or [])
        if not any(f and inside(f, backend_path) for f in files):
            raise BackendUnavailable(
                "backend module %r was loaded from %s, not from backend-path %s"
                % (module_name, files[0] or files[1:], backend_path)
            )
    for attribute in filter(None, object_path.strip().split(".")):
        try:
            backend = getattr(backend, attribute)
        except AttributeError:
            raise BackendUnavailable("backend %r has no attribute %r" % (spec, attribute))
    return backend


def describe(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def main(control_dir):
    with open(os.path.join(control_dir, "input.json"), encoding="utf-8") as f:
        request = json.load(f)
    add_build_paths(request["paths"])
    try:
        backend = load_backend(request["backend"], request["backend_path"])
    except BaseException as e:
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        write_answer(control_dir, {"status": "unavailable", "message": describe(e), "traceback": tb})
        return 1
    hook = getattr(backend, request["hook"], None)
    if hook is None:
        write_answer(control_dir, {"status": "missing"})
        return 0
    try:
        result = hook(**request["kwargs"])
        if isinstance(result, (list, tuple)):
            result = list(result)
        json.dumps(result)  # a result JSON cannot carry is the backend's error
    except BaseException as e:
        tb = traceback.format_exc()
        sys.stdout.flush()
        sys.stderr.write(tb)
        write_answer(control_dir, {"status": "error", "message": describe(e), "traceback": tb})
        return 1
    write_answer(control_dir, {"status": "ok", "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
