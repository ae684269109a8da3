//go:build !purego

#include "textflag.h"

// The AVX2 kernels do what the SSE2 ones of vecmath_amd64.s do, eight
// values at a time: the same operations in the same order, none fused, so
// that the results are the scalar loops' bits. Each constant of fastConsts
// is broadcast from the first of its four lanes.

// EXP8 sets Y2 = e^Y0, using Y0-Y6.
#define EXP8(c) \
	VBROADCASTSS 0(c), Y1; \
	VMAXPS       Y0, Y1, Y1 /* max(expMin, x), x when x is NaN */; \
	VBROADCASTSS 16(c), Y0; \
	VMINPS       Y1, Y0, Y0 /* min(expMax, ·) */; \
	VBROADCASTSS 32(c), Y1; \
	VMULPS       Y0, Y1, Y1 /* x·log₂e */; \
	VBROADCASTSS 48(c), Y2; \
	VADDPS       Y2, Y1, Y1; \
	VSUBPS       Y2, Y1, Y1 /* k, rounded to an integer */; \
	VCVTTPS2DQ   Y1, Y3; \
	VBROADCASTSS 64(c), Y4; \
	VMULPS       Y1, Y4, Y4; \
	VSUBPS       Y4, Y0, Y0; \
	VBROADCASTSS 80(c), Y4; \
	VMULPS       Y1, Y4, Y4; \
	VSUBPS       Y4, Y0, Y0 /* r = x − k·ln2Hi − k·ln2Lo */; \
	VMULPS       Y0, Y0, Y1 /* r² */; \
	VBROADCASTSS 96(c), Y2; \
	VADDPS       Y0, Y2, Y2 /* 1 + r */; \
	VBROADCASTSS 128(c), Y4; \
	VMULPS       Y0, Y4, Y4; \
	VBROADCASTSS 112(c), Y5; \
	VADDPS       Y4, Y5, Y5; \
	VMULPS       Y1, Y5, Y5 /* r²·(1/2 + r/6) */; \
	VADDPS       Y5, Y2, Y2; \
	VBROADCASTSS 160(c), Y4; \
	VMULPS       Y0, Y4, Y4; \
	VBROADCASTSS 144(c), Y5; \
	VADDPS       Y4, Y5, Y5; \
	VBROADCASTSS 176(c), Y4; \
	VMULPS       Y1, Y4, Y4; \
	VADDPS       Y4, Y5, Y5 /* (1/24 + r/120) + r²/720 */; \
	VMULPS       Y1, Y1, Y6; \
	VMULPS       Y5, Y6, Y6 /* r⁴·(…) */; \
	VADDPS       Y6, Y2, Y2 /* p */; \
	VPBROADCASTD 192(c), Y4; \
	VPADDD       Y3, Y4, Y4; \
	VPSLLD       $23, Y4, Y4 /* 2^k */; \
	VMULPS       Y4, Y2, Y2

// func expAVX2(v []float32, c *[16][4]float32)
TEXT ·expAVX2(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $3, CX
	JZ   expDone

expLoop:
	VMOVUPS (SI), Y0
	EXP8(DX)
	VMOVUPS Y2, (SI)
	ADDQ    $32, SI
	DECQ    CX
	JNZ     expLoop
	VZEROUPPER

expDone:
	RET

// func sigmoidAVX2(v []float32, c *[16][4]float32)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $3, CX
	JZ   sigmoidDone

sigmoidLoop:
	VMOVUPS      (SI), Y0
	VBROADCASTSS 208(DX), Y7
	VXORPS       Y7, Y0, Y0 // −v
	EXP8(DX)
	VBROADCASTSS 96(DX), Y3
	VADDPS       Y3, Y2, Y2 // 1 + e
	VDIVPS       Y2, Y3, Y3 // 1/(1 + e)
	VMOVUPS      Y3, (SI)
	ADDQ         $32, SI
	DECQ         CX
	JNZ          sigmoidLoop
	VZEROUPPER

sigmoidDone:
	RET

// func tanhAVX2(v []float32, c *[16][4]float32)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-32
	MOVQ v_base+0(FP), SI
	MOVQ v_len+8(FP), CX
	MOVQ c+24(FP), DX
	SHRQ $3, CX
	JZ   tanhDone

tanhLoop:
	VMOVUPS      (SI), Y0
	VBROADCASTSS 224(DX), Y7
	VMULPS       Y7, Y0, Y0 // −2·v
	EXP8(DX)
	VBROADCASTSS 96(DX), Y3
	VADDPS       Y3, Y2, Y2 // 1 + e
	VBROADCASTSS 240(DX), Y4
	VDIVPS       Y2, Y4, Y4 // 2/(1 + e)
	VSUBPS       Y3, Y4, Y4 // − 1
	VMOVUPS      Y4, (SI)
	ADDQ         $32, SI
	DECQ         CX
	JNZ          tanhLoop
	VZEROUPPER

tanhDone:
	RET

// func cpuid(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func xgetbv() (a, d uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, a+0(FP)
	MOVL DX, d+4(FP)
	RET
