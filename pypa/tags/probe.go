package tags

// ProbeScript is Python source (CPython 3.6 and later, PyPy; standard
// library only) that defines clusterpack_tag_facts(), a function returning a
// JSON-serialisable dict that decodes into Facts. It gathers what
// packaging.tags.sys_tags() looks at: sys.implementation, sysconfig
// variables, the platform, glibc (os.confstr, else ctypes), musl (the ELF
// interpreter of sys.executable, run to print its version), the ELF header
// checks for armv7l and i686, a _manylinux module's verdicts, and the macOS,
// iOS and Android versions. It prints nothing and changes nothing; a caller
// runs it and prints json.dumps(clusterpack_tag_facts()).
const ProbeScript = `
import os, platform, re, struct, subprocess, sys, sysconfig


def clusterpack_tag_facts():
    def config_bool(name):
        value = sysconfig.get_config_var(name)
        return None if value is None else bool(value)

    def major_minor(text):
        try:
            numbers = [int(part) for part in text.split(".")[:2]]
        except ValueError:
            return None
        if not numbers:
            return None
        return (numbers + [0])[:2]

    try:
        from importlib.machinery import EXTENSION_SUFFIXES
    except ImportError:
        EXTENSION_SUFFIXES = []
    short_names = {"python": "py", "cpython": "cp", "pypy": "pp", "ironpython": "ip", "jython": "jy"}
    name = sys.implementation.name
    nodot = sysconfig.get_config_var("py_version_nodot")
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
    soabi = sysconfig.get_config_var("SOABI")
    facts = {
        "implementation_name": name,
        "interpreter_name": short_names.get(name) or name,
        "interpreter_version": str(nodot) if nodot else "".join(map(str, sys.version_info[:2])),
        "python_version": list(sys.version_info[:2]),
        "py_debug": config_bool("Py_DEBUG"),
        "has_gettotalrefcount": hasattr(sys, "gettotalrefcount"),
        "debug_extension_suffix": "_d.pyd" in EXTENSION_SUFFIXES,
        "py_gil_disabled": config_bool("Py_GIL_DISABLED"),
        "with_pymalloc": config_bool("WITH_PYMALLOC"),
        "soabi": soabi if isinstance(soabi, str) else None,
        "ext_suffix": ext_suffix if isinstance(ext_suffix, str) else None,
        "system": platform.system(),
        "sysconfig_platform": sysconfig.get_platform(),
        "is_32bit": struct.calcsize("P") == 4,
    }
    system = facts["system"]
    if system == "Linux":
        facts.update(_clusterpack_linux_facts(facts["sysconfig_platform"], facts["is_32bit"]))
    elif system == "Darwin":
        version, _, machine = platform.mac_ver()
        if major_minor(version) == [10, 16]:
            # Built against an old SDK, Python reports 10.16: ask for the real one.
            try:
                version = subprocess.check_output(
                    [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
                    env={"SYSTEM_VERSION_COMPAT": "0"}, universal_newlines=True).strip()
            except (OSError, subprocess.CalledProcessError):
                pass
        facts["mac_version"] = major_minor(version)
        facts["mac_machine"] = machine
    elif system == "iOS":
        facts["ios_version"] = major_minor(platform.ios_ver()[1])
        facts["multiarch"] = getattr(sys.implementation, "_multiarch", "")
    elif system == "Android":
        facts["android_api_level"] = platform.android_ver().api_level
    elif system == "Emscripten":
        version = sysconfig.get_config_var("PYEMSCRIPTEN_PLATFORM_VERSION")
        facts["emscripten_platform_version"] = str(version) if version else ""
    return facts


def _clusterpack_glibc_version():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").rsplit()[1]
    except (AssertionError, AttributeError, OSError, ValueError, IndexError):
        pass
    try:
        import ctypes
        version = ctypes.CDLL(None).gnu_get_libc_version
    except (ImportError, OSError, AttributeError):
        return None
    version.restype = ctypes.c_char_p
    text = version()
    return text.decode("ascii") if isinstance(text, bytes) else text


def _clusterpack_elf(path):
    # Returns (class, data, machine, flags, interpreter) of an ELF file, or None.
    try:
        with open(path, "rb") as f:
            ident = f.read(16)
            if len(ident) < 16 or ident[:4] != b"\x7fELF":
                return None
            formats = {
                (1, 1): ("<HHIIIIIHHH", "<IIIIIIII", (0, 1, 4)),
                (1, 2): (">HHIIIIIHHH", ">IIIIIIII", (0, 1, 4)),
                (2, 1): ("<HHIQQQIHHH", "<IIQQQQQQ", (0, 2, 5)),
                (2, 2): (">HHIQQQIHHH", ">IIQQQQQQ", (0, 2, 5)),
            }
            capacity, encoding = ident[4], ident[5]
            if (capacity, encoding) not in formats:
                return None
            e_fmt, p_fmt, p_idx = formats[(capacity, encoding)]
            header = f.read(struct.calcsize(e_fmt))
            if len(header) != struct.calcsize(e_fmt):
                return None
            _, machine, _, _, phoff, _, flags, _, phentsize, phnum = struct.unpack(e_fmt, header)
            interpreter = None
            for index in range(phnum):
                f.seek(phoff + phentsize * index)
                entry = f.read(struct.calcsize(p_fmt))
                if len(entry) != struct.calcsize(p_fmt):
                    continue
                data = struct.unpack(p_fmt, entry)
                if data[p_idx[0]] != 3:  # PT_INTERP
                    continue
                f.seek(data[p_idx[1]])
                interpreter = os.fsdecode(f.read(data[p_idx[2]])).strip("\0")
                break
            return capacity, encoding, machine, flags, interpreter
    except (OSError, TypeError, ValueError, struct.error):
        return None


def _clusterpack_linux_facts(plat, is_32bit):
    facts = {"glibc_version": _clusterpack_glibc_version()}
    elf = _clusterpack_elf(sys.executable)
    if elf is not None:
        capacity, encoding, machine, flags, interpreter = elf
        facts["elf_i686"] = capacity == 1 and encoding == 1 and machine == 3
        facts["elf_arm_hard_float"] = (capacity == 1 and encoding == 1 and machine == 40
                                       and flags & 0xFF000000 == 0x05000000
                                       and flags & 0x00000400 == 0x00000400)
        facts["elf_interpreter"] = interpreter
        if interpreter and "musl" in interpreter:
            try:
                proc = subprocess.Popen([interpreter], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, universal_newlines=True)
                facts["musl_loader_output"] = proc.communicate()[1]
            except OSError:
                pass
    try:
        module = __import__("_manylinux")
    except ImportError:
        module = None
    if module is not None and facts["glibc_version"]:
        # The module may veto glibc versions: record every veto that the
        # candidates packaging would consider receive.
        arch = plat.replace(".", "_").replace("-", "_").replace(" ", "_")[len("linux_"):]
        if is_32bit:
            arch = {"x86_64": "i686", "aarch64": "armv8l"}.get(arch, arch)
        archs = ["armv8l", "armv7l"] if arch == "armv8l" else [arch]
        match = re.match(r"([0-9]+)\.([0-9]+)", facts["glibc_version"])
        major, minor = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
        vetoes = []
        for arch in archs:
            for glibc in [(major, m) for m in range(minor, -1, -1)] + [
                    (g, m) for g in range(major - 1, 1, -1) for m in range(50, -1, -1)]:
                if hasattr(module, "manylinux_compatible"):
                    ok = module.manylinux_compatible(glibc[0], glibc[1], arch)
                    ok = True if ok is None else bool(ok)
                elif glibc in ((2, 5), (2, 12), (2, 17)):
                    legacy = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}[glibc]
                    ok = bool(getattr(module, legacy + "_compatible", True))
                else:
                    ok = True
                if not ok:
                    vetoes.append("%d_%d_%s" % (glibc[0], glibc[1], arch))
        facts["manylinux_incompatible"] = vetoes
    return facts
`
