//go:build !purego

#include "textflag.h"

// func copyRunsAVX2(dst, src []float32, runs, width, stride int)
TEXT ·copyRunsAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ src_base+24(FP), SI
	MOVQ runs+48(FP), CX
	MOVQ width+56(FP), DX
	MOVQ stride+64(FP), R8
	SHLQ $2, DX               // bytes per run
	SHLQ $2, R8               // bytes between runs in src
	LEAQ -32(DX), R9          // where a run's last eight start

runLoop:
	XORQ AX, AX

vecLoop:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	CMPQ    AX, R9
	JLE     vecLoop
	VMOVUPS (SI)(R9*1), Y0    // the last eight, again or for the first time
	VMOVUPS Y0, (DI)(R9*1)
	ADDQ    DX, DI
	ADDQ    R8, SI
	DECQ    CX
	JNZ     runLoop
	VZEROUPPER
	RET
