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

// func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, alpha float32)
// dst's 8×8 block gets alpha times src's, transposed: the rows loaded, each
// scaled, then interleaved in pairs, in fours and across the two halves.
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         ldd+8(FP), R8
	SHLQ         $2, R8
	MOVQ         src+16(FP), SI
	MOVQ         lds+24(FP), R9
	SHLQ         $2, R9
	VBROADCASTSS alpha+32(FP), Y15
	LEAQ         (R9)(R9*2), R10     // 3 rows
	VMULPS       (SI), Y15, Y0
	VMULPS       (SI)(R9*1), Y15, Y1
	VMULPS       (SI)(R9*2), Y15, Y2
	VMULPS       (SI)(R10*1), Y15, Y3
	LEAQ         (SI)(R9*4), SI
	VMULPS       (SI), Y15, Y4
	VMULPS       (SI)(R9*1), Y15, Y5
	VMULPS       (SI)(R9*2), Y15, Y6
	VMULPS       (SI)(R10*1), Y15, Y7
	VUNPCKLPS    Y1, Y0, Y8          // r0_0 r1_0 r0_1 r1_1 | r0_4 r1_4 r0_5 r1_5
	VUNPCKHPS    Y1, Y0, Y9          // columns 2, 3 | 6, 7
	VUNPCKLPS    Y3, Y2, Y10
	VUNPCKHPS    Y3, Y2, Y11
	VUNPCKLPS    Y5, Y4, Y12
	VUNPCKHPS    Y5, Y4, Y13
	VUNPCKLPS    Y7, Y6, Y14
	VUNPCKHPS    Y7, Y6, Y0
	VSHUFPS      $0x44, Y10, Y8, Y1  // rows 0–3 of column 0 | of column 4
	VSHUFPS      $0xEE, Y10, Y8, Y2  // column 1 | 5
	VSHUFPS      $0x44, Y11, Y9, Y3  // column 2 | 6
	VSHUFPS      $0xEE, Y11, Y9, Y4  // column 3 | 7
	VSHUFPS      $0x44, Y14, Y12, Y5 // rows 4–7, the same
	VSHUFPS      $0xEE, Y14, Y12, Y6
	VSHUFPS      $0x44, Y0, Y13, Y7
	VSHUFPS      $0xEE, Y0, Y13, Y8
	LEAQ         (R8)(R8*2), R10
	VPERM2F128   $0x20, Y5, Y1, Y9
	VMOVUPS      Y9, (DI)
	VPERM2F128   $0x20, Y6, Y2, Y9
	VMOVUPS      Y9, (DI)(R8*1)
	VPERM2F128   $0x20, Y7, Y3, Y9
	VMOVUPS      Y9, (DI)(R8*2)
	VPERM2F128   $0x20, Y8, Y4, Y9
	VMOVUPS      Y9, (DI)(R10*1)
	LEAQ         (DI)(R8*4), DI
	VPERM2F128   $0x31, Y5, Y1, Y9
	VMOVUPS      Y9, (DI)
	VPERM2F128   $0x31, Y6, Y2, Y9
	VMOVUPS      Y9, (DI)(R8*1)
	VPERM2F128   $0x31, Y7, Y3, Y9
	VMOVUPS      Y9, (DI)(R8*2)
	VPERM2F128   $0x31, Y8, Y4, Y9
	VMOVUPS      Y9, (DI)(R10*1)
	VZEROUPPER
	RET
