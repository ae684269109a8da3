//go:build !purego

#include "textflag.h"
#include "gomin_amd64.h"

// Both kernels walk p's rows (SI the input row, R8 and R9 the output's
// and positions' rows), eight outputs at a time (AX the first), then the
// last eight of a row again when its length is not a multiple of eight.
// Their registers: CX rows left, DX OW, R10 W in bytes, R11 Stride in
// bytes, R12 the input row's first position, R13 OW − 8.
#define LOADPOOL2 \
	MOVQ p+72(FP), BX; \
	MOVQ 0(BX), CX; \
	MOVQ 8(BX), DX; \
	MOVQ 16(BX), R10; \
	MOVQ 24(BX), R11; \
	MOVQ 32(BX), R12; \
	LEAQ -8(DX), R13; \
	MOVQ R10, BX; \
	VMOVD        BX, X11; \
	VPBROADCASTD X11, Y11 /* w */; \
	INCQ         BX; \
	VMOVD        BX, X12; \
	VPBROADCASTD X12, Y12 /* w + 1 */; \
	MOVL         $1, BX; \
	VMOVD        BX, X10; \
	VPBROADCASTD X10, Y10 /* 1 */; \
	VPXOR        Y9, Y9, Y9 /* 0 */; \
	SHLQ $2, R10; \
	SHLQ $2, R11

// ROWS runs block(lanes) over every row, block reading AX.
#define ROWS(block, rowLoop, blockLoop, tail, rowDone) \
rowLoop: \
	XORQ AX, AX; \
blockLoop: \
	CMPQ AX, R13; \
	JG   tail; \
	block; \
	ADDQ $8, AX; \
	JMP  blockLoop; \
tail: \
	CMPQ AX, DX; \
	JEQ  rowDone; \
	MOVQ R13, AX; \
	block; \
rowDone: \
	ADDQ R11, SI; \
	LEAQ (R8)(DX*4), R8; \
	LEAQ (R9)(DX*4), R9; \
	MOVQ R11, BX; \
	SHRQ $2, BX; \
	ADDQ BX, R12; \
	DECQ CX; \
	JNZ  rowLoop

// FIRSTS sets Y14 to each of eight outputs' first input position, R12 +
// 2·AX + lanes, with lanes from a table.
#define FIRSTS(lanes) \
	LEAQ         (R12)(AX*2), BX; \
	VMOVD        BX, X14; \
	VPBROADCASTD X14, Y14; \
	VPADDD       lanes, Y14, Y14

// The first inputs of eight outputs as VSHUFPS leaves them, within the
// halves of a register (outputs 0, 1, 4, 5 | 2, 3, 6, 7), and in order.
DATA poolLanes<>+0(SB)/4, $0
DATA poolLanes<>+4(SB)/4, $2
DATA poolLanes<>+8(SB)/4, $8
DATA poolLanes<>+12(SB)/4, $10
DATA poolLanes<>+16(SB)/4, $4
DATA poolLanes<>+20(SB)/4, $6
DATA poolLanes<>+24(SB)/4, $12
DATA poolLanes<>+28(SB)/4, $14
DATA poolLanes<>+32(SB)/4, $0
DATA poolLanes<>+36(SB)/4, $2
DATA poolLanes<>+40(SB)/4, $4
DATA poolLanes<>+44(SB)/4, $6
DATA poolLanes<>+48(SB)/4, $8
DATA poolLanes<>+52(SB)/4, $10
DATA poolLanes<>+56(SB)/4, $12
DATA poolLanes<>+60(SB)/4, $14
GLOBL poolLanes<>(SB), RODATA|NOPTR, $64

// POOL8 pools outputs AX to AX + 7 of a row.
#define POOL8 \
	LEAQ    (SI)(AX*8), DI; \
	VMOVUPS (DI), Y0; \
	VMOVUPS 32(DI), Y1; \
	VSHUFPS $0x88, Y1, Y0, Y2 /* r0[2i] */; \
	VSHUFPS $0xDD, Y1, Y0, Y3 /* r0[2i+1] */; \
	VMOVUPS (DI)(R10*1), Y0; \
	VMOVUPS 32(DI)(R10*1), Y1; \
	VSHUFPS $0x88, Y1, Y0, Y4 /* r1[2i] */; \
	VSHUFPS $0xDD, Y1, Y0, Y5 /* r1[2i+1] */; \
	VXORPS  Y15, Y2, Y6; \
	VXORPS  Y15, Y3, Y7; \
	GOMIN(Y6, Y7, Y8, Y6) /* −max(r0[2i], r0[2i+1]) */; \
	VXORPS  Y15, Y4, Y7; \
	VXORPS  Y15, Y5, Y8; \
	GOMIN(Y7, Y8, Y0, Y7) /* −max(r1[2i], r1[2i+1]) */; \
	GOMIN(Y6, Y7, Y0, Y1); \
	VXORPS  Y15, Y1, Y0 /* the maximum */; \
	VCMPPS    $0, Y0, Y4, Y1 /* equal and ordered */; \
	VBLENDVPS Y1, Y11, Y12, Y8; \
	VCMPPS    $0, Y0, Y3, Y1; \
	VBLENDVPS Y1, Y10, Y8, Y8; \
	VCMPPS    $0, Y0, Y2, Y1; \
	VBLENDVPS Y1, Y9, Y8, Y8; \
	FIRSTS(poolLanes<>+0(SB)); \
	VPADDD  Y14, Y8, Y8; \
	VPERMQ  $0xD8, Y0, Y0 /* outputs in order */; \
	VPERMQ  $0xD8, Y8, Y8; \
	VMOVUPS Y0, (R8)(AX*4); \
	VMOVDQU Y8, (R9)(AX*4)

// func maxPool2AVX2(in, out []float32, at []int32, p *Pool2)
TEXT ·maxPool2AVX2(SB), NOSPLIT, $0-80
	MOVQ in_base+0(FP), SI
	MOVQ out_base+24(FP), R8
	MOVQ at_base+48(FP), R9
	LOADPOOL2
	MOVL         $0x80000000, BX
	VMOVD        BX, X15
	VPBROADCASTD X15, Y15 // the sign
	ROWS(POOL8, poolRow, poolBlock, poolTail, poolRowDone)
	VZEROUPPER
	RET

// POOLBACK8 writes the windows of outputs AX to AX + 7 of a row.
#define POOLBACK8 \
	FIRSTS(poolLanes<>+32(SB)); \
	VMOVDQU    (R9)(AX*4), Y0; \
	VPSUBD     Y14, Y0, Y0 /* each output's position in its window */; \
	VMOVUPS    (R8)(AX*4), Y1; \
	VADDPS     Y1, Y9, Y1 /* 0 + g */; \
	VPCMPEQD   Y9, Y0, Y2; \
	VANDPS     Y1, Y2, Y2 /* r0[2i] */; \
	VPCMPEQD   Y10, Y0, Y3; \
	VANDPS     Y1, Y3, Y3 /* r0[2i+1] */; \
	VPCMPEQD   Y11, Y0, Y4; \
	VANDPS     Y1, Y4, Y4 /* r1[2i] */; \
	VPCMPEQD   Y12, Y0, Y5; \
	VANDPS     Y1, Y5, Y5 /* r1[2i+1] */; \
	LEAQ       (SI)(AX*8), DI; \
	VUNPCKLPS  Y3, Y2, Y6 /* outputs 0, 1 | 4, 5, interleaved */; \
	VUNPCKHPS  Y3, Y2, Y7 /* outputs 2, 3 | 6, 7 */; \
	VPERM2F128 $0x20, Y7, Y6, Y2; \
	VPERM2F128 $0x31, Y7, Y6, Y3; \
	VMOVUPS    Y2, (DI); \
	VMOVUPS    Y3, 32(DI); \
	VUNPCKLPS  Y5, Y4, Y6; \
	VUNPCKHPS  Y5, Y4, Y7; \
	VPERM2F128 $0x20, Y7, Y6, Y4; \
	VPERM2F128 $0x31, Y7, Y6, Y5; \
	VMOVUPS    Y4, (DI)(R10*1); \
	VMOVUPS    Y5, 32(DI)(R10*1)

// func maxPool2BackAVX2(din, g []float32, at []int32, p *Pool2)
TEXT ·maxPool2BackAVX2(SB), NOSPLIT, $0-80
	MOVQ din_base+0(FP), SI
	MOVQ g_base+24(FP), R8
	MOVQ at_base+48(FP), R9
	LOADPOOL2
	ROWS(POOLBACK8, backRow, backBlock, backTail, backRowDone)
	VZEROUPPER
	RET
