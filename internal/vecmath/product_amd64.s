//go:build !purego

#include "textflag.h"

// The kernels of Product, ProductAdd and DotLanes. Each output is one chain
// of adds in the order of the scalar loop, every product rounded by its own
// multiply: the vectors only hold many outputs side by side.

// TERMS512 adds a term to the 4×32 outputs held in Z0–Z7 (rows of eight
// registers' pairs): the 32 values of x at AX times each row's value of a,
// at a0 to a3. TERMS2 does the same for 4×16 outputs in Y0–Y7.
#define TERMS512(a0, a1, a2, a3) \
	VMOVUPS      (AX), Z8; \
	VMOVUPS      64(AX), Z9; \
	VBROADCASTSS a0, Z10; \
	VMULPS       Z8, Z10, Z11; \
	VADDPS       Z11, Z0, Z0; \
	VMULPS       Z9, Z10, Z12; \
	VADDPS       Z12, Z1, Z1; \
	VBROADCASTSS a1, Z13; \
	VMULPS       Z8, Z13, Z14; \
	VADDPS       Z14, Z2, Z2; \
	VMULPS       Z9, Z13, Z15; \
	VADDPS       Z15, Z3, Z3; \
	VBROADCASTSS a2, Z16; \
	VMULPS       Z8, Z16, Z17; \
	VADDPS       Z17, Z4, Z4; \
	VMULPS       Z9, Z16, Z18; \
	VADDPS       Z18, Z5, Z5; \
	VBROADCASTSS a3, Z19; \
	VMULPS       Z8, Z19, Z20; \
	VADDPS       Z20, Z6, Z6; \
	VMULPS       Z9, Z19, Z21; \
	VADDPS       Z21, Z7, Z7

#define TERMS2(a0, a1, a2, a3) \
	VMOVUPS      (AX), Y8; \
	VMOVUPS      32(AX), Y9; \
	VBROADCASTSS a0, Y10; \
	VMULPS       Y8, Y10, Y11; \
	VADDPS       Y11, Y0, Y0; \
	VMULPS       Y9, Y10, Y12; \
	VADDPS       Y12, Y1, Y1; \
	VBROADCASTSS a1, Y13; \
	VMULPS       Y8, Y13, Y14; \
	VADDPS       Y14, Y2, Y2; \
	VMULPS       Y9, Y13, Y15; \
	VADDPS       Y15, Y3, Y3; \
	VBROADCASTSS a2, Y10; \
	VMULPS       Y8, Y10, Y11; \
	VADDPS       Y11, Y4, Y4; \
	VMULPS       Y9, Y10, Y12; \
	VADDPS       Y12, Y5, Y5; \
	VBROADCASTSS a3, Y13; \
	VMULPS       Y8, Y13, Y14; \
	VADDPS       Y14, Y6, Y6; \
	VMULPS       Y9, Y13, Y15; \
	VADDPS       Y15, Y7, Y7

// LOAD512 and STORE512 move the 4×32 outputs between Z0–Z7 and y's rows at
// DX, R8 bytes apart (R9 = 3·R8); LOAD2 and STORE2 the 4×16 in Y0–Y7.
#define LOAD512 \
	VMOVUPS (DX), Z0; \
	VMOVUPS 64(DX), Z1; \
	VMOVUPS (DX)(R8*1), Z2; \
	VMOVUPS 64(DX)(R8*1), Z3; \
	VMOVUPS (DX)(R8*2), Z4; \
	VMOVUPS 64(DX)(R8*2), Z5; \
	VMOVUPS (DX)(R9*1), Z6; \
	VMOVUPS 64(DX)(R9*1), Z7

#define STORE512 \
	VMOVUPS Z0, (DX); \
	VMOVUPS Z1, 64(DX); \
	VMOVUPS Z2, (DX)(R8*1); \
	VMOVUPS Z3, 64(DX)(R8*1); \
	VMOVUPS Z4, (DX)(R8*2); \
	VMOVUPS Z5, 64(DX)(R8*2); \
	VMOVUPS Z6, (DX)(R9*1); \
	VMOVUPS Z7, 64(DX)(R9*1)

#define LOAD2 \
	VMOVUPS (DX), Y0; \
	VMOVUPS 32(DX), Y1; \
	VMOVUPS (DX)(R8*1), Y2; \
	VMOVUPS 32(DX)(R8*1), Y3; \
	VMOVUPS (DX)(R8*2), Y4; \
	VMOVUPS 32(DX)(R8*2), Y5; \
	VMOVUPS (DX)(R9*1), Y6; \
	VMOVUPS 32(DX)(R9*1), Y7

#define STORE2 \
	VMOVUPS Y0, (DX); \
	VMOVUPS Y1, 32(DX); \
	VMOVUPS Y2, (DX)(R8*1); \
	VMOVUPS Y3, 32(DX)(R8*1); \
	VMOVUPS Y4, (DX)(R8*2); \
	VMOVUPS Y5, 32(DX)(R8*2); \
	VMOVUPS Y6, (DX)(R9*1); \
	VMOVUPS Y7, 32(DX)(R9*1)

// ZEROS512 and ZEROS2 start the outputs in Z0–Z7 and Y0–Y7 from +0:
// ProductAdd onto zeros without reading them.
#define ZEROS512 \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

#define ZEROS2 \
	VXORPS Y0, Y0, Y0; \
	VXORPS Y1, Y1, Y1; \
	VXORPS Y2, Y2, Y2; \
	VXORPS Y3, Y3, Y3; \
	VXORPS Y4, Y4, Y4; \
	VXORPS Y5, Y5, Y5; \
	VXORPS Y6, Y6, Y6; \
	VXORPS Y7, Y7, Y7

// PROLOGUE loads the operands common to the product kernels: y to DI, its
// row stride to R8 (R9 = 3·R8), x to SI, its row stride to R10, and the
// number of column tiles, cols >> shift, to CX.
#define PROLOGUE(shift) \
	MOVQ y+0(FP), DI; \
	MOVQ ldy+8(FP), R8; \
	SHLQ $2, R8; \
	LEAQ (R8)(R8*2), R9; \
	MOVQ x+48(FP), SI; \
	MOVQ ldx+56(FP), R10; \
	SHLQ $2, R10; \
	MOVQ cols+64(FP), CX; \
	SHRQ $shift, CX

// func productAVX512(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int)
TEXT ·productAVX512(SB), NOSPLIT, $0-72
	PROLOGUE(5)
	JZ   product512Done

product512Cols:
	MOVQ a+16(FP), R15
	MOVQ b+24(FP), R13
	MOVQ DI, DX
	MOVQ tiles+32(FP), R12

product512Rows:
	VBROADCASTSS 0(R13), Z0
	VMOVAPS      Z0, Z1
	VBROADCASTSS 4(R13), Z2
	VMOVAPS      Z2, Z3
	VBROADCASTSS 8(R13), Z4
	VMOVAPS      Z4, Z5
	VBROADCASTSS 12(R13), Z6
	VMOVAPS      Z6, Z7
	MOVQ SI, AX
	MOVQ k+40(FP), R14

product512Terms:
	TERMS512(0(R15), 4(R15), 8(R15), 12(R15))
	ADDQ R10, AX
	ADDQ $16, R15
	DECQ R14
	JNZ  product512Terms
	STORE512
	LEAQ (DX)(R8*4), DX
	ADDQ $16, R13
	DECQ R12
	JNZ  product512Rows
	ADDQ $128, DI
	ADDQ $128, SI
	DECQ CX
	JNZ  product512Cols
	VZEROUPPER

product512Done:
	RET

// func productAVX2(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx, cols int)
TEXT ·productAVX2(SB), NOSPLIT, $0-72
	PROLOGUE(4)
	JZ   product2Done

product2Cols:
	MOVQ a+16(FP), R15
	MOVQ b+24(FP), R13
	MOVQ DI, DX
	MOVQ tiles+32(FP), R12

product2Rows:
	VBROADCASTSS 0(R13), Y0
	VMOVAPS      Y0, Y1
	VBROADCASTSS 4(R13), Y2
	VMOVAPS      Y2, Y3
	VBROADCASTSS 8(R13), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 12(R13), Y6
	VMOVAPS      Y6, Y7
	MOVQ SI, AX
	MOVQ k+40(FP), R14

product2Terms:
	TERMS2(0(R15), 4(R15), 8(R15), 12(R15))
	ADDQ R10, AX
	ADDQ $16, R15
	DECQ R14
	JNZ  product2Terms
	STORE2
	LEAQ (DX)(R8*4), DX
	ADDQ $16, R13
	DECQ R12
	JNZ  product2Rows
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JNZ  product2Cols
	VZEROUPPER

product2Done:
	RET

// func dotLanesAVX512(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups, steps int)
TEXT ·dotLanesAVX512(SB), NOSPLIT, $0-64
	MOVQ lanes+0(FP), AX
	MOVQ ldl+8(FP), BX
	SHLQ $6, BX
	LEAQ (BX)(BX*2), CX
	MOVQ a+16(FP), DX
	MOVQ lda+24(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	MOVQ x+32(FP), SI
	MOVQ ldx+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), DI
	MOVQ groups+48(FP), R15

dot512Groups:
	VMOVUPS (AX), Z0
	VMOVUPS 64(AX), Z1
	VMOVUPS 128(AX), Z2
	VMOVUPS 192(AX), Z3
	VMOVUPS 256(AX), Z4
	VMOVUPS (AX)(BX*1), Z5
	VMOVUPS 64(AX)(BX*1), Z6
	VMOVUPS 128(AX)(BX*1), Z7
	VMOVUPS 192(AX)(BX*1), Z8
	VMOVUPS 256(AX)(BX*1), Z9
	VMOVUPS (AX)(BX*2), Z10
	VMOVUPS 64(AX)(BX*2), Z11
	VMOVUPS 128(AX)(BX*2), Z12
	VMOVUPS 192(AX)(BX*2), Z13
	VMOVUPS 256(AX)(BX*2), Z14
	VMOVUPS (AX)(CX*1), Z15
	VMOVUPS 64(AX)(CX*1), Z16
	VMOVUPS 128(AX)(CX*1), Z17
	VMOVUPS 192(AX)(CX*1), Z18
	VMOVUPS 256(AX)(CX*1), Z19
	MOVQ DX, R12
	MOVQ SI, R13
	MOVQ steps+56(FP), R14

dot512Steps:
	VMOVUPS (R12), Z20
	VMOVUPS (R12)(R8*1), Z21
	VMOVUPS (R12)(R8*2), Z22
	VMOVUPS (R12)(R9*1), Z23
	VMOVUPS (R13), Z24
	VMULPS  Z24, Z20, Z25
	VADDPS  Z25, Z0, Z0
	VMULPS  Z24, Z21, Z26
	VADDPS  Z26, Z5, Z5
	VMULPS  Z24, Z22, Z27
	VADDPS  Z27, Z10, Z10
	VMULPS  Z24, Z23, Z28
	VADDPS  Z28, Z15, Z15
	VMOVUPS (R13)(R10*1), Z29
	VMULPS  Z29, Z20, Z25
	VADDPS  Z25, Z1, Z1
	VMULPS  Z29, Z21, Z26
	VADDPS  Z26, Z6, Z6
	VMULPS  Z29, Z22, Z27
	VADDPS  Z27, Z11, Z11
	VMULPS  Z29, Z23, Z28
	VADDPS  Z28, Z16, Z16
	VMOVUPS (R13)(R10*2), Z30
	VMULPS  Z30, Z20, Z25
	VADDPS  Z25, Z2, Z2
	VMULPS  Z30, Z21, Z26
	VADDPS  Z26, Z7, Z7
	VMULPS  Z30, Z22, Z27
	VADDPS  Z27, Z12, Z12
	VMULPS  Z30, Z23, Z28
	VADDPS  Z28, Z17, Z17
	VMOVUPS (R13)(R11*1), Z31
	VMULPS  Z31, Z20, Z25
	VADDPS  Z25, Z3, Z3
	VMULPS  Z31, Z21, Z26
	VADDPS  Z26, Z8, Z8
	VMULPS  Z31, Z22, Z27
	VADDPS  Z27, Z13, Z13
	VMULPS  Z31, Z23, Z28
	VADDPS  Z28, Z18, Z18
	VMOVUPS (R13)(R10*4), Z24
	VMULPS  Z24, Z20, Z25
	VADDPS  Z25, Z4, Z4
	VMULPS  Z24, Z21, Z26
	VADDPS  Z26, Z9, Z9
	VMULPS  Z24, Z22, Z27
	VADDPS  Z27, Z14, Z14
	VMULPS  Z24, Z23, Z28
	VADDPS  Z28, Z19, Z19
	ADDQ $64, R12
	ADDQ $64, R13
	DECQ R14
	JNZ  dot512Steps
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, 64(AX)
	VMOVUPS Z2, 128(AX)
	VMOVUPS Z3, 192(AX)
	VMOVUPS Z4, 256(AX)
	VMOVUPS Z5, (AX)(BX*1)
	VMOVUPS Z6, 64(AX)(BX*1)
	VMOVUPS Z7, 128(AX)(BX*1)
	VMOVUPS Z8, 192(AX)(BX*1)
	VMOVUPS Z9, 256(AX)(BX*1)
	VMOVUPS Z10, (AX)(BX*2)
	VMOVUPS Z11, 64(AX)(BX*2)
	VMOVUPS Z12, 128(AX)(BX*2)
	VMOVUPS Z13, 192(AX)(BX*2)
	VMOVUPS Z14, 256(AX)(BX*2)
	VMOVUPS Z15, (AX)(CX*1)
	VMOVUPS Z16, 64(AX)(CX*1)
	VMOVUPS Z17, 128(AX)(CX*1)
	VMOVUPS Z18, 192(AX)(CX*1)
	VMOVUPS Z19, 256(AX)(CX*1)
	ADDQ $320, AX
	ADDQ DI, SI
	DECQ R15
	JNZ  dot512Groups
	VZEROUPPER
	RET

// func dotLanesTailAVX512(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups int, mask uint64)
TEXT ·dotLanesTailAVX512(SB), NOSPLIT, $0-64
	MOVQ  lanes+0(FP), AX
	MOVQ  ldl+8(FP), BX
	SHLQ  $6, BX
	LEAQ  (BX)(BX*2), CX
	MOVQ  a+16(FP), R12
	MOVQ  lda+24(FP), R8
	SHLQ  $2, R8
	LEAQ  (R8)(R8*2), R9
	MOVQ  x+32(FP), R13
	MOVQ  ldx+40(FP), R10
	SHLQ  $2, R10
	LEAQ  (R10)(R10*2), R11
	LEAQ  (R10)(R10*4), DI
	MOVQ  groups+48(FP), R15
	MOVQ  mask+56(FP), R14
	KMOVW R14, K1

dotTailGroups:
	VMOVUPS (AX), Z0
	VMOVUPS 64(AX), Z1
	VMOVUPS 128(AX), Z2
	VMOVUPS 192(AX), Z3
	VMOVUPS 256(AX), Z4
	VMOVUPS (AX)(BX*1), Z5
	VMOVUPS 64(AX)(BX*1), Z6
	VMOVUPS 128(AX)(BX*1), Z7
	VMOVUPS 192(AX)(BX*1), Z8
	VMOVUPS 256(AX)(BX*1), Z9
	VMOVUPS (AX)(BX*2), Z10
	VMOVUPS 64(AX)(BX*2), Z11
	VMOVUPS 128(AX)(BX*2), Z12
	VMOVUPS 192(AX)(BX*2), Z13
	VMOVUPS 256(AX)(BX*2), Z14
	VMOVUPS (AX)(CX*1), Z15
	VMOVUPS 64(AX)(CX*1), Z16
	VMOVUPS 128(AX)(CX*1), Z17
	VMOVUPS 192(AX)(CX*1), Z18
	VMOVUPS 256(AX)(CX*1), Z19
	VMOVUPS.Z (R12), K1, Z20
	VMOVUPS.Z (R12)(R8*1), K1, Z21
	VMOVUPS.Z (R12)(R8*2), K1, Z22
	VMOVUPS.Z (R12)(R9*1), K1, Z23
	VMOVUPS.Z (R13), K1, Z24
	VMULPS  Z24, Z20, Z25
	VADDPS  Z25, Z0, K1, Z0
	VMULPS  Z24, Z21, Z26
	VADDPS  Z26, Z5, K1, Z5
	VMULPS  Z24, Z22, Z27
	VADDPS  Z27, Z10, K1, Z10
	VMULPS  Z24, Z23, Z28
	VADDPS  Z28, Z15, K1, Z15
	VMOVUPS.Z (R13)(R10*1), K1, Z29
	VMULPS  Z29, Z20, Z25
	VADDPS  Z25, Z1, K1, Z1
	VMULPS  Z29, Z21, Z26
	VADDPS  Z26, Z6, K1, Z6
	VMULPS  Z29, Z22, Z27
	VADDPS  Z27, Z11, K1, Z11
	VMULPS  Z29, Z23, Z28
	VADDPS  Z28, Z16, K1, Z16
	VMOVUPS.Z (R13)(R10*2), K1, Z30
	VMULPS  Z30, Z20, Z25
	VADDPS  Z25, Z2, K1, Z2
	VMULPS  Z30, Z21, Z26
	VADDPS  Z26, Z7, K1, Z7
	VMULPS  Z30, Z22, Z27
	VADDPS  Z27, Z12, K1, Z12
	VMULPS  Z30, Z23, Z28
	VADDPS  Z28, Z17, K1, Z17
	VMOVUPS.Z (R13)(R11*1), K1, Z31
	VMULPS  Z31, Z20, Z25
	VADDPS  Z25, Z3, K1, Z3
	VMULPS  Z31, Z21, Z26
	VADDPS  Z26, Z8, K1, Z8
	VMULPS  Z31, Z22, Z27
	VADDPS  Z27, Z13, K1, Z13
	VMULPS  Z31, Z23, Z28
	VADDPS  Z28, Z18, K1, Z18
	VMOVUPS.Z (R13)(R10*4), K1, Z24
	VMULPS  Z24, Z20, Z25
	VADDPS  Z25, Z4, K1, Z4
	VMULPS  Z24, Z21, Z26
	VADDPS  Z26, Z9, K1, Z9
	VMULPS  Z24, Z22, Z27
	VADDPS  Z27, Z14, K1, Z14
	VMULPS  Z24, Z23, Z28
	VADDPS  Z28, Z19, K1, Z19
	VMOVUPS Z0, (AX)
	VMOVUPS Z1, 64(AX)
	VMOVUPS Z2, 128(AX)
	VMOVUPS Z3, 192(AX)
	VMOVUPS Z4, 256(AX)
	VMOVUPS Z5, (AX)(BX*1)
	VMOVUPS Z6, 64(AX)(BX*1)
	VMOVUPS Z7, 128(AX)(BX*1)
	VMOVUPS Z8, 192(AX)(BX*1)
	VMOVUPS Z9, 256(AX)(BX*1)
	VMOVUPS Z10, (AX)(BX*2)
	VMOVUPS Z11, 64(AX)(BX*2)
	VMOVUPS Z12, 128(AX)(BX*2)
	VMOVUPS Z13, 192(AX)(BX*2)
	VMOVUPS Z14, 256(AX)(BX*2)
	VMOVUPS Z15, (AX)(CX*1)
	VMOVUPS Z16, 64(AX)(CX*1)
	VMOVUPS Z17, 128(AX)(CX*1)
	VMOVUPS Z18, 192(AX)(CX*1)
	VMOVUPS Z19, 256(AX)(CX*1)
	ADDQ $320, AX
	ADDQ DI, R13
	DECQ R15
	JNZ  dotTailGroups
	VZEROUPPER
	RET

// func dotLanesAVX2(lanes *float32, ldl int, a *float32, lda int, x *float32, ldx, groups, steps int)
TEXT ·dotLanesAVX2(SB), NOSPLIT, $0-64
	MOVQ lanes+0(FP), AX
	MOVQ ldl+8(FP), BX
	SHLQ $6, BX
	MOVQ a+16(FP), DX
	MOVQ lda+24(FP), R8
	SHLQ $2, R8
	MOVQ x+32(FP), SI
	MOVQ ldx+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), DI
	MOVQ groups+48(FP), R15

dot2Groups:
	VMOVUPS (AX), Y0
	VMOVUPS 64(AX), Y1
	VMOVUPS 128(AX), Y2
	VMOVUPS 192(AX), Y3
	VMOVUPS 256(AX), Y4
	VMOVUPS (AX)(BX*1), Y5
	VMOVUPS 64(AX)(BX*1), Y6
	VMOVUPS 128(AX)(BX*1), Y7
	VMOVUPS 192(AX)(BX*1), Y8
	VMOVUPS 256(AX)(BX*1), Y9
	MOVQ DX, R12
	MOVQ SI, R13
	MOVQ steps+56(FP), R14

dot2Steps:
	VMOVUPS (R12), Y10
	VMOVUPS (R12)(R8*1), Y11
	VMULPS  (R13), Y10, Y12
	VADDPS  Y12, Y0, Y0
	VMULPS  (R13), Y11, Y13
	VADDPS  Y13, Y5, Y5
	VMULPS  (R13)(R10*1), Y10, Y14
	VADDPS  Y14, Y1, Y1
	VMULPS  (R13)(R10*1), Y11, Y15
	VADDPS  Y15, Y6, Y6
	VMULPS  (R13)(R10*2), Y10, Y12
	VADDPS  Y12, Y2, Y2
	VMULPS  (R13)(R10*2), Y11, Y13
	VADDPS  Y13, Y7, Y7
	VMULPS  (R13)(R11*1), Y10, Y14
	VADDPS  Y14, Y3, Y3
	VMULPS  (R13)(R11*1), Y11, Y15
	VADDPS  Y15, Y8, Y8
	VMULPS  (R13)(R10*4), Y10, Y12
	VADDPS  Y12, Y4, Y4
	VMULPS  (R13)(R10*4), Y11, Y13
	VADDPS  Y13, Y9, Y9
	ADDQ $64, R12
	ADDQ $64, R13
	DECQ R14
	JNZ  dot2Steps
	VMOVUPS Y0, (AX)
	VMOVUPS Y1, 64(AX)
	VMOVUPS Y2, 128(AX)
	VMOVUPS Y3, 192(AX)
	VMOVUPS Y4, 256(AX)
	VMOVUPS Y5, (AX)(BX*1)
	VMOVUPS Y6, 64(AX)(BX*1)
	VMOVUPS Y7, 128(AX)(BX*1)
	VMOVUPS Y8, 192(AX)(BX*1)
	VMOVUPS Y9, 256(AX)(BX*1)
	ADDQ $320, AX
	ADDQ DI, SI
	DECQ R15
	JNZ  dot2Groups
	VZEROUPPER
	RET

// func productAddAVX512(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx, cols int, fresh bool)
TEXT ·productAddAVX512(SB), NOSPLIT, $0-73
	PROLOGUE(5)
	JZ   add512Done
	MOVQ lda+24(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12

add512Cols:
	MOVQ a+16(FP), R13
	MOVQ DI, DX
	MOVQ tiles+32(FP), BX

add512Rows:
	CMPB fresh+72(FP), $0
	JNE  add512Zeros
	LOAD512
	JMP  add512Started

add512Zeros:
	ZEROS512

add512Started:
	MOVQ SI, AX
	MOVQ R13, R15
	MOVQ k+40(FP), R14

add512Terms:
	TERMS512((R15), (R15)(R11*1), (R15)(R11*2), (R15)(R12*1))
	ADDQ R10, AX
	ADDQ $4, R15
	DECQ R14
	JNZ  add512Terms
	STORE512
	LEAQ (DX)(R8*4), DX
	LEAQ (R13)(R11*4), R13
	DECQ BX
	JNZ  add512Rows
	ADDQ $128, DI
	ADDQ $128, SI
	DECQ CX
	JNZ  add512Cols
	VZEROUPPER

add512Done:
	RET

// func productAddAVX2(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx, cols int, fresh bool)
TEXT ·productAddAVX2(SB), NOSPLIT, $0-73
	PROLOGUE(4)
	JZ   add2Done
	MOVQ lda+24(FP), R11
	SHLQ $2, R11
	LEAQ (R11)(R11*2), R12

add2Cols:
	MOVQ a+16(FP), R13
	MOVQ DI, DX
	MOVQ tiles+32(FP), BX

add2Rows:
	CMPB fresh+72(FP), $0
	JNE  add2Zeros
	LOAD2
	JMP  add2Started

add2Zeros:
	ZEROS2

add2Started:
	MOVQ SI, AX
	MOVQ R13, R15
	MOVQ k+40(FP), R14

add2Terms:
	TERMS2((R15), (R15)(R11*1), (R15)(R11*2), (R15)(R12*1))
	ADDQ R10, AX
	ADDQ $4, R15
	DECQ R14
	JNZ  add2Terms
	STORE2
	LEAQ (DX)(R8*4), DX
	LEAQ (R13)(R11*4), R13
	DECQ BX
	JNZ  add2Rows
	ADDQ $64, DI
	ADDQ $64, SI
	DECQ CX
	JNZ  add2Cols
	VZEROUPPER

add2Done:
	RET

// func productTailAVX512(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx int, mask uint64)
TEXT ·productTailAVX512(SB), NOSPLIT, $0-72
	MOVQ  y+0(FP), DX
	MOVQ  ldy+8(FP), R8
	SHLQ  $2, R8
	LEAQ  (R8)(R8*2), R9
	MOVQ  x+48(FP), SI
	MOVQ  ldx+56(FP), R10
	SHLQ  $2, R10
	MOVQ  mask+64(FP), AX
	KMOVW AX, K1
	MOVQ  a+16(FP), R15
	MOVQ  b+24(FP), R13
	MOVQ  tiles+32(FP), R12

tailRows:
	VBROADCASTSS (R13), Z0
	VBROADCASTSS 4(R13), Z1
	VBROADCASTSS 8(R13), Z2
	VBROADCASTSS 12(R13), Z3
	MOVQ         SI, AX
	MOVQ         k+40(FP), R14

tailTerms:
	VMOVUPS.Z    (AX), K1, Z8
	VBROADCASTSS (R15), Z10
	VMULPS       Z8, Z10, Z11
	VADDPS       Z11, Z0, Z0
	VBROADCASTSS 4(R15), Z12
	VMULPS       Z8, Z12, Z13
	VADDPS       Z13, Z1, Z1
	VBROADCASTSS 8(R15), Z14
	VMULPS       Z8, Z14, Z15
	VADDPS       Z15, Z2, Z2
	VBROADCASTSS 12(R15), Z16
	VMULPS       Z8, Z16, Z17
	VADDPS       Z17, Z3, Z3
	ADDQ         R10, AX
	ADDQ         $16, R15
	DECQ         R14
	JNZ          tailTerms
	VMOVUPS      Z0, K1, (DX)
	VMOVUPS      Z1, K1, (DX)(R8*1)
	VMOVUPS      Z2, K1, (DX)(R8*2)
	VMOVUPS      Z3, K1, (DX)(R9*1)
	LEAQ         (DX)(R8*4), DX
	ADDQ         $16, R13
	DECQ         R12
	JNZ          tailRows
	VZEROUPPER
	RET

// func productTailAVX2(y *float32, ldy int, a, b *float32, tiles, k int, x *float32, ldx int, mask *[16]int32)
TEXT ·productTailAVX2(SB), NOSPLIT, $0-72
	MOVQ    y+0(FP), DX
	MOVQ    ldy+8(FP), R8
	SHLQ    $2, R8
	LEAQ    (R8)(R8*2), R9
	MOVQ    x+48(FP), SI
	MOVQ    ldx+56(FP), R10
	SHLQ    $2, R10
	MOVQ    mask+64(FP), AX
	VMOVDQU (AX), Y14
	VMOVDQU 32(AX), Y15
	MOVQ    a+16(FP), R15
	MOVQ    b+24(FP), R13
	MOVQ    tiles+32(FP), R12

tail2Rows:
	VBROADCASTSS 0(R13), Y0
	VMOVAPS      Y0, Y1
	VBROADCASTSS 4(R13), Y2
	VMOVAPS      Y2, Y3
	VBROADCASTSS 8(R13), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 12(R13), Y6
	VMOVAPS      Y6, Y7
	MOVQ         SI, AX
	MOVQ         k+40(FP), R14

tail2Terms:
	VMASKMOVPS   (AX), Y14, Y8
	VMASKMOVPS   32(AX), Y15, Y9
	VBROADCASTSS 0(R15), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y0, Y0
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y1, Y1
	VBROADCASTSS 4(R15), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y2, Y2
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y3, Y3
	VBROADCASTSS 8(R15), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y4, Y4
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y5, Y5
	VBROADCASTSS 12(R15), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y6, Y6
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y7, Y7
	ADDQ         R10, AX
	ADDQ         $16, R15
	DECQ         R14
	JNZ          tail2Terms
	VMASKMOVPS   Y0, Y14, (DX)
	VMASKMOVPS   Y1, Y15, 32(DX)
	VMASKMOVPS   Y2, Y14, (DX)(R8*1)
	VMASKMOVPS   Y3, Y15, 32(DX)(R8*1)
	VMASKMOVPS   Y4, Y14, (DX)(R8*2)
	VMASKMOVPS   Y5, Y15, 32(DX)(R8*2)
	VMASKMOVPS   Y6, Y14, (DX)(R9*1)
	VMASKMOVPS   Y7, Y15, 32(DX)(R9*1)
	LEAQ         (DX)(R8*4), DX
	ADDQ         $16, R13
	DECQ         R12
	JNZ          tail2Rows
	VZEROUPPER
	RET

// func productAddTailAVX512(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx int, mask uint64, fresh bool)
TEXT ·productAddTailAVX512(SB), NOSPLIT, $0-73
	MOVQ  y+0(FP), DX
	MOVQ  ldy+8(FP), R8
	SHLQ  $2, R8
	LEAQ  (R8)(R8*2), R9
	MOVQ  lda+24(FP), R11
	SHLQ  $2, R11
	LEAQ  (R11)(R11*2), R12
	MOVQ  x+48(FP), SI
	MOVQ  ldx+56(FP), R10
	SHLQ  $2, R10
	MOVQ  mask+64(FP), AX
	KMOVW AX, K1
	MOVQ  a+16(FP), R13
	MOVQ  tiles+32(FP), BX

addTailRows:
	CMPB         fresh+72(FP), $0
	JNE          addTailZeros
	VMOVUPS.Z    (DX), K1, Z0
	VMOVUPS.Z    (DX)(R8*1), K1, Z1
	VMOVUPS.Z    (DX)(R8*2), K1, Z2
	VMOVUPS.Z    (DX)(R9*1), K1, Z3
	JMP          addTailStarted

addTailZeros:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3

addTailStarted:
	MOVQ         SI, AX
	MOVQ         R13, R15
	MOVQ         k+40(FP), R14

addTailTerms:
	VMOVUPS.Z    (AX), K1, Z8
	VBROADCASTSS (R15), Z10
	VMULPS       Z8, Z10, Z11
	VADDPS       Z11, Z0, Z0
	VBROADCASTSS (R15)(R11*1), Z12
	VMULPS       Z8, Z12, Z13
	VADDPS       Z13, Z1, Z1
	VBROADCASTSS (R15)(R11*2), Z14
	VMULPS       Z8, Z14, Z15
	VADDPS       Z15, Z2, Z2
	VBROADCASTSS (R15)(R12*1), Z16
	VMULPS       Z8, Z16, Z17
	VADDPS       Z17, Z3, Z3
	ADDQ         R10, AX
	ADDQ         $4, R15
	DECQ         R14
	JNZ          addTailTerms
	VMOVUPS      Z0, K1, (DX)
	VMOVUPS      Z1, K1, (DX)(R8*1)
	VMOVUPS      Z2, K1, (DX)(R8*2)
	VMOVUPS      Z3, K1, (DX)(R9*1)
	LEAQ         (DX)(R8*4), DX
	LEAQ         (R13)(R11*4), R13
	DECQ         BX
	JNZ          addTailRows
	VZEROUPPER
	RET

// func productAddTailAVX2(y *float32, ldy int, a *float32, lda, tiles, k int, x *float32, ldx int, mask *[16]int32, fresh bool)
TEXT ·productAddTailAVX2(SB), NOSPLIT, $0-73
	MOVQ    y+0(FP), DX
	MOVQ    ldy+8(FP), R8
	SHLQ    $2, R8
	LEAQ    (R8)(R8*2), R9
	MOVQ    lda+24(FP), R11
	SHLQ    $2, R11
	LEAQ    (R11)(R11*2), R12
	MOVQ    x+48(FP), SI
	MOVQ    ldx+56(FP), R10
	SHLQ    $2, R10
	MOVQ    mask+64(FP), AX
	VMOVDQU (AX), Y14
	VMOVDQU 32(AX), Y15
	MOVQ    a+16(FP), R13
	MOVQ    tiles+32(FP), BX

addTail2Rows:
	CMPB         fresh+72(FP), $0
	JNE          addTail2Zeros
	VMASKMOVPS   (DX), Y14, Y0
	VMASKMOVPS   32(DX), Y15, Y1
	VMASKMOVPS   (DX)(R8*1), Y14, Y2
	VMASKMOVPS   32(DX)(R8*1), Y15, Y3
	VMASKMOVPS   (DX)(R8*2), Y14, Y4
	VMASKMOVPS   32(DX)(R8*2), Y15, Y5
	VMASKMOVPS   (DX)(R9*1), Y14, Y6
	VMASKMOVPS   32(DX)(R9*1), Y15, Y7
	JMP          addTail2Started

addTail2Zeros:
	ZEROS2

addTail2Started:
	MOVQ         SI, AX
	MOVQ         R13, R15
	MOVQ         k+40(FP), R14

addTail2Terms:
	VMASKMOVPS   (AX), Y14, Y8
	VMASKMOVPS   32(AX), Y15, Y9
	VBROADCASTSS (R15), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y0, Y0
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y1, Y1
	VBROADCASTSS (R15)(R11*1), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y2, Y2
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y3, Y3
	VBROADCASTSS (R15)(R11*2), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y4, Y4
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y5, Y5
	VBROADCASTSS (R15)(R12*1), Y10
	VMULPS       Y8, Y10, Y11
	VADDPS       Y11, Y6, Y6
	VMULPS       Y9, Y10, Y12
	VADDPS       Y12, Y7, Y7
	ADDQ         R10, AX
	ADDQ         $4, R15
	DECQ         R14
	JNZ          addTail2Terms
	VMASKMOVPS   Y0, Y14, (DX)
	VMASKMOVPS   Y1, Y15, 32(DX)
	VMASKMOVPS   Y2, Y14, (DX)(R8*1)
	VMASKMOVPS   Y3, Y15, 32(DX)(R8*1)
	VMASKMOVPS   Y4, Y14, (DX)(R8*2)
	VMASKMOVPS   Y5, Y15, 32(DX)(R8*2)
	VMASKMOVPS   Y6, Y14, (DX)(R9*1)
	VMASKMOVPS   Y7, Y15, 32(DX)(R9*1)
	LEAQ         (DX)(R8*4), DX
	LEAQ         (R13)(R11*4), R13
	DECQ         BX
	JNZ          addTail2Rows
	VZEROUPPER
	RET
