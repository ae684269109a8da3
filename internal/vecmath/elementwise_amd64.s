//go:build !purego

#include "textflag.h"
#include "gomin_amd64.h"

// SIGN sets the lanes of y to the sign bit, using r.
#define SIGN(r, x, y) \
	MOVL         $0x80000000, r; \
	VMOVD        r, x; \
	VPBROADCASTD x, y

// func reluAVX2(dst, src []float32)
TEXT ·reluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ src_base+24(FP), SI
	SHRQ $3, CX
	JZ   reluDone
	SIGN(DX, X15, Y15)

reluLoop:
	VMOVUPS (SI), Y0
	VXORPS  Y15, Y0, Y0 // −x
	GOMIN(Y0, Y15, Y1, Y2) // min(−x, −0)
	VXORPS  Y15, Y2, Y2 // max(x, 0)
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluLoop
	VZEROUPPER

reluDone:
	RET

// func passIfPositiveAVX2(dst, g, h []float32)
TEXT ·passIfPositiveAVX2(SB), NOSPLIT, $0-72
	MOVQ  dst_base+0(FP), DI
	MOVQ  dst_len+8(FP), CX
	MOVQ  g_base+24(FP), SI
	MOVQ  h_base+48(FP), DX
	SHRQ  $3, CX
	JZ    passDone
	VXORPS Y15, Y15, Y15

passLoop:
	VMOVUPS (DX), Y0
	VCMPPS  $2, Y15, Y0, Y0 // h ≤ 0, false for a NaN
	VANDNPS (SI), Y0, Y0    // g where not
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     passLoop
	VZEROUPPER

passDone:
	RET

// func differenceAVX2(dst, a, b []float32, s float32)
TEXT ·differenceAVX2(SB), NOSPLIT, $0-76
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         a_base+24(FP), SI
	MOVQ         b_base+48(FP), DX
	SHRQ         $3, CX
	JZ           subDone
	VBROADCASTSS s+72(FP), Y14

subLoop:
	VMOVUPS (SI), Y0
	VSUBPS  (DX), Y0, Y0 // a − b, rounded
	VMULPS  Y14, Y0, Y0  // ·s, rounded
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     subLoop
	VZEROUPPER

subDone:
	RET

// func normalizeAVX2(xh, y, x []float32, c *[4]float32)
TEXT ·normalizeAVX2(SB), NOSPLIT, $0-80
	MOVQ         xh_base+0(FP), DI
	MOVQ         xh_len+8(FP), CX
	MOVQ         y_base+24(FP), DX
	MOVQ         x_base+48(FP), SI
	MOVQ         c+72(FP), AX
	SHRQ         $3, CX
	JZ           normDone
	VBROADCASTSS 0(AX), Y12 // mu
	VBROADCASTSS 4(AX), Y13 // inv
	VBROADCASTSS 8(AX), Y14 // gamma
	VBROADCASTSS 12(AX), Y15 // beta

normLoop:
	VMOVUPS (SI), Y0
	VSUBPS  Y12, Y0, Y0 // x − mu
	VMULPS  Y13, Y0, Y0 // ·inv
	VMOVUPS Y0, (DI)
	VMULPS  Y0, Y14, Y1 // gamma·xh
	VADDPS  Y15, Y1, Y1 // + beta
	VMOVUPS Y1, (DX)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, DX
	DECQ    CX
	JNZ     normLoop
	VZEROUPPER

normDone:
	RET

// func normBackAVX2(dx, g, xh []float32, c *[4]float32)
TEXT ·normBackAVX2(SB), NOSPLIT, $0-80
	MOVQ         dx_base+0(FP), DI
	MOVQ         dx_len+8(FP), CX
	MOVQ         g_base+24(FP), SI
	MOVQ         xh_base+48(FP), DX
	MOVQ         c+72(FP), AX
	SHRQ         $3, CX
	JZ           backNormDone
	VBROADCASTSS 0(AX), Y13 // scale
	VBROADCASTSS 4(AX), Y14 // mdy
	VBROADCASTSS 8(AX), Y15 // mdyx

backNormLoop:
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0 // g − mdy
	VMOVUPS (DX), Y1
	VMULPS  Y15, Y1, Y1 // xh·mdyx
	VSUBPS  Y1, Y0, Y0
	VMULPS  Y0, Y13, Y0 // scale·(…)
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	DECQ    CX
	JNZ     backNormLoop
	VZEROUPPER

backNormDone:
	RET

// func scaleAddAVX2(v, g []float32, mu float32)
TEXT ·scaleAddAVX2(SB), NOSPLIT, $0-52
	MOVQ         v_base+0(FP), DI
	MOVQ         v_len+8(FP), CX
	MOVQ         g_base+24(FP), SI
	SHRQ         $3, CX
	JZ           scaleAddDone
	VBROADCASTSS mu+48(FP), Y15

scaleAddLoop:
	VMOVUPS (DI), Y0
	VMULPS  Y15, Y0, Y0 // v·mu, rounded
	VADDPS  (SI), Y0, Y0 // + g
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     scaleAddLoop
	VZEROUPPER

scaleAddDone:
	RET

// func axpyAVX2(y, x []float32, alpha float32)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-52
	MOVQ         y_base+0(FP), DI
	MOVQ         y_len+8(FP), CX
	MOVQ         x_base+24(FP), SI
	SHRQ         $3, CX
	JZ           axpyDone
	VBROADCASTSS alpha+48(FP), Y15

axpyLoop:
	VMULPS  (SI), Y15, Y0 // alpha·x, rounded
	VADDPS  (DI), Y0, Y0  // + y
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     axpyLoop
	VZEROUPPER

axpyDone:
	RET
