# clusterpack runner: Go slices handed to Python without a copy
# (Call.Arrays). Run once in a worker's __main__ namespace, after
# bootstrap.py, the first time the worker gets arrays. Standard library
# only (NumPy when the archive has it); CPython 3.8+.
#
# Go hands each array as a writable memoryview of raw bytes made by
# PyMemoryView_FromMemory over its pinned memory. The function sees a
# NumPy array over it (numpy.frombuffer of a typed cast, no copy), or,
# without NumPy, the typed memoryview itself (format 'd' or 'q').
#
# Every view of that memory (the typed cast, NumPy's own memoryview under
# the array, every slice or view of the array, a memoryview of the array)
# holds a reference to the one managed buffer of the memoryview Go made.
# After the call the runner drops its own references and releases its
# views; when the managed buffer is then referenced by nothing else,
# nothing in Python can reach the memory, and Go unpins it. When
# something kept a view (a global, a closure, a list), the call is an
# error and the memory stays pinned until Python drops it (checked at
# every later array call of the worker): never freed under a live view.
import gc as _cp_arr_gc
import json as _cp_arr_json
import sys as _cp_arr_sys
import weakref as _cp_arr_weakref

_CP_DTYPES = {"d": "float64", "q": "int64"}


def _cp_arrays_bind(worker):
    """Returns the worker's array call: run(payload_json, views) -> str,
    a status line (JSON) and, after a newline, the JSON of the value ("" and
    worker.pending set after an exception)."""
    retained = {}  # token -> [(managed buffer, references it had alone, name)]
    numpy_error = None
    try:
        import numpy
    except ModuleNotFoundError as e:
        if e.name != "numpy":
            numpy_error = str(e)
        numpy = None
    except Exception as e:  # a sub-interpreter refuses it (single-phase init)
        numpy_error = "%s: %s" % (type(e).__name__, e)
        numpy = None
    dumps = _cp_dumps

    def managed(mv):
        refs = _cp_arr_gc.get_referents(mv)
        return refs[0] if refs else None

    def counts(entries):
        return [_cp_arr_sys.getrefcount(e[0]) for e in entries]

    def held(entries, alone):
        """The names whose memory something beyond the references in alone
        still reaches."""
        return [e[1] for e, n, a in zip(entries, counts(entries), alone) if n > a]

    def sweep():
        freed = []
        for token in list(retained):
            entries, alone = retained[token]
            if not held(entries, alone):
                del retained[token]
                freed.append(token)
        return freed

    def run(payload_json, views):
        payload = _cp_arr_json.loads(payload_json)
        req = _cp_arr_json.loads(payload["req"])
        specs = payload["arrays"]
        freed = sweep()
        if numpy_error is not None:
            worker.pending = {
                "type": "ImportError",  # what NumPy's import raised is in the message
                "message": numpy_error,
                "last": "ImportError: NumPy is in the archive but cannot be imported in this worker (%s): "
                "use threads (IsolationThreads, --workers 1) for calls with arrays" % numpy_error,
            }
            return _cp_arr_json.dumps({"freed": freed, "retained": False, "numpy": False}) + "\n"
        entries = [(managed(mv), name) for (name, _), mv in zip(specs, views)]
        # What references each managed buffer has before the call: Go's
        # memoryview and the runner's own.
        alone = counts(entries)
        typed = [mv.cast(fmt) for (_, fmt), mv in zip(specs, views)]
        arrays = {}
        for (name, fmt), t in zip(specs, typed):
            arrays[name] = numpy.frombuffer(t, dtype=_CP_DTYPES[fmt]) if numpy is not None else t
        t = None
        value = ""
        try:
            try:
                v = _cp_arrays_apply(worker, req, arrays)
                value = dumps(v)
                del v
            except BaseException as e:
                worker.pending = _cp_error(e)
                e.__traceback__ = None
                del e
        finally:
            arrays.clear()
            for t in typed:
                t.release()  # a kept typed memoryview fails from now on
            t = None
            refs = [_cp_arr_weakref.ref(t) for t in typed]
            del typed
            worker.flush()

        def ours():
            # A typed view the call kept is released: harmless, but it
            # still references the managed buffer.
            return [a + (r() is not None) for a, r in zip(alone, refs)]

        kept = held(entries, ours())
        if kept:
            _cp_arr_gc.collect()  # a cycle (a frame of a traceback) may hold them
            kept = held(entries, ours())
        for mv in views:
            mv.release()
        if kept:
            # Once run returns, Go drops its memoryviews: one reference less.
            retained[payload["token"]] = (entries, [n - 1 for n in ours()])
            worker.pending = {
                "type": "ArrayRetained",
                "message": "the call kept a reference to %s past its end" % ", ".join(kept),
                "last": "ArrayRetained: the call kept a reference to %s past its end (in a global, a closure or a container): "
                "an array is a view of the caller's memory, valid during the call only; keep a copy (x.copy()) instead" % ", ".join(kept),
            }
            value = ""
        status = _cp_arr_json.dumps({"freed": freed, "retained": bool(kept), "numpy": numpy is not None})
        return status + "\n" + value

    return run


def _cp_arrays_apply(worker, req, arrays):
    """Calls req with the arrays: keyword arguments of a function, variables
    of an expression or of statements (removed again after the call)."""
    kind = req["kind"]
    ns = worker.ns
    if kind == "call":
        fn = _cp_resolve(req["function"])
        args = req.get("args")
        if args is None:
            return fn(**arrays)
        if isinstance(args, list):
            return fn(*args, **arrays)
        if isinstance(args, dict):
            kw = dict(args)
            kw.update(arrays)
            return fn(**kw)
        return fn(args, **arrays)
    if kind in ("eval", "exec"):
        names = dict(req.get("vars") or {})
        names.update(arrays)
        saved = _cp_bind(ns, names)
        try:
            if kind == "eval":
                return eval(compile(req["expr"], "<eval>", "eval"), ns)
            for code in req["exec"]:
                exec(compile(code, "<exec>", "exec"), ns)
            return None
        finally:
            _cp_unbind(ns, saved)
    raise ValueError("arrays go to a function call, an expression or statements, not %r" % (kind,))
