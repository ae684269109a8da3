//go:build !purego

#include "textflag.h"

// The kernels below apply Exp, sigmoid and tanh32 to four values at a
// time with SSE2 (every amd64 has it), doing the scalar loops' operations in
// their order, so that the results are the same bits (TestVectorFastMath).
// The constants come from fastConsts, 16 bytes each, loaded unaligned.

// EXP sets X2 = e^X0, using X0-X6.
#define EXP(c) \
	MOVUPS 0(c), X1; \
	MAXPS  X0, X1 /* max(expMin, x), x when x is NaN */; \
	MOVUPS 16(c), X0; \
	MINPS  X1, X0 /* min(expMax, ·) */; \
	MOVUPS 32(c), X1; \
	MULPS  X0, X1 /* x·log₂e */; \
	MOVUPS 48(c), X2; \
	ADDPS  X2, X1; \
	SUBPS  X2, X1 /* k, rounded to an integer */; \
	CVTTPS2PL X1, X3; \
	MOVUPS 64(c), X4; \
	MULPS  X1, X4; \
	SUBPS  X4, X0; \
	MOVUPS 80(c), X4; \
	MULPS  X1, X4; \
	SUBPS  X4, X0 /* r = x − k·ln2Hi − k·ln2Lo */; \
	MOVAPS X0, X1; \
	MULPS  X0, X1 /* r² */; \
	MOVUPS 96(c), X2; \
	ADDPS  X0, X2 /* 1 + r */; \
	MOVUPS 128(c), X4; \
	MULPS  X0, X4; \
	MOVUPS 112(c), X5; \
	ADDPS  X4, X5; \
	MULPS  X1, X5 /* r²·(1/2 + r/6) */; \
	ADDPS  X5, X2; \
	MOVUPS 160(c), X4; \
	MULPS  X0, X4; \
	MOVUPS 144(c), X5; \
	ADDPS  X4, X5; \
	MOVUPS 176(c), X4; \
	MULPS  X1, X4; \
	ADDPS  X4, X5 /* (1/24 + r/120) + r²/720 */; \
	MOVAPS X1, X6; \
	MULPS  X1, X6; \
	MULPS  X5, X6 /* r⁴·(…) */; \
	ADDPS  X6, X2 /* p */; \
	MOVUPS 192(c), X4; \
	PADDL  X3, X4; \
	PSLLL  $23, X4 /* 2^k */; \
	MULPS  X4, X2

// func expSSE(v []float32, c *[16][4]float32)
TEXT ·expSSE(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $2, CX
	JZ   expDone

expLoop:
	MOVUPS (SI), X0
	EXP(DX)
	MOVUPS X2, (SI)
	ADDQ   $16, SI
	DECQ   CX
	JNZ    expLoop

expDone:
	RET

// func sigmoidSSE(v []float32, c *[16][4]float32)
TEXT ·sigmoidSSE(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $2, CX
	JZ   sigmoidDone

sigmoidLoop:
	MOVUPS (SI), X0
	MOVUPS 208(DX), X7
	XORPS  X7, X0 // −v
	EXP(DX)
	MOVUPS 96(DX), X3
	ADDPS  X3, X2 // 1 + e
	DIVPS  X2, X3 // 1/(1 + e)
	MOVUPS X3, (SI)
	ADDQ   $16, SI
	DECQ   CX
	JNZ    sigmoidLoop

sigmoidDone:
	RET

// func tanhSSE(v []float32, c *[16][4]float32)
TEXT ·tanhSSE(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $2, CX
	JZ   tanhDone

tanhLoop:
	MOVUPS (SI), X0
	MOVUPS 224(DX), X7
	MULPS  X7, X0 // −2·v
	EXP(DX)
	MOVUPS 96(DX), X3
	ADDPS  X3, X2 // 1 + e
	MOVUPS 240(DX), X4
	DIVPS  X2, X4 // 2/(1 + e)
	SUBPS  X3, X4 // − 1
	MOVUPS X4, (SI)
	ADDQ   $16, SI
	DECQ   CX
	JNZ    tanhLoop

tanhDone:
	RET
