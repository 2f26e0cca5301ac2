//go:build !(linux && amd64)

package runner

// call calls the C function fn with integer arguments and returns its
// first result (GIL rules are the caller's).
//
//go:uintptrescapes
func call(fn uintptr, args ...uintptr) uintptr { return callPurego(fn, args...) }
