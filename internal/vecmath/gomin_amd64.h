// GOMIN sets r to Go's min(x, y) as its compiler computes it: m = x < y ? x
// : y, then m | (m < x ? m : x), which orders −0 below +0 and keeps a NaN.
// Go's max(x, y) is −min(−x, −y).
#define GOMIN(x, y, m, r) \
	VMINPS y, x, m; \
	VMINPS x, m, r; \
	VORPS  r, m, r
