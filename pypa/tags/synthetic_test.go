package tags

import (
	"testing"

	"github.com/clusterpack/clusterpack/internal/testing/pyref"
)

// syntheticSysTagsScript runs packaging's sys_tags as if in the interpreter
// each Facts describes, by replacing what packaging reads (sys, sysconfig,
// platform, the C library and ELF checks) with the facts.
const syntheticSysTagsScript = `
import json, sys, sysconfig, platform, types
from packaging import tags, _manylinux, _musllinux
real_sys_get_config_var = sysconfig.get_config_var
out = []
for f in json.load(sys.stdin):
    config = {
        "py_version_nodot": f["interpreter_version"], "Py_DEBUG": f["py_debug"],
        "Py_GIL_DISABLED": f["py_gil_disabled"], "WITH_PYMALLOC": f["with_pymalloc"],
        "EXT_SUFFIX": f["ext_suffix"], "SOABI": f["soabi"],
        "PYEMSCRIPTEN_PLATFORM_VERSION": f.get("emscripten_platform_version") or None,
    }
    sysconfig.get_config_var = lambda name, config=config: config.get(name)
    tags.interpreter_name = lambda f=f: f["interpreter_name"]
    sys.version_info = tuple(f["python_version"]) + (0, "final", 0)
    if f["has_gettotalrefcount"]:
        sys.gettotalrefcount = lambda: 0
    elif hasattr(sys, "gettotalrefcount"):
        del sys.gettotalrefcount
    tags.EXTENSION_SUFFIXES = ["_d.pyd"] if f["debug_extension_suffix"] else [".so"]
    platform.system = lambda f=f: f["system"]
    sysconfig.get_platform = lambda f=f: f["sysconfig_platform"]
    tags._linux_platforms.__defaults__ = (f["is_32bit"],)
    tags._mac_arch.__defaults__ = (f["is_32bit"],)
    mac = f.get("mac_version") or [0, 0]
    platform.mac_ver = lambda mac=mac, f=f: ("%d.%d" % tuple(mac), ("", "", ""), f.get("mac_machine") or "")
    ios = f.get("ios_version") or [0, 0]
    platform.ios_ver = lambda ios=ios: ("iOS", "%d.%d" % tuple(ios), "iPhone", False)
    sys.implementation._multiarch = f.get("multiarch") or ""
    platform.android_ver = lambda f=f: types.SimpleNamespace(api_level=f.get("android_api_level"))
    glibc = f.get("glibc_version")
    _manylinux._get_glibc_version = lambda glibc=glibc: _manylinux._parse_glibc_version(glibc) if glibc else _manylinux._GLibCVersion(-1, -1)
    _manylinux._is_linux_armhf = lambda exe, f=f: bool(f.get("elf_arm_hard_float"))
    _manylinux._is_linux_i686 = lambda exe, f=f: bool(f.get("elf_i686"))
    _manylinux._get_manylinux_module = lambda: None
    musl = None
    if f.get("elf_interpreter") and "musl" in f["elf_interpreter"] and f.get("musl_loader_output") is not None:
        musl = _musllinux._parse_musl_version(f["musl_loader_output"])
    _musllinux._get_musl_version = lambda exe, musl=musl: musl
    try:
        out.append([str(t) for t in tags.sys_tags()])
    except SystemError:
        out.append(None)
print(json.dumps(out))
`

// syntheticFacts describe interpreters this machine does not have.
func syntheticFacts() map[string]Facts {
	yes, no := true, false
	str := func(s string) *string { return &s }
	glibc := str("2.31")
	cp := func(minor int) Facts {
		v := [2]int{3, minor}
		return Facts{ImplementationName: "cpython", InterpreterName: "cp", InterpreterVersion: versionNodot(v), PythonVersion: v,
			PyDebug: &no, WithPymalloc: &yes, System: "Linux", SysconfigPlatform: "linux-x86_64", GlibcVersion: glibc}
	}
	with := func(f Facts, change func(*Facts)) Facts { change(&f); return f }
	pypy := Facts{ImplementationName: "pypy", InterpreterName: "pp", InterpreterVersion: "310", PythonVersion: [2]int{3, 10},
		ExtSuffix: str(".pypy310-pp73-x86_64-linux-gnu.so"), System: "Linux", SysconfigPlatform: "linux-x86_64", GlibcVersion: glibc}
	return map[string]Facts{
		"cp312 linux":             cp(12),
		"cp37 linux pymalloc":     cp(7),
		"cp37 no pymalloc info":   with(cp(7), func(f *Facts) { f.WithPymalloc = nil }),
		"cp311 debug":             with(cp(11), func(f *Facts) { f.PyDebug = &yes }),
		"cp311 debug by refcount": with(cp(11), func(f *Facts) { f.PyDebug = nil; f.HasGetTotalRefCount = true }),
		"cp313t":                  with(cp(13), func(f *Facts) { f.PyGILDisabled = &yes }),
		"cp313td":                 with(cp(13), func(f *Facts) { f.PyGILDisabled = &yes; f.PyDebug = &yes }),
		"cp312 glibc 2.17 junk":   with(cp(12), func(f *Facts) { f.GlibcVersion = str("2.17-2014.11") }),
		"cp312 no libc":           with(cp(12), func(f *Facts) { f.GlibcVersion = nil }),
		"cp312 i686 on x86_64":    with(cp(12), func(f *Facts) { f.Is32Bit = true; f.ELFI686 = true }),
		"cp312 i686 bad elf":      with(cp(12), func(f *Facts) { f.Is32Bit = true }),
		"cp312 armv8l":            with(cp(12), func(f *Facts) { f.SysconfigPlatform = "linux-aarch64"; f.Is32Bit = true; f.ELFArmHardFloat = true }),
		"cp312 armv7l soft float": with(cp(12), func(f *Facts) { f.SysconfigPlatform = "linux-armv7l" }),
		"cp312 musl": with(cp(12), func(f *Facts) {
			f.GlibcVersion = nil
			f.SysconfigPlatform = "linux-aarch64"
			f.ELFInterpreter = str("/lib/ld-musl-aarch64.so.1")
			f.MuslLoaderOutput = str("musl libc (aarch64)\nVersion 1.2.4\n")
		}),
		"cp312 windows": with(cp(12), func(f *Facts) { f.System = "Windows"; f.SysconfigPlatform = "win-amd64" }),
		"cp38 windows debug": with(cp(8), func(f *Facts) {
			f.System = "Windows"
			f.SysconfigPlatform = "win-amd64"
			f.PyDebug = nil
			f.DebugExtensionSuffix = true
		}),
		"cp312 freebsd":     with(cp(12), func(f *Facts) { f.System = "FreeBSD"; f.SysconfigPlatform = "freebsd-14.0-RELEASE-amd64" }),
		"cp312 macos arm64": with(cp(12), func(f *Facts) { f.System = "Darwin"; f.MacVersion = &[2]int{14, 2}; f.MacMachine = "arm64" }),
		"cp312 macos 10.15": with(cp(12), func(f *Facts) { f.System = "Darwin"; f.MacVersion = &[2]int{10, 15}; f.MacMachine = "x86_64" }),
		"cp36 macos 32-bit": with(cp(6), func(f *Facts) {
			f.System = "Darwin"
			f.MacVersion = &[2]int{10, 6}
			f.MacMachine = "x86_64"
			f.Is32Bit = true
		}),
		"cp313 ios": with(cp(13), func(f *Facts) { f.System = "iOS"; f.IOSVersion = &[2]int{17, 2}; f.Multiarch = "arm64-iphoneos" }),
		"cp313 android": with(cp(13), func(f *Facts) {
			f.System = "Android"
			f.SysconfigPlatform = "android-24-arm64_v8a"
			f.AndroidAPILevel = new(int(24))
		}),
		"cp312 emscripten": with(cp(12), func(f *Facts) {
			f.System = "Emscripten"
			f.SysconfigPlatform = "emscripten-3.1.58-wasm32"
			f.EmscriptenPlatformVersion = "2024_0"
		}),
		"pypy310": pypy,
		"graalpy": with(pypy, func(f *Facts) {
			f.InterpreterName = "graalpy"
			f.ExtSuffix = str(".graalpy-311-native-x86_64-linux.so")
		}),
		"pyston":               with(pypy, func(f *Facts) { f.InterpreterName = "pyston"; f.ExtSuffix = str(".pyston-23-x86_64-linux-gnu.so") }),
		"cpython soabi":        with(pypy, func(f *Facts) { f.InterpreterName = "xx"; f.ExtSuffix = str(".cpython-39-x86_64-linux-gnu.so") }),
		"windows cp soabi":     with(pypy, func(f *Facts) { f.InterpreterName = "xx"; f.ExtSuffix = str(".cp39-win_amd64.pyd") }),
		"old windows pyd":      with(pypy, func(f *Facts) { f.InterpreterName = "xx"; f.ExtSuffix = str(".pyd") }),
		"empty soabi":          with(pypy, func(f *Facts) { f.InterpreterName = "xx"; f.ExtSuffix = str("..so") }),
		"broken cpython soabi": with(pypy, func(f *Facts) { f.InterpreterName = "xx"; f.ExtSuffix = str(".cpython-.so") }),
		"no ext suffix":        with(pypy, func(f *Facts) { f.ExtSuffix = nil }),
	}
}

func TestSysTagsSyntheticDifferential(t *testing.T) {
	py := pyref.Default(t)
	facts := syntheticFacts()
	var names []string
	var list []Facts
	for name, f := range facts {
		names = append(names, name)
		list = append(list, f)
	}
	var want [][]string
	py.Run(t, syntheticSysTagsScript, list, &want)
	if len(want) != len(list) {
		t.Fatalf("reference answered %d cases, want %d", len(want), len(list))
	}
	// The replacements took effect: the reference is not describing this machine.
	expectFirst := map[string]string{
		"cp312 macos arm64":  "cp312-cp312-macosx_14_0_arm64",
		"cp313 ios":          "cp313-cp313-ios_17_2_arm64_iphoneos",
		"cp313 android":      "cp313-cp313-android_24_arm64_v8a",
		"cp312 musl":         "cp312-cp312-linux_aarch64",
		"cp38 windows debug": "cp38-cp38d-win_amd64",
		"pypy310":            "pp310-pypy310_pp73-linux_x86_64",
	}
	for i, name := range names {
		if first, ok := expectFirst[name]; ok && (len(want[i]) == 0 || want[i][0] != first) {
			t.Errorf("%s: packaging's tags start %q, want %s: the script did not stand in for the interpreter", name, want[i][:min(1, len(want[i]))], first)
		}
	}
	for i, f := range list {
		got, err := f.SysTags()
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("%s: SysTags gives %d tags, packaging fails", names[i], len(got))
		case want[i] != nil && err != nil:
			t.Errorf("%s: SysTags: %v; packaging gives %d tags", names[i], err, len(want[i]))
		case err == nil:
			checkSame(t, names[i], tagStrings(got), want[i])
		}
	}
	t.Logf("%d synthetic interpreters compared with packaging", len(list))
}
