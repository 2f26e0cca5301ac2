# clusterpack runner bootstrap: run in every interpreter (the main one and
# each sub-interpreter) before any user code, in that interpreter's
# __main__ namespace. Standard library only; CPython 3.8+.
#
# Data crosses the Go/Python boundary as JSON strings: Go passes one str,
# gets one str back. Nothing here prints.
import os as _cp_os
import site as _cp_site
import sys as _cp_sys


# JSON without the json module at start-up: json imports re (and re enum,
# functools, collections), which is a fifth of the runner's start-up, and
# traceback more of the same (imported when an exception is described).
# The json module's own C scanner and encoder (_json) do the work, with
# the settings json.loads and json.JSONEncoder() use; json itself is
# imported only to raise its errors for text that is not JSON, and when
# _json is missing.
def _cp_json():
    import json

    return json


try:
    import _json as _cp_cjson

    class _CPScanContext:
        strict = True
        object_hook = None
        object_pairs_hook = None
        parse_float = float
        parse_int = int
        parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
        memo = {}

    _cp_scan = _cp_cjson.make_scanner(_CPScanContext())
    _cp_cjson.make_encoder({}, None, _cp_cjson.encode_basestring_ascii, None, ": ", ", ", False, False, False)
except Exception:  # no _json, or not the one of json.decoder and json.encoder
    _cp_cjson = _cp_scan = None

_CP_WS = " \t\n\r"


def _cp_loads(s):
    """json.loads(s) for a str."""
    if _cp_scan is not None:
        n, i = len(s), 0
        while i < n and s[i] in _CP_WS:
            i += 1
        try:
            v, end = _cp_scan(s, i)
        except StopIteration:
            end = -1  # not JSON: json.loads says where
        while 0 <= end < n and s[end] in _CP_WS:
            end += 1
        if end == n:
            return v
    return _cp_json().loads(s)


def _cp_encoder(default, allow_nan):
    """json.JSONEncoder(default=default, allow_nan=allow_nan).encode."""
    if _cp_cjson is None:
        return _cp_json().JSONEncoder(default=default, allow_nan=allow_nan).encode
    make, ascii = _cp_cjson.make_encoder, _cp_cjson.encode_basestring_ascii

    def encode(v):
        if isinstance(v, str):
            return ascii(v)
        # A fresh encoder for each value, as JSONEncoder.iterencode makes:
        # its circular-reference markers are left behind by an error.
        return "".join(make({}, default, ascii, None, ": ", ", ", False, False, allow_nan)(v, 0))

    return encode


def _cp_setup(config_json):
    """Sets sys.path for an archive: the standard library CPython computed
    from the program name, without the base interpreter's own
    site-packages, then the archive's site directories (their .pth files
    processed, as a virtual environment's would be). In the main
    interpreter, which pools of different archives use one after the
    other, the previous archive's entries and modules are removed first."""
    config = _cp_loads(config_json)
    sites = config["sites"]
    # The user's own directories (PoolOptions.Path) come first, as a
    # script's directory would; PYTHONPATH and the current directory are
    # never on sys.path (the isolated configuration leaves them out).
    user_path = [_cp_os.path.abspath(d) for d in (config.get("path") or [])]
    key = (sites, user_path)
    if getattr(_cp_sys, "_clusterpack_sites", None) == key:
        _cp_stdout(config)
        return ""
    old = getattr(_cp_sys, "_clusterpack_added", [])
    if old:
        _cp_sys.path[:] = [p for p in _cp_sys.path if p not in old]
        roots = tuple(_cp_os.path.join(p, "") for p in old)
        for name, mod in list(_cp_sys.modules.items()):
            f = getattr(mod, "__file__", None) or ""
            paths = list(getattr(mod, "__path__", None) or [])
            if f.startswith(roots) or any(str(p).startswith(roots) for p in paths):
                del _cp_sys.modules[name]
        _cp_sys.path_importer_cache.clear()
    try:
        base = set(_cp_site.getsitepackages())
    except AttributeError:
        base = set()
    user = getattr(_cp_site, "USER_SITE", None)
    if user:
        base.add(user)
    keep = set(sites)
    base -= keep
    _cp_sys.path[:] = [p for p in _cp_sys.path if p not in base]
    if not _cp_sys.flags.no_site:
        _cp_forget_base(base)
    before = list(_cp_sys.path)
    for d in sites:
        _cp_site.addsitedir(d)
    new = [d for d in user_path if d not in _cp_sys.path]
    _cp_sys.path[:0] = new
    _cp_sys._clusterpack_added = [p for p in _cp_sys.path if p not in before] + [d for d in sites if d in before]
    _cp_sys._clusterpack_sites = key
    _cp_site_builtins()
    _cp_stdout(config)
    _cp_faulthandler(config.get("crash_fd"))
    import importlib

    importlib.invalidate_caches()
    return ""


def _cp_site_builtins():
    """What site does at start-up after the site directories, for the
    archive's: the builtins exit, quit, copyright, credits, license and
    help, and the import of sitecustomize (from the standard library or
    the archive), unless one was imported already. The runner starts
    CPython without site, so that no .pth file of the base interpreter
    runs (pyconfig.go)."""
    import builtins

    if not hasattr(builtins, "exit"):
        for name in ("setquit", "setcopyright", "sethelper"):
            fn = getattr(_cp_site, name, None)
            if fn is not None:
                fn()
    customize = getattr(_cp_site, "execsitecustomize", None)
    if customize is not None and "sitecustomize" not in _cp_sys.modules:
        customize()


def _cp_forget_base(base):
    """When site did run at start-up (a CPython whose configuration the
    runner could not change), the base interpreter's .pth files ran: the
    modules they imported from its site-packages are forgotten, and the
    import hooks those modules installed removed, so that the archive
    cannot import what it does not have."""
    roots = tuple(_cp_os.path.join(p, "") for p in base)
    if not roots:
        return
    gone = set()
    for name, mod in list(_cp_sys.modules.items()):
        f = getattr(mod, "__file__", None) or ""
        paths = list(getattr(mod, "__path__", None) or [])
        if f.startswith(roots) or any(str(p).startswith(roots) for p in paths):
            del _cp_sys.modules[name]
            gone.add(name)
    if gone:
        _cp_sys.meta_path[:] = [h for h in _cp_sys.meta_path if type(h).__module__ not in gone]
        _cp_sys.path_hooks[:] = [h for h in _cp_sys.path_hooks if getattr(h, "__module__", None) not in gone]
        _cp_sys.path_importer_cache.clear()


def _cp_faulthandler(fd):
    """A crash (SIGSEGV, SIGFPE, SIGBUS, SIGILL, SIGABRT) prints the Python
    traceback of every thread to the process's standard error (or to the
    file descriptor fd a worker process's parent reads) before the process
    ends."""
    try:
        import faulthandler

        if not faulthandler.is_enabled():
            faulthandler.enable(file=fd or _cp_sys.__stderr__ or _cp_sys.stderr, all_threads=True)
    except Exception:
        pass


def _cp_stdout(config):
    if config.get("stdout_to_stderr"):
        _cp_sys.stdout = _cp_sys.stderr
    elif getattr(_cp_sys, "__stdout__", None) is not None:
        _cp_sys.stdout = _cp_sys.__stdout__


def _cp_error(e):
    """A JSON-ready description of an exception, its traceback without the
    runner's own frames."""
    import traceback

    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != "<clusterpack>"]
    only = traceback.format_exception_only(type(e), e)
    tb = ""
    if frames:
        tb = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    out = {
        "type": type(e).__name__,
        "message": str(e),
        "last": only[-1].strip() if only else type(e).__name__,
        "traceback": tb + "".join(only),
    }
    if isinstance(e, ImportError) and getattr(e, "name", None):
        out["module"] = e.name
    if isinstance(e, SystemExit):
        out["exit_code"] = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return out


def _cp_default(o):
    """JSON fallback for results: arrays and numpy scalars by tolist(),
    sets, frozensets and tuples as lists, bytes as UTF-8 text (invalid
    bytes replaced). Any other object is an error naming its type: it is
    never written as its repr()."""
    tolist = getattr(o, "tolist", None)
    if callable(tolist):
        return tolist()
    if isinstance(o, (bytes, bytearray)):
        return o.decode("utf-8", "replace")
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    t = type(o)
    name = t.__qualname__ if t.__module__ == "builtins" else t.__module__ + "." + t.__qualname__
    e = TypeError("a value of type %s cannot be written as JSON: return a str, a number, a bool, None, a list or a dict" % (name,))
    e._clusterpack_unencodable = True
    raise e


_CP_INF = float("inf")


def _cp_finite(v):
    """v with every NaN, Infinity and -Infinity replaced by the strings
    "NaN", "Infinity" and "-Infinity" (as Spark's JSON writer does), and
    the objects _cp_default converts converted first."""
    if isinstance(v, float):
        if v != v:
            return "NaN"
        if v in (_CP_INF, -_CP_INF):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    if isinstance(v, dict):
        return {k: _cp_finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_cp_finite(x) for x in v]
    return _cp_finite(_cp_default(v))


_cp_encode = _cp_encoder(_cp_default, False)
_cp_dumps_plain = _cp_encoder(None, True)  # json.dumps


def _cp_dumps(v):
    """The JSON of a result. JSON has no NaN or Infinity: they are written
    as the strings "NaN", "Infinity" and "-Infinity"."""
    try:
        try:
            return _cp_encode(v)
        except ValueError as e:
            if "Out of range float" not in str(e):
                raise
        return _cp_encode(_cp_finite(v))
    except TypeError as e:
        if getattr(e, "_clusterpack_unencodable", False):
            # Without the json module's frames: the value is the news.
            raise TypeError(str(e)) from None
        raise


def _cp_bind(ns, names):
    """Binds the variables of a call in ns; returns what to restore."""
    saved = {}
    for k, v in names.items():
        saved[k] = ns.get(k, _cp_missing)
        ns[k] = v
    return saved


def _cp_unbind(ns, saved):
    """Removes the variables of a call again, giving back the values the
    names had before it."""
    for k, v in saved.items():
        if v is _cp_missing:
            ns.pop(k, None)
        else:
            ns[k] = v


_cp_missing = object()

# What the str-argument callables of prepare_call_str return after an
# exception (None is a result like any other there).
_cp_failed = object()


def _cp_target(target):
    """'module:attr.attr' (or 'module.attr' with no colon) to the module's
    name and the attributes' names."""
    if ":" in target:
        mod, _, attr = target.partition(":")
    else:
        mod, _, attr = target.rpartition(".")
    if not mod or not attr:
        raise ValueError("call target %r is not module:function" % (target,))
    return mod, attr.split(".")


def _cp_resolve(target):
    """'module:attr.attr' (or 'module.attr' with no colon) to an object."""
    import importlib

    mod, attrs = _cp_target(target)
    # A module imported already is taken from sys.modules, as
    # import_module would (a call on every row or call costs less); one
    # another thread is still importing goes through import_module, which
    # waits for it.
    obj = _cp_sys.modules.get(mod)
    if obj is None or getattr(getattr(obj, "__spec__", None), "_initializing", False):
        obj = importlib.import_module(mod)
    for part in attrs:
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError("%s is not callable" % (target,))
    return obj


def _cp_resolver(target):
    """A function that resolves target again, as _cp_resolve does, at a
    fraction of its cost: once the module was seen imported whole, only
    its attributes are looked up (so a function the code rebinds is the
    new one)."""
    try:
        mod, attrs = _cp_target(target)
    except ValueError:
        return lambda: _cp_resolve(target)  # says why on every call
    modules = _cp_sys.modules
    seen = [None]

    def resolve():
        obj = modules.get(mod)
        if obj is None or obj is not seen[0]:
            obj = _cp_resolve(target)
            seen[0] = modules.get(mod)
            return obj
        for part in attrs:
            obj = getattr(obj, part)
        if not callable(obj):
            raise TypeError("%s is not callable" % (target,))
        return obj

    return resolve


def _cp_unbuffered(stream):
    """Whether stream writes straight to its file descriptor, as CPython's
    own streams do when the runner starts it unbuffered (pyconfig.go):
    text written through, to a raw file."""
    return getattr(stream, "write_through", False) and type(getattr(stream, "buffer", None)).__name__ == "FileIO"


# The streams CPython made that need no flush: sys.__stdout__ and
# sys.__stderr__ when unbuffered.
_cp_quiet = tuple(s for s in (_cp_sys.__stdout__, _cp_sys.__stderr__) if _cp_unbuffered(s))


def _cp_flush():
    """Flushes sys.stdout and sys.stderr, whatever they are now (once when
    they are one, as with stdout_to_stderr), unless they are CPython's own
    unbuffered streams, which have nothing to flush."""
    out, err = _cp_sys.stdout, _cp_sys.stderr
    if out not in _cp_quiet:
        try:
            out.flush()
        except Exception:
            pass
    if err is not out and err not in _cp_quiet:
        try:
            err.flush()
        except Exception:
            pass


def _cp_apply(fn, args):
    if args is None:
        return fn()
    if isinstance(args, list):
        return fn(*args)
    if isinstance(args, dict):
        return fn(**args)
    return fn(args)


class _CPWorker:
    """One worker's namespace and entry points. Every method Go calls takes
    one str and returns one str (or a callable, for prepare)."""

    def __init__(self, index):
        index = int(index)
        self.ns = {"__name__": "__main__", "__builtins__": __builtins__, "__clusterpack_worker__": index}
        self.pending = None
        self.out = None

    def _run(self, req):
        kind = req["kind"]
        ns = self.ns
        if kind == "call":
            return _cp_apply(_cp_resolve(req["function"]), req.get("args"))
        if kind == "eval":
            saved = _cp_bind(ns, req.get("vars") or {})
            try:
                return eval(compile(req["expr"], "<eval>", "eval"), ns)
            finally:
                self.out = self._read_out(req)
                _cp_unbind(ns, saved)
        if kind == "exec":
            for code in req["exec"]:
                exec(compile(code, "<exec>", "exec"), ns)
            return None
        if kind == "file":
            path = req["file"]
            with open(path, "rb") as f:
                code = compile(f.read(), path, "exec")
            old_argv, old_file = _cp_sys.argv, ns.get("__file__")
            _cp_sys.argv = [path] + list(req.get("argv") or [])
            ns["__file__"] = path
            try:
                exec(code, ns)
            finally:
                _cp_sys.argv = old_argv
                if old_file is None:
                    ns.pop("__file__", None)
                else:
                    ns["__file__"] = old_file
            return None
        raise ValueError("unknown request kind %r" % (kind,))

    def _read_out(self, req):
        """The variables the call asked to read back (name: JSON text); a
        name the namespace lacks is left out."""
        names = req.get("out")
        if not names:
            return None
        return {k: _cp_dumps(self.ns[k]) for k in names if k in self.ns}

    def run(self, req_json):
        """Runs one request; returns the JSON of its value, or None after an
        exception (then take_error() describes it). The variables the
        request asks to read back wait for take_vars(). Go calls flush()
        after it (after every run of calls, and after each inline call)."""
        self.out = None
        try:
            req = _cp_loads(req_json)
            v = self._run(req)
            if self.out is None:
                self.out = self._read_out(req)
            return _cp_dumps(v)
        except BaseException as e:  # SystemExit and KeyboardInterrupt too
            self.pending = _cp_error(e)
            return None

    def take_vars(self, _=None):
        """The variables the last run() read back, as a JSON object."""
        out, self.out = self.out, None
        return "{" + ",".join(_cp_dumps_plain(k) + ":" + t for k, t in (out or {}).items()) + "}"

    def prepare(self, req_json):
        """Returns a callable for one row: row JSON in, result JSON out, or
        None after an exception (then take_error() describes it)."""
        req = _cp_loads(req_json)
        loads, dumps, ns = _cp_loads, _cp_dumps, self.ns
        kind = req["kind"]
        if kind == "call":
            fn = _cp_resolve(req["function"])

            def one(row):
                try:
                    return dumps(fn(loads(row)))
                except BaseException as e:
                    self.pending = _cp_error(e)
                    return None

        elif kind == "eval":
            names = req.get("vars") or {}
            code = compile(req["expr"], "<eval>", "eval")

            def one(row):
                saved = _cp_bind(ns, names) if names else None
                try:
                    ns["row"] = loads(row)
                    return dumps(eval(code, ns))
                except BaseException as e:
                    self.pending = _cp_error(e)
                    return None
                finally:
                    if saved is not None:
                        _cp_unbind(ns, saved)

        elif kind == "exec":
            codes = [compile(c, "<exec>", "exec") for c in req["exec"]]

            def one(row):
                try:
                    ns["row"] = loads(row)
                    for c in codes:
                        exec(c, ns)
                    return dumps(ns.get("result"))
                except BaseException as e:
                    self.pending = _cp_error(e)
                    return None

        else:
            raise ValueError("rows work with a function call, an expression or statements, not %r" % (kind,))
        return one

    def prepare_call(self, target):
        """A callable for Do calls of one function: the arguments' JSON in
        ("" for none), the result's JSON out, or None after an exception
        (then take_error() describes it): run() without decoding a
        request, the function looked up again on every call. The
        streams are flushed after each call."""
        loads, dumps, flush = _cp_loads, _cp_dumps, _cp_flush
        resolve = _cp_resolver(target)

        def one(args):
            try:
                return dumps(_cp_apply(resolve(), loads(args) if args else None))
            except BaseException as e:  # SystemExit and KeyboardInterrupt too
                self.pending = _cp_error(e)
                return None
            finally:
                flush()

        return one

    def prepare_call_str(self, target):
        """The same for a call of one str argument, given as a str: the
        result itself comes back (Go writes a plain str, encode() the
        rest), or _cp_failed after an exception."""
        flush, quiet, sys, modules = _cp_flush, _cp_quiet, _cp_sys, _cp_sys.modules
        try:
            mod, attrs = _cp_target(target)
        except ValueError:
            mod, attrs = None, [None]  # _cp_resolve says why on every call
        first, rest, seen = attrs[0], tuple(attrs[1:]), [None]

        # _cp_resolver's resolve(), written out: one Python frame less
        # per call, the cost of a fifth of a str.upper call.
        def one(arg):
            try:
                fn = modules.get(mod)
                if fn is None or fn is not seen[0]:
                    fn = _cp_resolve(target)
                    seen[0] = modules.get(mod)
                else:
                    fn = getattr(fn, first)
                    for part in rest:
                        fn = getattr(fn, part)
                    if not callable(fn):
                        raise TypeError("%s is not callable" % (target,))
                return fn(arg)
            except BaseException as e:  # SystemExit and KeyboardInterrupt too
                self.pending = _cp_error(e)
                return _cp_failed
            finally:
                if sys.stdout not in quiet or sys.stderr not in quiet:
                    flush()

        return one

    def encode(self, v):
        """The JSON of a result, or None after an exception (then
        take_error() describes it)."""
        try:
            return _cp_dumps(v)
        except BaseException as e:
            self.pending = _cp_error(e)
            return None

    def prepare_raw(self, req_json):
        """The function itself, for calls on plain str rows (raw rows, and
        a function's rows that are plain JSON strings): Go calls it, and
        fetches and describes (describe()) the exception of a call that
        failed, so that a row runs no Python frame of the runner's."""
        return _cp_resolve(_cp_loads(req_json)["function"])

    def take_error(self, _=None):
        e, self.pending = self.pending, None
        return _cp_dumps_plain(e)

    def describe(self, exc):
        """Describes an exception Go fetched after a raw call failed."""
        self.pending = _cp_error(exc)
        return self.take_error()

    def flush(self, _=None):
        _cp_flush()
        return ""

    def check_imports(self, modules_json):
        """Imports each module; returns {module: error or None}."""
        import importlib

        out = {}
        for m in _cp_loads(modules_json):
            try:
                importlib.import_module(m)
                out[m] = None
            except BaseException as e:
                out[m] = _cp_error(e)
        self.flush()
        return _cp_dumps_plain(out)
