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

// func addConstAVX2(dst, src []float32, c float32)
TEXT ·addConstAVX2(SB), NOSPLIT, $0-52
	MOVQ         dst_base+0(FP), DI
	MOVQ         dst_len+8(FP), CX
	MOVQ         src_base+24(FP), SI
	SHRQ         $3, CX
	JZ           addDone
	VBROADCASTSS c+48(FP), Y15

addLoop:
	VMOVUPS (SI), Y0
	VADDPS  Y15, Y0, Y0 // src + c, src first as in the scalar loop
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     addLoop
	VZEROUPPER

addDone:
	RET
