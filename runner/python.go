package runner

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Python is a libpython loaded into this process and initialised.
//
// A process can host one libpython only: its symbols and its runtime
// state are process-wide, and CPython cannot be initialised again after
// Py_FinalizeEx reliably (extension modules keep state). Load therefore
// returns the same *Python for the same library and refuses a different
// one; that record is the package's only process-wide state.
//
// The runner never calls Py_FinalizeEx: a call that ran past its timeout
// may still be running Python code in another thread, which finalisation
// would pull the interpreter from under (CPython has no safe way to stop
// it). Memory is given back when the process exits; Pool.Close flushes
// Python's sys.stdout and sys.stderr first, so no output is lost.
type Python struct {
	in      Interpreter
	lib     uintptr
	f       pyFuncs
	version [2]int
	// mainInterp is the main PyInterpreterState.
	mainInterp uintptr
	// unicodeType is &PyUnicode_Type, the type of every exact str.
	unicodeType uintptr
	// layout says where the hot paths read objects directly (objects.go).
	layout objectLayout

	// The main interpreter has one sys.path: the pools that use it
	// (IsolationThreads) must all run the same archive at a time.
	mainMu    sync.Mutex
	mainEnv   string
	mainPools int
}

// useMain reserves the main interpreter for env's pool.
func (py *Python) useMain(env *Env) error {
	py.mainMu.Lock()
	defer py.mainMu.Unlock()
	if py.mainPools > 0 && py.mainEnv != env.Dir {
		return fmt.Errorf("another pool runs a different archive (%s) in the main interpreter, which has one sys.path: close it first, or use sub-interpreters", py.mainEnv)
	}
	py.mainEnv = env.Dir
	py.mainPools++
	return nil
}

func (py *Python) releaseMain() {
	py.mainMu.Lock()
	py.mainPools--
	py.mainMu.Unlock()
}

// Interpreter returns what was loaded.
func (py *Python) Interpreter() Interpreter { return py.in }

// Version is the (major, minor) of the loaded libpython.
func (py *Python) Version() [2]int { return py.version }

var loaded struct {
	mu  sync.Mutex
	py  *Python
	lib string // realpath of the library
	err error
}

// ErrOtherPython is wrapped by Load's error when the process already
// hosts a different libpython.
var ErrOtherPython = errors.New("this process already hosts a different libpython")

// MinVersion is the oldest CPython the runner embeds: the PyConfig
// initialisation API appeared in 3.8.
var MinVersion = [2]int{3, 8}

// Load dlopens in.Library and initialises CPython with an isolated
// PyConfig (no environment variables, no user site directory, no signal
// handlers), with in.Executable as the program name so that CPython
// finds its prefix and standard library from it, as it does from argv[0].
// The module search path is then set per interpreter by NewPool (see
// there). Load returns the same *Python when called again with the same
// library and ErrOtherPython for another one.
//
// Nothing is linked against libpython at build time: a process that never
// calls Load needs no Python at all.
func Load(in Interpreter) (*Python, error) {
	if in.Version[0] < MinVersion[0] || (in.Version[0] == MinVersion[0] && in.Version[1] < MinVersion[1]) {
		return nil, fmt.Errorf("Python %d.%d is too old to embed: the runner needs %d.%d or later (PyConfig API)", in.Version[0], in.Version[1], MinVersion[0], MinVersion[1])
	}
	real, err := filepath.EvalSymlinks(in.Library)
	if err != nil {
		return nil, fmt.Errorf("libpython %s: %w", in.Library, err)
	}
	loaded.mu.Lock()
	defer loaded.mu.Unlock()
	if loaded.py != nil || loaded.err != nil {
		if loaded.lib != real {
			return nil, fmt.Errorf("%w (%s, Python %d.%d); it cannot load %s as well: run a separate clusterpack process for each Python version",
				ErrOtherPython, loaded.lib, loaded.py.version[0], loaded.py.version[1], real)
		}
		return loaded.py, loaded.err
	}
	py, err := load(in, real)
	loaded.py, loaded.lib, loaded.err = py, real, err
	if err != nil {
		loaded.py = nil
		loaded.err = nil // a failed dlopen may be retried with another library
		loaded.lib = ""
	}
	return py, err
}

// pyStatus is CPython's PyStatus, returned by value.
type pyStatus struct {
	Type     int32
	_        int32
	Func     uintptr
	ErrMsg   uintptr
	ExitCode int32
	_        int32
}

func (s pyStatus) err(what string) error {
	if s.Type == 0 {
		return nil
	}
	msg := cString(s.ErrMsg)
	if fn := cString(s.Func); fn != "" {
		msg = fn + ": " + msg
	}
	if s.Type == 2 {
		return fmt.Errorf("%s: CPython asked to exit with status %d %s", what, s.ExitCode, msg)
	}
	return fmt.Errorf("%s: %s", what, msg)
}

// pyInterpreterConfig is CPython 3.12's PyInterpreterConfig.
type pyInterpreterConfig struct {
	UseMainObmalloc            int32
	AllowFork                  int32
	AllowExec                  int32
	AllowThreads               int32
	AllowDaemonThreads         int32
	CheckMultiInterpExtensions int32
	GIL                        int32
}

const (
	pyFileInput = 257
	pyEvalInput = 258
	ownGIL      = 2
)

type pyFuncs struct {
	// Called through purego.RegisterLibFunc (rare calls).
	initializeFromConfig     func(cfg unsafe.Pointer) pyStatus
	preInitialize            func(pre unsafe.Pointer) pyStatus
	preConfigInitIsolated    func(pre unsafe.Pointer)
	configInitIsolated       func(cfg unsafe.Pointer)
	configSetBytesArgv       func(cfg unsafe.Pointer, argc int, argv unsafe.Pointer) pyStatus
	configClear              func(cfg unsafe.Pointer)
	newInterpreterFromConfig func(ts unsafe.Pointer, cfg unsafe.Pointer) pyStatus

	// Raw symbol addresses, called through purego.SyscallN (hot paths).
	saveThread, restoreThread, threadStateNew, threadStateClear, threadStateDeleteCurrent  uintptr
	interpreterStateMain, endInterpreter                                                   uintptr
	runStringFlags, importAddModule, moduleGetDict, dictGetItemString, objectGetAttrString uintptr
	callOneArg, callObject, tupleNew, tupleSetItem                                         uintptr
	unicodeFromStringAndSize, unicodeAsUTF8AndSize, unicodeSplit, listNew, gcUnTrack       uintptr
	decRef, incRef, errOccurred, errFetch, errNormalize, errClear                          uintptr
	dictSetItemString, objectStr, exceptionSetTraceback                                    uintptr
	gilStateEnsure, gilStateRelease, gilStateThisThread                                    uintptr
	threadIdent                                                                            uintptr // optional
}

func load(in Interpreter, real string) (*Python, error) {
	lib, err := purego.Dlopen(real, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("cannot load libpython %s: %w", real, err)
	}
	py := &Python{in: in, lib: lib, version: in.Version}
	f := &py.f
	var missing []string
	sym := func(name string) uintptr {
		p, err := purego.Dlsym(lib, name)
		if err != nil {
			missing = append(missing, name)
			return 0
		}
		return p
	}
	reg := func(fptr any, name string) {
		if p := sym(name); p != 0 {
			purego.RegisterFunc(fptr, p)
		}
	}
	reg(&f.initializeFromConfig, "Py_InitializeFromConfig")
	reg(&f.preInitialize, "Py_PreInitialize")
	reg(&f.preConfigInitIsolated, "PyPreConfig_InitIsolatedConfig")
	reg(&f.configInitIsolated, "PyConfig_InitIsolatedConfig")
	reg(&f.configSetBytesArgv, "PyConfig_SetBytesArgv")
	reg(&f.configClear, "PyConfig_Clear")
	f.saveThread = sym("PyEval_SaveThread")
	f.restoreThread = sym("PyEval_RestoreThread")
	f.threadStateNew = sym("PyThreadState_New")
	f.threadStateClear = sym("PyThreadState_Clear")
	f.threadStateDeleteCurrent = sym("PyThreadState_DeleteCurrent")
	f.interpreterStateMain = sym("PyInterpreterState_Main")
	f.endInterpreter = sym("Py_EndInterpreter")
	f.runStringFlags = sym("PyRun_StringFlags")
	f.importAddModule = sym("PyImport_AddModule")
	f.moduleGetDict = sym("PyModule_GetDict")
	f.dictGetItemString = sym("PyDict_GetItemString")
	f.objectGetAttrString = sym("PyObject_GetAttrString")
	f.callObject = sym("PyObject_CallObject")
	f.tupleNew = sym("PyTuple_New")
	f.tupleSetItem = sym("PyTuple_SetItem")
	f.unicodeFromStringAndSize = sym("PyUnicode_FromStringAndSize")
	f.unicodeAsUTF8AndSize = sym("PyUnicode_AsUTF8AndSize")
	f.unicodeSplit = sym("PyUnicode_Split")
	f.listNew = sym("PyList_New")
	f.gcUnTrack = sym("PyObject_GC_UnTrack")
	f.decRef = sym("Py_DecRef")
	f.incRef = sym("Py_IncRef")
	f.errOccurred = sym("PyErr_Occurred")
	f.errFetch = sym("PyErr_Fetch")
	f.errNormalize = sym("PyErr_NormalizeException")
	f.errClear = sym("PyErr_Clear")
	f.dictSetItemString = sym("PyDict_SetItemString")
	f.objectStr = sym("PyObject_Str")
	f.exceptionSetTraceback = sym("PyException_SetTraceback")
	f.gilStateEnsure = sym("PyGILState_Ensure")
	f.gilStateRelease = sym("PyGILState_Release")
	f.gilStateThisThread = sym("PyGILState_GetThisThreadState")
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s is not a usable libpython: it lacks %v", real, missing)
	}
	// Optional: 3.11+ exports PyObject_CallOneArg; 3.12+ per-interpreter GIL.
	f.callOneArg, _ = purego.Dlsym(lib, "PyObject_CallOneArg")
	f.threadIdent, _ = purego.Dlsym(lib, "PyThread_get_thread_ident")
	py.unicodeType, _ = purego.Dlsym(lib, "PyUnicode_Type")
	if p, err := purego.Dlsym(lib, "Py_NewInterpreterFromConfig"); err == nil {
		purego.RegisterFunc(&f.newInterpreterFromConfig, p)
	}

	errc := make(chan error, 1)
	go func() {
		// Initialisation happens on a locked OS thread; the main thread
		// state is then released (PyEval_SaveThread) and never used
		// again: every worker makes its own thread state on its own
		// locked thread. The thread stays locked (and so reserved) so
		// that the main thread state is never shared with a goroutine.
		runtime.LockOSThread()
		errc <- py.initialize()
		select {} // parks forever, holding the thread
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return py, nil
}

func (py *Python) initialize() error {
	// PyConfig's size and layout differ between versions; the buffer is
	// larger than any of them (under 600 bytes up to 3.13) and the API
	// functions set it up; the two fields written directly are written
	// only where the whole layout is the known one (pyconfig.go).
	pre := make([]byte, 4<<10)
	for i := range pre {
		pre[i] = configFill
	}
	py.f.preConfigInitIsolated(unsafe.Pointer(&pre[0]))
	if utf8Mode(pre) {
		st := py.f.preInitialize(unsafe.Pointer(&pre[0]))
		runtime.KeepAlive(pre)
		if err := st.err("pre-initialising Python " + py.in.Library + " in UTF-8 mode"); err != nil {
			return err
		}
	}
	cfg := make([]byte, 16<<10)
	for i := range cfg {
		cfg[i] = configFill
	}
	p := unsafe.Pointer(&cfg[0])
	py.f.configInitIsolated(p)
	configureExecutor(py.version, cfg) // else the bootstrap makes up for it
	// The program name (argv[0]) decides the prefix CPython computes:
	// the bundled libexec/pythonX.Y finds lib/pythonX.Y one level up; a
	// local interpreter finds its own installation.
	prog := append([]byte(py.in.Executable), 0)
	argv := [1]uintptr{uintptr(unsafe.Pointer(&prog[0]))}
	st := py.f.configSetBytesArgv(p, 1, unsafe.Pointer(&argv[0]))
	runtime.KeepAlive(prog)
	if err := st.err("setting the program name"); err != nil {
		py.f.configClear(p)
		return err
	}
	st = py.f.initializeFromConfig(p)
	py.f.configClear(p)
	runtime.KeepAlive(cfg)
	if err := st.err("initialising Python " + py.in.Library); err != nil {
		return err
	}
	py.mainInterp = call(py.f.interpreterStateMain)
	py.checkLayout()
	call(py.f.saveThread)
	return nil
}

// callPurego is purego.SyscallN returning the first result: call, where
// the runner has no trampoline of its own (ccall_linux_amd64.go).
//
//go:uintptrescapes
func callPurego(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}

func cString(p uintptr) string {
	if p == 0 {
		return ""
	}
	var b []byte
	for i := uintptr(0); ; i++ {
		c := *(*byte)(cPtr(p + i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// cstr returns a NUL-terminated copy of s; keep it alive across the call.
func cstr(s string) []byte { return append([]byte(s), 0) }

func ptr(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }

// cPtr turns an address of C memory into a pointer (C memory never moves).
func cPtr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
