// Package runner hosts CPython inside the clusterpack process, as JEP and
// PEMJA do inside the JVM, to check and run an environment archive before
// it ships: it imports and runs the archive's code on this machine, so
// that a broken environment fails on the laptop or in CI rather than on
// every executor of the cluster.
//
// # Use
//
//	env, _ := runner.OpenArchive(ctx, "env-<hash>.zip", runner.OpenOptions{CacheDir: dir})
//	rep, _ := runner.Check(ctx, env, runner.CheckOptions{})           // check
//
// Run opens an archive, loads a libpython and drives a pool of workers
// for one call, or for one call per row, handing the results over in
// order:
//
//	stats, err := runner.Run(ctx, "env-<hash>.zip", runner.Call{Function: "mod:fn"}, runner.RunOptions{
//		Open: runner.OpenOptions{CacheDir: dir}, Pool: runner.PoolOptions{Workers: 2, Timeout: time.Second},
//		Setup: []string{"import mod"}, Rows: runner.JSONLines(f), OnResult: emit, Progress: os.Stderr})
//
// or the same by hand:
//
//	in, _ := runner.FindInterpreter(ctx, env, runner.FindOptions{})
//	py, _ := runner.Load(*in)
//	pool, _ := runner.NewPool(ctx, py, env, runner.PoolOptions{Workers: 2, Timeout: time.Second})
//	res, _ := pool.Do(ctx, runner.Call{Eval: "__import__('os').getpid()"}, runner.ModeAny)
//	pool.Map(ctx, runner.Call{Function: "mod:fn"}, runner.JSONLines(f), emit, runner.MapOptions{})
//
// # Layered environments
//
// A layered environment (build --layers) is a base archive and layer
// archives. Locate finds them from a build manifest, from a base with its
// manifest beside it, or from a pex base's PEX-INFO; OpenEnvironment opens
// each into the cache on its own (OpenArchive, keyed by sha256, so a layer
// that several environments share is unpacked once) and returns one Env
// of the union, which Check, NewPool and Run take as any other: the
// static part and the imports cover every archive's distributions, and
// sys.path holds the base's site directories then each layer's. A venv
// base puts its layers on sys.path itself through a .pth hook that looks
// for them beside it; the runner names the site directories through a
// directory of symlinks where base and layers are siblings as on a node,
// and puts them all on sys.path before any .pth file runs, so that the
// hook finds them there and stays quiet, and each layer's own .pth files
// run once.
//
// # Embedding
//
// libpython is opened with dlopen through github.com/ebitengine/purego:
// nothing links against it, and the binary builds and runs with
// CGO_ENABLED=0. Load initialises it with PyConfig_InitIsolatedConfig
// (no environment variables, no user site, no signal handlers, so Go
// keeps its own) and PyConfig_SetBytesArgv with the interpreter's
// executable as argv[0]: CPython derives its prefix, and so its standard
// library, from the program name, which works for a pyenv or system
// interpreter and for the archive's bundled libexec/pythonX.Y alike.
// site is off at start-up (site_import = 0, as python -S), so that no .pth
// file of the base interpreter's site-packages runs, and the standard
// streams unbuffered (buffered_stdio = 0, as python -u and a Spark
// executor's PYTHONUNBUFFERED), so that a call needs no flush after it and
// a crash loses nothing printed, after a pre-initialisation in UTF-8 mode
// (PyPreConfig.utf8_mode = 1, as python -X utf8: the process has no
// locale, and an isolated CPython would otherwise be ASCII): the fields
// written by offset, only into configurations whose bytes are the known
// ones of their version (pyconfig.go). sys.path is then set in
// each interpreter by a bootstrap run with PyRun_StringFlags
// (bootstrap.py): the archive's site directories are added with
// site.addsitedir (.pth files processed), then the builtins site adds and
// the archive's sitecustomize, as in a virtual environment. On a CPython
// whose configuration is not a known one, site runs at start-up; the
// bootstrap then removes the base site-packages from sys.path and forgets
// the modules its .pth files imported, with the import hooks they added.
//
// A C call through purego costs about 100 ns, as much as a short Python
// call, so the hot paths make few: Map's rows of a function run in
// batches with one C call per row, the call itself (rowbatch.go: the
// batch's strs made together, ASCII str results read in place, the
// results released with the batch), and a Do call of a function with one
// str runs on the caller's thread (inline.go) with its references
// released some calls at a time. Reading an object's memory is what C
// extensions do through CPython's macros; the layouts (objects.go) are
// those of 3.9-3.13, checked against the API when the interpreter starts
// and not used if they disagree. A function named in a Call is looked up
// again on every call, as PEMJA's invoke looks up its name: a module
// seen whole is not imported again, only its attributes are read, so a
// rebound function is called at once.
//
// Every call into Python happens on a worker goroutine locked to its OS
// thread, holding that worker's thread state; the GIL is released
// (PyEval_SaveThread) whenever the worker has nothing queued. One
// exception: a Pool.Do call with no timeout and a ctx that cannot be
// cancelled, on a pool of threads, runs on the caller's own thread
// (locked for the call, with a thread state of its own from
// PyGILState_Ensure, kept for the thread) in the namespace of an idle worker, which saves the
// two thread hand-offs that cost more than a short call (PEMJA's
// pattern, one call at a time). Data crosses the boundary as JSON
// strings (json.loads/json.dumps inside Python); MapOptions.Raw passes
// str rows straight to the function (PyObject_CallOneArg), the fast
// path, and a function call whose arguments are one plain-text string
// (printable ASCII without quotes or backslashes) gets it as a str
// without JSON, its str result coming back the same way.
//
// Workers: on Python 3.12+ with more than one worker, each worker is a
// sub-interpreter with its own GIL (Py_NewInterpreterFromConfig; purego
// returns PyStatus by value). Extension modules with single-phase
// initialisation cannot be imported there; IsolationThreads runs workers
// as threads of the main interpreter instead (one GIL, shared modules,
// one namespace per worker), which is also what older versions get.
// Check always imports in the main interpreter.
//
// # Values
//
// Results are JSON (Result.Value). JSON has no NaN or Infinity: they are
// written as the strings "NaN", "Infinity" and "-Infinity", as Spark's
// JSON writer has them, at any depth. Tuples, sets and frozensets are
// lists, bytes UTF-8 text, objects with tolist() (NumPy arrays and
// scalars) what it returns. Any other object is an error, a TypeError
// naming its type ("a value of type mod.Cls cannot be written as JSON"),
// never its repr(); with rows it is that row's record and the run goes on.
// A value's JSON text is copied once from Python into Go and never decoded
// or validated again; Result.WriteJSON writes a record with one Write, and
// a value over 1 MiB in place without another copy: a 1 GiB result peaks
// at about twice its size in memory.
//
// Call.Vars are bound for the call only: after it the names are removed,
// or get back the values they had before. Call.Out names variables to read
// back after a call (Result.Vars), the way to get state out of statements:
//
//	res, _ := pool.Do(ctx, runner.Call{Exec: []string{"n = len(open('f').read())"}, Out: []string{"n"}}, runner.ModeAny)
//	n := res[0].Vars["n"]
//
// # Arrays without copying
//
// Call.Arrays hands Go slices to Python over the same memory, never a
// copy (Pool.Do and Run without rows, in this process):
//
//	xs := []float64{1, 2, 3}
//	res, _ := pool.Do(ctx, runner.Call{Function: "udfs:mean_fn", Arrays: map[string]runner.Array{"v": runner.Float64s(xs)}}, runner.ModeAny)
//
// The memory is pinned (runtime.Pinner) and wrapped in a writable
// memoryview (PyMemoryView_FromMemory); Python gets a NumPy array over
// it (numpy.frombuffer, float64 or int64), writes included, as a keyword
// argument of Function or a variable of Eval/Exec. Without NumPy in the
// archive it gets the memoryview cast to format 'd' or 'q' (indexing,
// len, tolist and slicing work). An array is valid during the call only:
// the value is written as JSON before the call ends (returning the array
// itself is fine), then the runner releases its views and checks that
// nothing else reaches the memory (every view of it, NumPy's included,
// references the memoryview's one managed buffer; a garbage collection
// runs first when something does, for tracebacks in reference cycles).
// When nothing does, the memory is unpinned and Python holds no pointer
// into it. A kept typed memoryview is released, so it raises ValueError
// when used later. A kept NumPy view (a global, a closure, a container)
// cannot be revoked: the call's Result is then an error of type
// "ArrayRetained" naming the array and telling to keep x.copy() instead,
// and the memory stays pinned, so never freed under the view, until a
// later array call of the same worker finds the view gone; until then the
// caller must treat the slice as shared with Python. A call past the
// timeout keeps its arrays pinned, and in use by Python, until it
// returns (its late result). Raw addresses taken in Python
// (x.ctypes.data) are beyond what the runner can see.
//
// RunArrow (run --input FILE.arrow) calls a function once per record batch
// of an Arrow IPC stream or file, as Spark hands batches to a pandas UDF:
// Go reads the file's framing only (the batch count, ReadArrowFile); each
// worker memory-maps the file with pyarrow and passes the batch as a
// pandas DataFrame (split_blocks=True, so numeric columns without nulls
// are views of the mapping), a pandas Series per column or the
// pyarrow.RecordBatch. Each batch is a row of Map: one Result per batch,
// Index its index, with the rules of rows (exceptions, timeouts).
//
// sys.path holds the standard library and the archive's site directories
// only: the interpreter runs isolated, without PYTHONPATH or the current
// directory; PoolOptions.Path puts the user's own directories first.
//
// # What cannot be survived or stopped
//
// Exceptions in user code, SystemExit (sys.exit) and KeyboardInterrupt are
// results: the run goes on. A call past its timeout cannot be stopped:
// CPython has no safe way to stop another thread's Python code
// (PyThreadState_SetAsyncExc is only seen between bytecodes, never in a
// sleep, a lock or C code). Its placeholder (Straggler, Error type
// "Timeout", naming the row and the worker) takes its place in the output
// at once; the worker is abandoned, ends when the call returns (the late
// result goes to PoolOptions.OnStraggler), and a fresh worker, which runs
// Run's set-up statements again, takes its place, up to
// PoolOptions.MaxWorkers alive. When none may start, the queued calls are
// "NotRun" records, so a run always ends: Run waits RunOptions.Grace for
// stragglers, counts those still running as MapStats.Unfinished, names
// them on Progress and returns; their threads end with the process.
//
// os._exit, a crash in an extension module (SIGSEGV) or os.abort end the
// whole process, as they would end the Python process they ran in.
// faulthandler is enabled (in the main interpreter too, which is where a
// sub-interpreter's crash is reported), so the Python traceback of every
// thread is on standard error first, or on PoolOptions.CrashFD; Map hands
// each result to OnResult on the goroutine that completed it as soon as
// every earlier row is done, so that an OnResult that writes each record
// at once loses no row that was done and in order; and
// PoolOptions.Tracker is told which row each worker runs, so that a
// process supervising this one can name the row that crashed (the run
// command does, through internal/journal's shared memory). RunOptions.Processes runs the
// workers in child processes instead (ServeWorker; run --isolate): a
// crash then costs its call only, a Result with Error type "Crash" whose
// Traceback is what faulthandler wrote, and a call past the timeout is
// stopped for good by killing its process; a fresh process takes the
// place of either. Python is never finalised (see Python), so Pool.Close
// flushes sys.stdout/sys.stderr (where they are not CPython's own
// unbuffered streams).
//
// # Tests
//
// A process hosts one libpython, so the tests that embed Python run in
// child processes of the test binary, one per CPython 3.9-3.13 from
// internal/testing/pyref (TestCPython; CLUSTERPACK_RUNNER_PYTHON selects the
// version in the child). TestThroughput with CLUSTERPACK_RUNNER_BENCH=1
// logs calls/s of str.upper against a subprocess-per-batch baseline.
package runner
