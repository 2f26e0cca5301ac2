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
// # Embedding
//
// libpython is opened with dlopen through github.com/ebitengine/purego:
// nothing links against it, and the binary builds and runs with
// CGO_ENABLED=0. Load initialises it with PyConfig_InitIsolatedConfig
// (no environment variables, no user site, no signal handlers, so Go
// keeps its own) and PyConfig_SetBytesArgv with the interpreter's
// executable as argv[0]: CPython derives its prefix, and so its standard
// library, from the program name, which works for a pyenv or system
// interpreter and for the archive's bundled libexec/pythonX.Y alike. No
// PyConfig field is written by offset (the struct changes every version).
// sys.path is then set in each interpreter by a bootstrap run with
// PyRun_StringFlags (bootstrap.py): the base interpreter's site-packages
// are removed and the archive's site directories added with
// site.addsitedir (.pth files processed). Modules the base interpreter's
// own .pth files imported during initialisation stay imported.
//
// Every call into Python happens on a worker goroutine locked to its OS
// thread, holding that worker's thread state; the GIL is released
// (PyEval_SaveThread) whenever the worker has nothing queued. Data
// crosses the boundary as JSON strings (json.loads/json.dumps inside
// Python); MapOptions.Raw passes str rows straight to the function
// (PyObject_CallOneArg), the fast path.
//
// Workers: on Python 3.12+ with more than one worker, each worker is a
// sub-interpreter with its own GIL (Py_NewInterpreterFromConfig; purego
// returns PyStatus by value). Extension modules with single-phase
// initialisation cannot be imported there; IsolationThreads runs workers
// as threads of the main interpreter instead (one GIL, shared modules,
// one namespace per worker), which is also what older versions get.
// Check always imports in the main interpreter.
//
// # What cannot be survived or stopped
//
// Exceptions in user code, SystemExit (sys.exit) and KeyboardInterrupt are
// results: the run goes on. os._exit, a crash in an extension module
// (SIGSEGV) or os.abort end the whole process, as they would end the
// Python process they ran in. A call past its timeout cannot be stopped
// (CPython has no safe way to stop another thread's Python code): it is
// reported as a straggler, its worker stays busy until it returns, and
// its late result goes to PoolOptions.OnStraggler. Python is never
// finalised (see Python), so Pool.Close flushes sys.stdout/sys.stderr.
//
// # Tests
//
// A process hosts one libpython, so the tests that embed Python run in
// child processes of the test binary, one per CPython 3.9-3.13 from
// internal/testing/pyref (TestCPython; CLUSTERPACK_RUNNER_PYTHON selects the
// version in the child). TestThroughput with CLUSTERPACK_RUNNER_BENCH=1
// logs calls/s of str.upper against a subprocess-per-batch baseline.
package runner
