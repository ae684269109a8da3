package report

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// alpha is the level below which a difference to BP counts as significant.
const alpha = 0.05

// pairedTest is a cell compared with BP's on the same dataset, seed by seed:
// runs of one seed share their validation split, and where their nets have
// the same shapes their initial weights and data order, so each seed is a
// pair.
type pairedTest struct {
	Pairs int     // seeds with an ok run in both cells
	Diff  float64 // mean of the cell's figure minus BP's, over the pairs
	// P is the two-sided p-value of Student's paired t-test on the pairs'
	// differences, NaN for fewer than two pairs.
	P float64
}

// significant reports whether the test found the difference significant at
// level alpha; false when no test could be made.
func (p pairedTest) significant() bool { return p.P < alpha }

// tested reports whether there were pairs enough for a test.
func (p pairedTest) tested() bool { return !math.IsNaN(p.P) }

// seedDiffs pairs c's ok runs with ref's by seed and returns, in c's order,
// each pair's seed and the difference of their figures (c's minus ref's).
func seedDiffs(c, ref *Cell) (seeds []int64, d []float64) {
	bySeed := map[int64]float64{}
	for _, r := range okRecords(ref.Records) {
		_, bySeed[r.Spec.Seed] = figure(r)
	}
	for _, r := range okRecords(c.Records) {
		if b, ok := bySeed[r.Spec.Seed]; ok {
			_, v := figure(r)
			seeds, d = append(seeds, r.Spec.Seed), append(d, v-b)
		}
	}
	return seeds, d
}

// versus tests c against ref by seed.
func versus(c, ref *Cell) pairedTest {
	_, d := seedDiffs(c, ref)
	p := pairedTest{Pairs: len(d), P: math.NaN()}
	if len(d) == 0 {
		return p
	}
	p.Diff, _ = meanStd(d)
	p.P = tTest(d)
	return p
}

// tTest is the two-sided p-value of Student's one-sample t-test of d
// against 0 (the paired test, on differences); NaN for fewer than two.
func tTest(d []float64) float64 {
	if len(d) < 2 {
		return math.NaN()
	}
	mean, std := meanStd(d)
	switch {
	case std == 0 && mean == 0:
		return 1
	case std == 0:
		return 0
	}
	tt := mean / (std / math.Sqrt(float64(len(d))))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(d) - 1)}.Survival(math.Abs(tt))
}
