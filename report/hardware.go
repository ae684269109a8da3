package report

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/spec"
)

// ProfileSweep is, for one experiment whose runs differ in profile, each
// rule's mean test accuracy (at best validation) per profile, profiles
// ordered from the least to the most demanding.
type ProfileSweep struct {
	Experiment string
	Axis       string    // "bits" or "noise"
	Profiles   []string  // in order
	X          []float64 // the axis value of each profile
	Rules      []string
	Acc        map[string][]float64        // rule → per profile (NaN: no ok run)
	cells      map[string]map[string]*Cell // rule → profile → cell
}

// severity places a profile on the bits axis (the fewest bits of its
// formats, fp32 = 32) and on the noise axis (its largest noise level).
func severity(s spec.Run) (bits, noise float64) {
	p := hardware.Builtins["fp32"]
	if s.ProfileDef != nil {
		p = *s.ProfileDef
	}
	return float64(p.Bits()), p.Noise()
}

// ProfileSweeps finds the experiments of t whose runs span several profiles.
func (t *Table) ProfileSweeps() []ProfileSweep {
	var out []ProfileSweep
	for _, col := range t.Columns {
		type point struct{ bits, noise float64 }
		at := map[string]point{}
		acc := map[string]map[string]float64{}
		cells := map[string]map[string]*Cell{}
		var rules []string
		for k, c := range t.Cells {
			if k.Experiment != col.Experiment || len(c.Records) == 0 {
				continue
			}
			s := c.Records[0].Spec
			b, n := severity(s)
			at[s.Profile] = point{b, n}
			if acc[s.Method] == nil {
				acc[s.Method], cells[s.Method] = map[string]float64{}, map[string]*Cell{}
				rules = append(rules, s.Method)
			}
			cells[s.Method][s.Profile] = c
			acc[s.Method][s.Profile] = math.NaN()
			if c.Seeds > 0 {
				acc[s.Method][s.Profile] = c.Mean
			}
		}
		if len(at) < 2 {
			continue
		}
		sw := ProfileSweep{Experiment: col.Experiment, Axis: "bits", Acc: map[string][]float64{}, cells: cells}
		for name, p := range at {
			if p.noise > 0 {
				sw.Axis = "noise"
			}
			sw.Profiles = append(sw.Profiles, name)
		}
		x := func(name string) float64 {
			if sw.Axis == "noise" {
				return at[name].noise
			}
			return at[name].bits
		}
		sort.Slice(sw.Profiles, func(i, j int) bool {
			a, b := x(sw.Profiles[i]), x(sw.Profiles[j])
			if sw.Axis == "bits" {
				a, b = -a, -b
			}
			return a < b || a == b && sw.Profiles[i] < sw.Profiles[j]
		})
		for _, name := range sw.Profiles {
			sw.X = append(sw.X, x(name))
		}
		sort.Slice(rules, func(i, j int) bool { return rowLess(rules[i], rules[j]) })
		sw.Rules = rules
		for _, r := range rules {
			for _, name := range sw.Profiles {
				v, ok := acc[r][name]
				if !ok {
					v = math.NaN()
				}
				sw.Acc[r] = append(sw.Acc[r], v)
			}
		}
		out = append(out, sw)
	}
	return out
}

// FallsAt returns the first profile, in order, where rule r's accuracy is
// more than drop below its accuracy on the first (least demanding) profile,
// or "" when none is.
func (sw ProfileSweep) FallsAt(r string, drop float64) string {
	acc := sw.Acc[r]
	if len(acc) == 0 || math.IsNaN(acc[0]) {
		return ""
	}
	for i, a := range acc[1:] {
		if math.IsNaN(a) || a < acc[0]-drop {
			return sw.Profiles[i+1]
		}
	}
	return ""
}

func (sw ProfileSweep) rows() [][]string {
	head := []string{"rule"}
	head = append(head, sw.Profiles...)
	head = append(head, "1 pp below "+sw.Profiles[0]+" at")
	rows := [][]string{head}
	for _, r := range sw.Rules {
		row := []string{r}
		for _, a := range sw.Acc[r] {
			if math.IsNaN(a) {
				row = append(row, "–")
			} else {
				row = append(row, fmt.Sprintf("%.2f", 100*a))
			}
		}
		at := sw.FallsAt(r, 0.01)
		if at == "" {
			at = "never here"
		}
		rows = append(rows, append(row, at))
	}
	return rows
}

// claimRows tests, per profile, every rule against BP seed by seed: the
// paired gap (the rule's accuracy minus BP's, in points, mean ± std over
// seeds, Student's paired t-test), and how that gap moved from the first,
// least demanding profile (the same per seed: the gap at the profile minus
// the gap at the first), and the verdict the gap's test gives. Nil without
// BP or a second rule.
func (sw ProfileSweep) claimRows() [][]string {
	bp := sw.cells["bp"]
	if bp == nil || len(sw.Rules) < 2 {
		return nil
	}
	rows := [][]string{append([]string{"rule", "measure"}, sw.Profiles...)}
	for _, r := range sw.Rules {
		if r == "bp" {
			continue
		}
		gap, moved := []string{r, "gap to BP"}, []string{r, "gap minus the gap at " + sw.Profiles[0]}
		verdict := []string{r, fmt.Sprintf("against BP (p < %g)", significance)}
		first := seedGaps(sw.cells[r][sw.Profiles[0]], bp[sw.Profiles[0]])
		for _, prof := range sw.Profiles {
			g := seedGaps(sw.cells[r][prof], bp[prof])
			gap = append(gap, describeGaps(g))
			verdict = append(verdict, verdictOf(g, sw.cells[r][prof], bp[prof]))
			var d gaps
			for i, seed := range g.seeds {
				if f, ok := first.at(seed); ok {
					d.seeds, d.vals = append(d.seeds, seed), append(d.vals, g.vals[i]-f)
				}
			}
			moved = append(moved, describeGaps(d))
		}
		rows = append(rows, gap, moved, verdict)
	}
	return rows
}

// significance is the level at which a paired gap counts as shown.
const significance = 0.05

// verdictOf says whether the gaps g of cell c to BP's cell show the rule
// better or worse than BP: "better" or "worse" when the paired t-test
// rejects a zero mean at significance, "not shown" when it does not;
// "worse: no run ended ok" where every run of the rule failed and BP had
// runs that ended ok; "–" otherwise without two pairs.
func verdictOf(g gaps, c, bp *Cell) string {
	if c != nil && bp != nil && len(c.Records) > 0 && c.Seeds == 0 && bp.Seeds > 0 {
		return "worse: no run ended ok"
	}
	if len(g.vals) < 2 {
		return "–"
	}
	mean, _ := meanStd(g.vals)
	switch {
	case tTest(g.vals) >= significance:
		return "not shown"
	case mean > 0:
		return "better"
	}
	return "worse"
}

// gaps are per-seed differences of two cells' figures, in points, in the
// order of the first cell's runs.
type gaps struct {
	seeds []int64
	vals  []float64
}

// seedGaps pairs c with ref by seed (ok runs in both).
func seedGaps(c, ref *Cell) gaps {
	var g gaps
	if c == nil || ref == nil {
		return g
	}
	seeds, d := seedDiffs(c, ref)
	g.seeds = seeds
	for _, v := range d {
		g.vals = append(g.vals, 100*v)
	}
	return g
}

// at returns the gap of seed.
func (g gaps) at(seed int64) (float64, bool) {
	for i, s := range g.seeds {
		if s == seed {
			return g.vals[i], true
		}
	}
	return 0, false
}

// describeGaps writes "−1.20 ± 0.31 (p 0.04, 3)": mean ± std, the paired
// t-test's p-value and the number of pairs; "–" with no pair.
func describeGaps(g gaps) string {
	if len(g.vals) == 0 {
		return "–"
	}
	mean, std := meanStd(g.vals)
	if len(g.vals) == 1 {
		return fmt.Sprintf("%+.2f (1)", mean)
	}
	return fmt.Sprintf("%+.2f ± %.2f (p %.2g, %d)", mean, std, tTest(g.vals), len(g.vals))
}

// ProfileCurves plots each profile sweep of t: test accuracy per profile,
// ordered by bits or noise, one line per rule, to
// dir/SUITE-EXPERIMENT-profiles.EXT.
func ProfileCurves(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, sw := range t.ProfileSweeps() {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s, accuracy vs %s", t.Suite, sw.Experiment, sw.Axis)
		p.X.Label.Text = "profile, from the least to the most demanding"
		p.Y.Label.Text = "test accuracy (%)"
		// One evenly spaced position per profile, labelled by its name.
		var ticks []plot.Tick
		for i, name := range sw.Profiles {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: name})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		for _, r := range sw.Rules {
			var xy plotter.XYs
			for i, a := range sw.Acc[r] {
				if !math.IsNaN(a) {
					xy = append(xy, plotter.XY{X: float64(i), Y: 100 * a})
				}
			}
			if _, err := ruleLine(p, r, r, 0, xy); err != nil {
				return files, err
			}
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-profiles.%s", t.Suite, sw.Experiment, ext))
		if err := save(p, name); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}
