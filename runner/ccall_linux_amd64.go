//go:build linux && amd64

package runner

import "unsafe"

// The runner's hot paths make a C call for each row and several for each
// Pool.Do, of functions with at most three integer arguments; purego's
// SyscallN, made for any C function, fills a block of 50 words (32
// arguments, 8 floating-point registers) from a sync.Pool for each and
// copies them all to the C stack, about as long as the call itself. ccall
// (ccall_linux_amd64.s) takes a block of eight words instead, on the Go
// stack, and loads six argument registers: the rest of the call, the
// switch to the system stack and back, is runtime.cgocall, as for purego.

// cArgs is the block ccall reads: the C function, up to six integer
// arguments, and the result it writes.
type cArgs struct {
	fn uintptr
	a  [6]uintptr
	r  uintptr
}

// ccallABI0 is the address of ccall, a function of the C ABI.
var ccallABI0 uintptr

// runtimeCgocall runs fn(arg) on the system stack with the C ABI, the
// goroutine counted as in a system call meanwhile (the runtime's entry
// for purego and others; its arg stays where it is until it returns).
//
//go:linkname runtimeCgocall runtime.cgocall
//go:noescape
func runtimeCgocall(fn uintptr, arg unsafe.Pointer) int32

// call calls the C function fn with integer arguments and returns its
// first result (GIL rules are the caller's).
//
//go:uintptrescapes
func call(fn uintptr, args ...uintptr) uintptr {
	if len(args) > len(cArgs{}.a) {
		return callPurego(fn, args...)
	}
	c := cArgs{fn: fn}
	copy(c.a[:], args)
	runtimeCgocall(ccallABI0, unsafe.Pointer(&c))
	return c.r
}
