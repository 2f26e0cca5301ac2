package tags

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Facts describes a real interpreter: what ProbeScript's
// clusterpack_tag_facts() returns, decoded with encoding/json. From it,
// SysTags computes the tags packaging.tags.sys_tags() gives in that
// interpreter. Pointers are nil where Python reported None.
type Facts struct {
	ImplementationName   string  `json:"implementation_name"`    // sys.implementation.name
	InterpreterName      string  `json:"interpreter_name"`       // packaging.tags.interpreter_name(): cp, pp, ...
	InterpreterVersion   string  `json:"interpreter_version"`    // packaging.tags.interpreter_version(): "312"
	PythonVersion        [2]int  `json:"python_version"`         // sys.version_info[:2]
	PyDebug              *bool   `json:"py_debug"`               // sysconfig Py_DEBUG
	HasGetTotalRefCount  bool    `json:"has_gettotalrefcount"`   // hasattr(sys, "gettotalrefcount")
	DebugExtensionSuffix bool    `json:"debug_extension_suffix"` // "_d.pyd" in EXTENSION_SUFFIXES
	PyGILDisabled        *bool   `json:"py_gil_disabled"`        // sysconfig Py_GIL_DISABLED
	WithPymalloc         *bool   `json:"with_pymalloc"`          // sysconfig WITH_PYMALLOC
	SOABI                *string `json:"soabi"`                  // sysconfig SOABI (informative)
	ExtSuffix            *string `json:"ext_suffix"`             // sysconfig EXT_SUFFIX
	System               string  `json:"system"`                 // platform.system()
	SysconfigPlatform    string  `json:"sysconfig_platform"`     // sysconfig.get_platform()
	Is32Bit              bool    `json:"is_32bit"`               // struct.calcsize("P") == 4

	// Linux only.
	GlibcVersion          *string  `json:"glibc_version"`          // "2.36"; nil without glibc
	ELFI686               bool     `json:"elf_i686"`               // sys.executable is 32-bit x86
	ELFArmHardFloat       bool     `json:"elf_arm_hard_float"`     // sys.executable is 32-bit ARM EABI5 hard-float
	ELFInterpreter        *string  `json:"elf_interpreter"`        // PT_INTERP of sys.executable
	MuslLoaderOutput      *string  `json:"musl_loader_output"`     // what the musl loader prints when run
	ManylinuxIncompatible []string `json:"manylinux_incompatible"` // "2_17_x86_64" vetoed by a _manylinux module

	// macOS, iOS, Android, Emscripten only.
	MacVersion                *[2]int `json:"mac_version"`                 // platform.mac_ver(), the real one when it says 10.16
	MacMachine                string  `json:"mac_machine"`                 // platform.mac_ver()[2]
	IOSVersion                *[2]int `json:"ios_version"`                 // platform.ios_ver().release
	Multiarch                 string  `json:"multiarch"`                   // sys.implementation._multiarch
	AndroidAPILevel           *int    `json:"android_api_level"`           // platform.android_ver().api_level
	EmscriptenPlatformVersion string  `json:"emscripten_platform_version"` // sysconfig PYEMSCRIPTEN_PLATFORM_VERSION
}

// SysTags returns the tags the interpreter accepts, best first, equal to
// list(packaging.tags.sys_tags()) under packaging 26.3 in that interpreter.
// It fails when the facts are incomplete in a way packaging would fail on
// (a non-CPython without a usable EXT_SUFFIX) or cannot compute at all.
func (f Facts) SysTags() ([]Tag, error) {
	platforms, err := f.platforms()
	if err != nil {
		return nil, err
	}
	var out []Tag
	if f.InterpreterName == "cp" {
		out = CPythonTags(f.PythonVersion, f.cpythonABIs(), platforms)
	} else {
		abis, err := f.genericABIs()
		if err != nil {
			return nil, err
		}
		out = GenericTags(f.InterpreterName+f.InterpreterVersion, abis, platforms)
	}
	interpreter := ""
	switch f.InterpreterName {
	case "pp":
		interpreter = "pp3"
	case "cp":
		interpreter = "cp" + f.InterpreterVersion
	}
	return append(out, CompatibleTags(f.PythonVersion, interpreter, platforms)...), nil
}

// cpythonABIs is packaging's _cpython_abis for the interpreter (CPython 3.3
// and later; the UCS-4 flag of older versions is not modelled).
func (f Facts) cpythonABIs() []string {
	version := versionNodot(f.PythonVersion)
	debug, threading, pymalloc := "", "", ""
	if (f.PyDebug != nil && *f.PyDebug) || (f.PyDebug == nil && (f.HasGetTotalRefCount || f.DebugExtensionSuffix)) {
		debug = "d"
	}
	if !versionLess(f.PythonVersion, [2]int{3, 13}) && f.PyGILDisabled != nil && *f.PyGILDisabled {
		threading = "t"
	}
	var abis []string
	if versionLess(f.PythonVersion, [2]int{3, 8}) {
		if f.WithPymalloc == nil || *f.WithPymalloc {
			pymalloc = "m"
		}
	} else if debug != "" {
		// Debug builds can also load normal extension modules.
		abis = append(abis, "cp"+version+threading)
	}
	return append([]string{"cp" + version + threading + debug + pymalloc}, abis...)
}

// genericABIs is packaging's _generic_abi: the ABI named in EXT_SUFFIX.
func (f Facts) genericABIs() ([]string, error) {
	if f.ExtSuffix == nil || !strings.HasPrefix(*f.ExtSuffix, ".") {
		return nil, fmt.Errorf("interpreter %s%s: EXT_SUFFIX %s does not start with \".\"",
			f.InterpreterName, f.InterpreterVersion, quoteOrNone(f.ExtSuffix))
	}
	parts := strings.Split(*f.ExtSuffix, ".")
	if len(parts) < 3 {
		return f.cpythonABIs(), nil // ".pyd" of CPython 3.7 and earlier on Windows
	}
	soabi := parts[1]
	var abi string
	switch {
	case strings.HasPrefix(soabi, "cpython"):
		fields := strings.Split(soabi, "-")
		if len(fields) < 2 || fields[1] == "" {
			return nil, fmt.Errorf("interpreter %s%s: EXT_SUFFIX %q has no version after \"cpython-\"",
				f.InterpreterName, f.InterpreterVersion, *f.ExtSuffix)
		}
		abi = "cp" + fields[1]
	case strings.HasPrefix(soabi, "cp"):
		abi, _, _ = strings.Cut(soabi, "-")
	case strings.HasPrefix(soabi, "pypy"):
		abi = joinFirst(soabi, 2)
	case strings.HasPrefix(soabi, "graalpy"):
		abi = joinFirst(soabi, 3)
	case soabi != "":
		abi = soabi
	default:
		return nil, nil
	}
	return []string{normalizePlatform(abi)}, nil
}

// joinFirst keeps the first n "-"-separated fields of s.
func joinFirst(s string, n int) string {
	fields := strings.Split(s, "-")
	return strings.Join(fields[:min(n, len(fields))], "-")
}

func quoteOrNone(s *string) string {
	if s == nil {
		return "None"
	}
	return strconv.Quote(*s)
}

// normalizePlatform is packaging's _normalize_string: ".", "-" and " " become "_".
func normalizePlatform(s string) string {
	return strings.NewReplacer(".", "_", "-", "_", " ", "_").Replace(s)
}

// platforms is packaging's platform_tags() for the interpreter's system.
func (f Facts) platforms() ([]string, error) {
	switch f.System {
	case "Darwin":
		if f.MacVersion == nil {
			return nil, fmt.Errorf("interpreter %s%s on macOS: the facts lack mac_version", f.InterpreterName, f.InterpreterVersion)
		}
		return MacPlatforms(*f.MacVersion, macArch(f.MacMachine, f.Is32Bit)), nil
	case "iOS":
		if f.IOSVersion == nil {
			return nil, fmt.Errorf("interpreter %s%s on iOS: the facts lack ios_version", f.InterpreterName, f.InterpreterVersion)
		}
		return iosPlatforms(*f.IOSVersion, f.Multiarch), nil
	case "Android":
		if f.AndroidAPILevel == nil {
			return nil, fmt.Errorf("interpreter %s%s on Android: the facts lack android_api_level", f.InterpreterName, f.InterpreterVersion)
		}
		parts := strings.Split(f.SysconfigPlatform, "-")
		return androidPlatforms(*f.AndroidAPILevel, parts[len(parts)-1]), nil
	case "Linux":
		return f.linuxPlatforms(), nil
	case "Emscripten":
		var out []string
		if f.EmscriptenPlatformVersion != "" {
			out = append(out, "pyemscripten_"+f.EmscriptenPlatformVersion+"_wasm32")
		}
		return append(out, normalizePlatform(f.SysconfigPlatform)), nil
	}
	return []string{normalizePlatform(f.SysconfigPlatform)}, nil
}

// linuxPlatforms is packaging's _linux_platforms for the interpreter.
func (f Facts) linuxPlatforms() []string {
	linux := normalizePlatform(f.SysconfigPlatform)
	arch, ok := strings.CutPrefix(linux, "linux_")
	if !ok {
		return []string{linux}
	}
	if f.Is32Bit {
		switch arch {
		case "x86_64":
			arch = "i686"
		case "aarch64":
			arch = "armv8l"
		}
	}
	abiOK := true
	switch {
	case arch == "armv8l" || arch == "armv7l":
		abiOK = f.ELFArmHardFloat
	case arch == "i686":
		abiOK = f.ELFI686
	}
	var glibc *[2]int
	if f.GlibcVersion != nil {
		v := parseGlibcVersion(*f.GlibcVersion)
		glibc = &v
	}
	return linuxPlatforms(arch, glibc, f.muslVersion(), abiOK, f.ManylinuxIncompatible)
}

var glibcVersion = regexp.MustCompile(`^([0-9]+)\.([0-9]+)`)

// parseGlibcVersion reads "major.minor" from the start of a glibc version,
// ignoring what follows ("2.20-2014.11"); a version it cannot read is
// (-1, -1), which no manylinux tag accepts.
func parseGlibcVersion(s string) [2]int {
	m := glibcVersion.FindStringSubmatch(s)
	if m == nil {
		return [2]int{-1, -1}
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return [2]int{-1, -1}
	}
	return [2]int{major, minor}
}

var muslVersion = regexp.MustCompile(`^Version ([0-9]+)\.([0-9]+)`)

// muslVersion reads the version the musl loader printed ("musl libc
// (x86_64)\nVersion 1.2.2\n..."), nil when the interpreter is not linked
// against musl.
func (f Facts) muslVersion() *[2]int {
	if f.ELFInterpreter == nil || !strings.Contains(*f.ELFInterpreter, "musl") || f.MuslLoaderOutput == nil {
		return nil
	}
	return parseMuslVersion(*f.MuslLoaderOutput)
}

// parseMuslVersion is packaging's _parse_musl_version.
func parseMuslVersion(output string) *[2]int {
	var lines []string
	for _, line := range strings.Split(output, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "musl") {
		return nil
	}
	m := muslVersion.FindStringSubmatch(lines[1])
	if m == nil {
		return nil
	}
	major, err1 := strconv.Atoi(m[1])
	minor, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return nil
	}
	return &[2]int{major, minor}
}

// iosPlatforms is packaging's ios_platforms: the version itself, its earlier
// minor versions, then x.9 down to x.0 for every major version down to 12.
func iosPlatforms(version [2]int, multiarch string) []string {
	multiarch = strings.ReplaceAll(multiarch, "-", "_")
	if version[0] < 12 {
		return nil
	}
	out := []string{fmt.Sprintf("ios_%d_%d_%s", version[0], version[1], multiarch)}
	for minor := version[1] - 1; minor >= 0; minor-- {
		out = append(out, fmt.Sprintf("ios_%d_%d_%s", version[0], minor, multiarch))
	}
	for major := version[0] - 1; major > 11; major-- {
		for minor := 9; minor >= 0; minor-- {
			out = append(out, fmt.Sprintf("ios_%d_%d_%s", major, minor, multiarch))
		}
	}
	return out
}

// androidPlatforms is packaging's android_platforms: API levels from the
// device's down to 16.
func androidPlatforms(apiLevel int, abi string) []string {
	abi = normalizePlatform(abi)
	var out []string
	for level := apiLevel; level >= 16; level-- {
		out = append(out, fmt.Sprintf("android_%d_%s", level, abi))
	}
	return out
}
