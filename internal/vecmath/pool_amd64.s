//go:build !purego

#include "textflag.h"
#include "gomin_amd64.h"

// The lanes of eight outputs as VSHUFPS leaves them within the two halves
// of a register (outputs 0, 1, 4, 5 | 2, 3, 6, 7), times two: each
// output's first input.
DATA poolLanes<>+0(SB)/4, $0
DATA poolLanes<>+4(SB)/4, $2
DATA poolLanes<>+8(SB)/4, $8
DATA poolLanes<>+12(SB)/4, $10
DATA poolLanes<>+16(SB)/4, $4
DATA poolLanes<>+20(SB)/4, $6
DATA poolLanes<>+24(SB)/4, $12
DATA poolLanes<>+28(SB)/4, $14
GLOBL poolLanes<>(SB), RODATA|NOPTR, $32

// func maxPool2AVX2(r0, r1, out []float32, at []int32, base, w int32)
TEXT ·maxPool2AVX2(SB), NOSPLIT, $0-104
	MOVQ r0_base+0(FP), SI
	MOVQ r1_base+24(FP), DI
	MOVQ out_base+48(FP), R8
	MOVQ out_len+56(FP), CX
	MOVQ at_base+72(FP), R9
	SHRQ $3, CX
	JZ   poolDone

	MOVL         base+96(FP), AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPADDD       poolLanes<>(SB), Y14, Y14 // each lane's first input
	MOVL         w+100(FP), BX
	VMOVD        BX, X11
	VPBROADCASTD X11, Y11                  // w
	INCL         BX
	VMOVD        BX, X12
	VPBROADCASTD X12, Y12                  // w + 1
	MOVL         $1, DX
	VMOVD        DX, X10
	VPBROADCASTD X10, Y10                  // 1
	VPXOR        Y9, Y9, Y9                // 0
	MOVL         $16, DX
	VMOVD        DX, X13
	VPBROADCASTD X13, Y13                  // the inputs of eight outputs
	MOVL         $0x80000000, DX
	VMOVD        DX, X15
	VPBROADCASTD X15, Y15                  // the sign

poolLoop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2 // r0[2i]
	VSHUFPS $0xDD, Y1, Y0, Y3 // r0[2i+1]
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VSHUFPS $0x88, Y1, Y0, Y4 // r1[2i]
	VSHUFPS $0xDD, Y1, Y0, Y5 // r1[2i+1]

	VXORPS Y15, Y2, Y6
	VXORPS Y15, Y3, Y7
	GOMIN(Y6, Y7, Y8, Y6)     // −max(r0[2i], r0[2i+1])
	VXORPS Y15, Y4, Y7
	VXORPS Y15, Y5, Y8
	GOMIN(Y7, Y8, Y0, Y7)     // −max(r1[2i], r1[2i+1])
	GOMIN(Y6, Y7, Y0, Y1)
	VXORPS Y15, Y1, Y0        // the maximum

	VCMPPS    $0, Y0, Y4, Y1 // equal and ordered
	VBLENDVPS Y1, Y11, Y12, Y8
	VCMPPS    $0, Y0, Y3, Y1
	VBLENDVPS Y1, Y10, Y8, Y8
	VCMPPS    $0, Y0, Y2, Y1
	VBLENDVPS Y1, Y9, Y8, Y8
	VPADDD    Y14, Y8, Y8
	VPADDD    Y13, Y14, Y14

	VPERMQ  $0xD8, Y0, Y0 // outputs 0-7 in order
	VPERMQ  $0xD8, Y8, Y8
	VMOVUPS Y0, (R8)
	VMOVDQU Y8, (R9)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     poolLoop
	VZEROUPPER

poolDone:
	RET

// The first input of each of eight outputs, in order.
DATA poolBackLanes<>+0(SB)/4, $0
DATA poolBackLanes<>+4(SB)/4, $2
DATA poolBackLanes<>+8(SB)/4, $4
DATA poolBackLanes<>+12(SB)/4, $6
DATA poolBackLanes<>+16(SB)/4, $8
DATA poolBackLanes<>+20(SB)/4, $10
DATA poolBackLanes<>+24(SB)/4, $12
DATA poolBackLanes<>+28(SB)/4, $14
GLOBL poolBackLanes<>(SB), RODATA|NOPTR, $32

// func maxPool2BackAVX2(d0, d1, g []float32, at []int32, base, w int32)
TEXT ·maxPool2BackAVX2(SB), NOSPLIT, $0-104
	MOVQ d0_base+0(FP), DI
	MOVQ d1_base+24(FP), DX
	MOVQ g_base+48(FP), SI
	MOVQ g_len+56(FP), CX
	MOVQ at_base+72(FP), R9
	SHRQ $3, CX
	JZ   backDone

	MOVL         base+96(FP), AX
	VMOVD        AX, X14
	VPBROADCASTD X14, Y14
	VPADDD       poolBackLanes<>(SB), Y14, Y14 // each lane's first input
	MOVL         w+100(FP), BX
	VMOVD        BX, X11
	VPBROADCASTD X11, Y11                      // w
	INCL         BX
	VMOVD        BX, X12
	VPBROADCASTD X12, Y12                      // w + 1
	MOVL         $1, BX
	VMOVD        BX, X10
	VPBROADCASTD X10, Y10                      // 1
	VPXOR        Y9, Y9, Y9                    // 0
	MOVL         $16, BX
	VMOVD        BX, X13
	VPBROADCASTD X13, Y13                      // the inputs of eight outputs

backLoop:
	VMOVDQU (R9), Y0
	VPSUBD  Y14, Y0, Y0 // each output's position in its window
	VMOVUPS (SI), Y1
	VADDPS  Y1, Y9, Y1  // 0 + g

	VPCMPEQD Y9, Y0, Y2
	VANDPS   Y1, Y2, Y2 // r0[2i]
	VPCMPEQD Y10, Y0, Y3
	VANDPS   Y1, Y3, Y3 // r0[2i+1]
	VPCMPEQD Y11, Y0, Y4
	VANDPS   Y1, Y4, Y4 // r1[2i]
	VPCMPEQD Y12, Y0, Y5
	VANDPS   Y1, Y5, Y5 // r1[2i+1]

	VUNPCKLPS  Y3, Y2, Y6 // outputs 0, 1 | 4, 5, interleaved
	VUNPCKHPS  Y3, Y2, Y7 // outputs 2, 3 | 6, 7
	VPERM2F128 $0x20, Y7, Y6, Y2
	VPERM2F128 $0x31, Y7, Y6, Y3
	VMOVUPS    Y2, (DI)
	VMOVUPS    Y3, 32(DI)
	VUNPCKLPS  Y5, Y4, Y6
	VUNPCKHPS  Y5, Y4, Y7
	VPERM2F128 $0x20, Y7, Y6, Y4
	VPERM2F128 $0x31, Y7, Y6, Y5
	VMOVUPS    Y4, (DX)
	VMOVUPS    Y5, 32(DX)

	VPADDD Y13, Y14, Y14
	ADDQ   $64, DI
	ADDQ   $64, DX
	ADDQ   $32, SI
	ADDQ   $32, R9
	DECQ   CX
	JNZ    backLoop
	VZEROUPPER

backDone:
	RET
