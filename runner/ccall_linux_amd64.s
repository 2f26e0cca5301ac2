//go:build linux && amd64

#include "textflag.h"

// ccall(DI *cArgs) is called by runtime.cgocall on the system stack, with
// the C ABI and the stack 16-byte aligned before the call: it loads the
// block's six arguments into the System V argument registers, calls fn
// (AL = 0: no vector registers, as a variadic function wants) and stores
// RAX in the block. The frame of 16 bytes and the saved BP keep the stack
// aligned for fn.
GLOBL ·ccallABI0(SB), NOPTR|RODATA, $8
DATA ·ccallABI0(SB)/8, $ccall(SB)
TEXT ccall(SB), NOSPLIT, $16
	MOVQ DI, 8(SP)
	MOVQ DI, R11
	MOVQ 8(R11), DI
	MOVQ 16(R11), SI
	MOVQ 24(R11), DX
	MOVQ 32(R11), CX
	MOVQ 40(R11), R8
	MOVQ 48(R11), R9
	MOVQ 0(R11), R10
	XORL AX, AX
	CALL R10
	MOVQ 8(SP), DI
	MOVQ AX, 56(DI)
	RET
