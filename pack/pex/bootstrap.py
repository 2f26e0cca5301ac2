#
# The runtime of a clusterpack pex: unpack the environment once into
# PEX_ROOT, put its chroots on sys.path, then run the entry point or behave
# as the Python interpreter. Standard library only, CPython 3.7 and later.
# The package documentation of clusterpack's pack/pex describes the rules.

import os
import sys

_BOOT_FILE = __file__
_TRUE = ("1", "true", "yes", "on")


def _verbose(msg):
    if os.environ.get("PEX_VERBOSE", "0") not in ("", "0"):
        sys.stderr.write("clusterpack pex: %s\n" % msg)


def _die(msg, code=1):
    sys.stderr.write("clusterpack pex: %s\n" % msg)
    sys.stderr.flush()
    os._exit(code)


# ---------------------------------------------------------------- unpacking


def _temp_root():
    for var in ("TMPDIR", "TEMP", "TMP"):
        d = os.environ.get(var)
        if d and os.path.isdir(d):
            break
    else:
        for d in ("/tmp", "/var/tmp", "/usr/tmp"):
            if os.path.isdir(d):
                break
        else:
            d = os.getcwd()
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return os.path.join(d, "clusterpack-pex-%d" % uid)


def _roots():
    """The PEX_ROOT candidates, in order, each with whether it is private."""
    explicit = os.environ.get("PEX_ROOT")
    first = os.path.expanduser(explicit) if explicit else os.path.expanduser(os.path.join("~", ".pex"))
    return [(os.path.abspath(first), False), (_temp_root(), True)]


def _usable_root(root, private):
    """Creates root if needed and says whether this process may write in it."""
    try:
        if private:
            try:
                os.mkdir(root, 0o700)
            except FileExistsError:
                pass
            st = os.lstat(root)
            import stat

            if not stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
                return False
        else:
            os.makedirs(root, exist_ok=True)
        installed = os.path.join(root, "installed")
        os.makedirs(installed, exist_ok=True)
        return os.access(installed, os.W_OK | os.X_OK)
    except OSError:
        return False


def _safe_member(name):
    parts = name.split("/")
    if not name.startswith(".deps/") or "\\" in name or "\x00" in name:
        return None
    for p in parts[1:]:
        if p in ("", ".", ".."):
            return None
    return parts


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class _WrongLayer(Exception):
    """A layer file that is not the layer the pex names."""


def _check_layer(zf, layer):
    """Checks that the open zip is layer (file, hash, wheels): its PEX-INFO's
    pex_hash and distributions, before anything of it is unpacked."""
    import json

    try:
        info = json.loads(zf.read("PEX-INFO").decode("utf-8"))
    except KeyError:
        raise _WrongLayer("it has no PEX-INFO")
    except ValueError as e:
        raise _WrongLayer("its PEX-INFO is not JSON: %s" % e)
    if not isinstance(info, dict) or info.get("pex_hash") != layer[1]:
        got = info.get("pex_hash") if isinstance(info, dict) else None
        raise _WrongLayer("its PEX-INFO has pex_hash %r, not %r" % (got, layer[1]))
    dists = info.get("distributions")
    if not isinstance(dists, dict) or sorted(dists) != sorted(layer[2]):
        raise _WrongLayer("it holds %s, not %s" % (", ".join(sorted(dists or ())) or "no distribution", ", ".join(layer[2])))


def _unpack(src, dest, layer):
    import zipfile

    made = set()
    count = 0
    try:
        zf = zipfile.ZipFile(src)
    except zipfile.BadZipFile as e:
        if layer is None:
            raise
        raise _WrongLayer("it is not a zip file (%s)" % e)
    with zf:
        if layer is not None:
            _check_layer(zf, layer)
        for info in zf.infolist():
            name = info.filename
            if not name.startswith(".deps/") or name.endswith("/"):
                continue
            parts = _safe_member(name)
            if parts is None:
                raise ValueError("unsafe member path %r in %s" % (name, src))
            parent = os.path.join(dest, *parts[:-1])
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
            fd = os.open(os.path.join(parent, parts[-1]), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            try:
                # Small members in one read: reading them in large chunks
                # costs a large buffer each, three times slower overall.
                if info.file_size <= 1 << 20:
                    _write_all(fd, zf.read(info))
                else:
                    with zf.open(info) as f:
                        while True:
                            chunk = f.read(1 << 20)
                            if not chunk:
                                break
                            _write_all(fd, chunk)
            finally:
                os.close(fd)
            count += 1
    return count


def _clean_stale(installed, h):
    """Removes temporary directories of crashed unpackings (lock held)."""
    prefix = "." + h + ".tmp-"
    try:
        names = os.listdir(installed)
    except OSError:
        return
    for n in names:
        if n.startswith(prefix):
            import shutil

            _verbose("removing the unfinished unpacking %s" % n)
            shutil.rmtree(os.path.join(installed, n), ignore_errors=True)


def _extract(root, src, h, layer):
    installed = os.path.join(root, "installed")
    final = os.path.join(installed, h)
    lock = os.path.join(installed, "." + h + ".lock")
    fd = os.open(lock, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        locked = False
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            locked = True
        except (ImportError, OSError):
            pass
        if os.path.isdir(final):
            return final
        if locked:
            _clean_stale(installed, h)
        tmp = os.path.join(installed, ".%s.tmp-%d-%s" % (h, os.getpid(), os.urandom(4).hex()))
        os.mkdir(tmp, 0o755)
        try:
            import time

            start = time.time()
            n = _unpack(src, tmp, layer)
            try:
                os.rename(tmp, final)
            except OSError:
                if not os.path.isdir(final):
                    raise
                import shutil

                shutil.rmtree(tmp, ignore_errors=True)
                return final
            what = "layer %s: " % os.path.basename(src) if layer is not None else ""
            _verbose("unpacked %s%d files into %s in %.3fs" % (what, n, final, time.time() - start))
        except BaseException:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return final
    finally:
        os.close(fd)


_FALLBACK_SAID = []


def _installed(src, h, layer=None):
    """The unpacked directory of the pex or layer src with content hash h,
    unpacking it if needed. layer is (file, hash, wheels) for a layer, whose
    PEX-INFO is checked before it is unpacked."""
    roots = _roots()
    for root, _ in roots:
        d = os.path.join(root, "installed", h)
        if os.path.isdir(d):
            return d
    errors = []
    for i, (root, private) in enumerate(roots):
        if not _usable_root(root, private):
            errors.append("%s is not writable" % root)
            continue
        if i > 0 and os.environ.get("PEX_ROOT") and root not in _FALLBACK_SAID:
            # Said once, not once per layer.
            _FALLBACK_SAID.append(root)
            sys.stderr.write("clusterpack pex: PEX_ROOT %s is not writable; using %s\n" % (roots[0][0], root))
        try:
            return _extract(root, src, h, layer)
        except OSError as e:
            errors.append("%s: %s" % (root, e))
    _die("cannot unpack %s: %s" % (src, "; ".join(errors)))


def _layer_dirs(pex):
    """Where a layer may be, in order: beside the pex as it was started
    (YARN and Spark link each file into the container's directory), beside
    the file the pex is with symlinks resolved, the current directory."""
    dirs = [os.path.dirname(pex), os.path.dirname(os.path.realpath(pex))]
    try:
        dirs.append(os.getcwd())
    except OSError:
        pass
    out = []
    for d in dirs:
        if d not in out:
            out.append(d)
    return out


def _ship_hint(name):
    return (
        "ship every layer with the base pex (spark-submit --files <base URL>,<store>/%s,...: `clusterpack spark-args --layers` "
        "prints the flags) or put %s beside the base pex" % (name, name)
    )


def _layers(pex):
    """The layers' unpacked directories, in order, each with its wheels."""
    out = []
    dirs = None
    for layer in _LAYERS:
        name, h, wheels = layer
        if dirs is None:
            dirs = _layer_dirs(pex)
        src = None
        for d in dirs:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                src = p
                break
        if src is None:
            _die("layer %s of %s is missing: it is not in %s; %s" % (name, pex, " nor ".join(dirs), _ship_hint(name)))
        try:
            out.append((_installed(src, h, layer), wheels))
        except _WrongLayer as e:
            _die("%s is not layer %s of %s: %s; %s" % (src, h, pex, e, _ship_hint(name)))
    return out


# ---------------------------------------------------------------- sys.path


def _is_site_dir(p):
    b = os.path.basename(p.rstrip("/\\"))
    return b in ("site-packages", "dist-packages")


def _has_pth(d):
    try:
        return any(n.endswith(".pth") for n in os.listdir(d))
    except OSError:
        return False


def _chroots(env, layers):
    """The chroots, the pex's then each layer's, each with whether it has
    .pth files to process (known for the pex's own, looked up for a
    layer's)."""
    deps = os.path.join(env, ".deps")
    pth = set(_PTH)
    out = [(os.path.join(deps, w), w in pth) for w in _WHEELS]
    for d, wheels in layers:
        for w in wheels:
            c = os.path.join(d, ".deps", w)
            out.append((c, _has_pth(c)))
    return out


def _deps_path(chroots):
    """The chroots' entries, with what their .pth files add."""
    if not any(p for _, p in chroots):
        return [d for d, _ in chroots]
    import site

    before = list(sys.path)
    known = set(before)
    result = []
    for d, has_pth in chroots:
        result.append(d)
        if has_pth:
            mark = len(sys.path)
            site.addsitedir(d, known)
            for p in sys.path[mark:]:
                if p != d and p not in result:
                    result.append(p)
            del sys.path[mark:]
    sys.path[:] = before
    return result


def _set_path(pex, chroots, path0):
    inherit = os.environ.get("PEX_INHERIT_PATH") or _INHERIT_PATH
    if inherit.lower() in ("true",):
        inherit = "prefer"
    apex = os.path.abspath(pex)
    base = [p for p in sys.path if not p or os.path.abspath(p) != apex]
    cut = len(base)
    for i, p in enumerate(base):
        if p and _is_site_dir(p):
            cut = i
            break
    head, site_part = base[:cut], base[cut:]
    deps = _deps_path(chroots)
    if inherit == "prefer":
        new = head + site_part + deps
    elif inherit == "fallback":
        new = head + deps + site_part
    else:
        new = head + deps
    if path0 is not None and not getattr(sys.flags, "safe_path", False):
        new.insert(0, path0)
    sys.path[:] = new


# ---------------------------------------------------------------- command line

_NOARG = "bBdEiIOPqRsSuvx"
_LONG_ARG = ("--check-hash-based-pycs",)
_PASSTHROUGH = ("--help", "--version", "--help-env", "--help-xoptions", "--help-all")


def _usage_error(msg):
    sys.stderr.write("%s\nusage: %s [option] ... [-c cmd | -m mod | file | -] [arg] ...\n" % (msg, sys.argv[0]))
    sys.stderr.flush()
    os._exit(2)


def _parse(args):
    """CPython's command line: (flags, mode, target, rest, passthrough)."""
    flags = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if not a.startswith("-") or a == "-":
            break
        if a.startswith("--"):
            if a in _PASSTHROUGH:
                return flags, None, None, None, True
            name, eq, val = a.partition("=")
            if name in _LONG_ARG:
                if not eq:
                    i += 1
                    if i >= len(args):
                        _usage_error("Argument expected for the %s option" % name)
                    val = args[i]
                flags.extend([name, val])
                i += 1
                continue
            _usage_error("unknown option %s" % a)
        j = 1
        while j < len(a):
            ch = a[j]
            if ch in "cm":
                val = a[j + 1 :]
                if not val:
                    i += 1
                    if i >= len(args):
                        _usage_error("Argument expected for the -%s option" % ch)
                    val = args[i]
                return flags, ch, val, args[i + 1 :], False
            if ch in "WX":
                val = a[j + 1 :]
                if not val:
                    i += 1
                    if i >= len(args):
                        _usage_error("Argument expected for the -%s option" % ch)
                    val = args[i]
                flags.append("-" + ch + val)
                break
            if ch in "hV?":
                return flags, None, None, None, True
            if ch in _NOARG:
                flags.append("-" + ch)
                j += 1
                continue
            _usage_error("Unknown option: -%s" % ch)
        i += 1
    if i < len(args):
        target = args[i]
        return flags, ("-" if target == "-" else "file"), target, args[i + 1 :], False
    return flags, "repl", None, [], False


def _shebang_is_running():
    """Whether the pex's shebang starts the interpreter running now."""
    exe = sys.executable
    if not exe:
        return False
    if _SHEBANG_KIND == "path":
        cand = _SHEBANG_PYTHON
    elif _SHEBANG_KIND == "env":
        cand = None
        for d in os.environ.get("PATH", os.defpath).split(os.pathsep):
            p = os.path.join(d or ".", _SHEBANG_PYTHON)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                cand = p
                break
        if cand is None:
            return False
    else:
        return False
    try:
        return os.path.samefile(os.path.realpath(cand), os.path.realpath(exe))
    except OSError:
        return False


# ---------------------------------------------------------------- running


def _fresh_main(**attrs):
    import types

    m = types.ModuleType("__main__")
    m.__dict__.update(attrs)
    m.__builtins__ = __builtins__
    sys.modules["__main__"] = m
    return m


def _trim(tb):
    skip = {_BOOT_FILE}
    runpy = sys.modules.get("runpy")
    if runpy is not None:
        skip.add(getattr(runpy, "__file__", None) or "<frozen runpy>")
        skip.add("<frozen runpy>")
    while tb is not None and tb.tb_frame.f_code.co_filename in skip:
        tb = tb.tb_next
    return tb


def _report(exc):
    # The default hook prints exc.__traceback__ when set, whatever its
    # third argument, so the traceback is trimmed on the exception itself.
    tb = _trim(exc.__traceback__)
    exc.__traceback__ = tb
    sys.excepthook(type(exc), exc, tb)


def _exec_source(source, filename, main):
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _run_script(path, rest, skip_first):
    sys.argv[:] = [path] + rest
    if os.path.isdir(path) or _is_zip(path):
        import runpy

        runpy.run_path(path, run_name="__main__")
        return
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as e:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (sys.executable, os.path.abspath(path), e.errno, e.strerror))
        sys.stderr.flush()
        os._exit(2)
    if skip_first:
        nl = source.find(b"\n")
        source = b"\n" + source[nl + 1 :] if nl >= 0 else b""
    from importlib.machinery import SourceFileLoader

    main = _fresh_main(__file__=path, __cached__=None, __loader__=SourceFileLoader("__main__", path), __spec__=None, __package__=None)
    _exec_source(source, path, main)


def _is_zip(path):
    import zipimport

    try:
        zipimport.zipimporter(path)
        return True
    except Exception:
        return False


def _repl():
    main = _fresh_main(__spec__=None, __package__=None)
    if not sys.stdin.isatty():
        _exec_source(sys.stdin.buffer.read(), "<stdin>", main)
        return
    import code

    try:
        import readline  # noqa: F401  line editing, as CPython's REPL has
    except ImportError:
        pass
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and not sys.flags.ignore_environment and os.path.isfile(startup):
        with open(startup, "rb") as f:
            _exec_source(f.read(), startup, main)
    banner = "" if sys.flags.quiet else 'Python %s on %s\nType "help", "copyright", "credits" or "license" for more information.' % (sys.version, sys.platform)
    code.interact(banner=banner, local=main.__dict__, exitmsg="")


def _run_entry_point():
    mod, _, attr = _ENTRY_POINT.partition(":")
    if not attr:
        import runpy

        _fresh_main()
        runpy._run_module_as_main(mod, alter_argv=False)
        return
    import importlib

    obj = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    sys.exit(obj())


def _run(mode, target, rest, skip_first):
    if mode == "c":
        sys.argv[:] = ["-c"] + rest
        _exec_source(target, "<string>", _fresh_main(__spec__=None, __package__=None))
    elif mode == "m":
        import runpy

        sys.argv[:] = ["-m"] + rest
        _fresh_main()
        runpy._run_module_as_main(target, alter_argv=True)
    elif mode == "-":
        sys.argv[:] = ["-"] + rest
        main = _fresh_main(__spec__=None, __package__=None)
        _exec_source(sys.stdin.buffer.read(), "<stdin>", main)
    elif mode == "file":
        _run_script(target, rest, skip_first)
    elif mode == "repl":
        sys.argv[:] = [""]
        if sys.flags.inspect:
            _fresh_main(__spec__=None, __package__=None)
            return  # CPython's own -i console follows
        _repl()
    else:
        _run_entry_point()


def _main():
    argv0 = sys.argv[0]
    pex = os.path.abspath(os.path.dirname(_BOOT_FILE))
    for k, v in _INJECT_ENV.items():
        os.environ.setdefault(k, v)
    os.environ["PEX"] = pex

    interpreter = not _ENTRY_POINT or os.environ.get("PEX_INTERPRETER", "").lower() in _TRUE
    mode, target, rest, skip_first = None, None, [], False
    if interpreter:
        flags, mode, target, rest, passthrough = _parse(sys.argv[1:])
        if passthrough:
            os.execv(sys.executable, [sys.executable] + sys.argv[1:])
        if "-x" in flags:
            flags.remove("-x")
            skip_first = True
        if flags:
            # Options that shape the interpreter itself: start it again with
            # them, running this pex with the rest of the command line (and
            # -x, which the next bootstrap handles, not CPython).
            post = ["-x"] if skip_first else []
            if mode in ("c", "m"):
                post += ["-" + mode, target]
            elif mode == "file":
                post += ["--", target]
            elif mode == "-":
                post += ["-"]
            sys.stdout.flush()
            sys.stderr.flush()
            os.execv(sys.executable, [sys.executable] + flags + [argv0] + post + rest)

    chroots = _chroots(_installed(pex, _HASH), _layers(pex) if _LAYERS else [])
    if mode in ("c", "-", "repl"):
        path0 = ""
    elif mode == "m":
        path0 = os.getcwd()
    elif mode == "file":
        path0 = None if os.path.isdir(target) or _is_zip(target) else os.path.dirname(os.path.realpath(target))
    else:
        path0 = None
    _set_path(pex, chroots, path0)

    if interpreter and not _ENTRY_POINT and os.access(pex, os.X_OK) and _shebang_is_running():
        sys.executable = pex

    try:
        _run(mode, target, rest, skip_first)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as e:
        _report(e)
        if sys.flags.inspect:
            return
        sys.exit(1)


_main()
