package report

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/creditbench/creditbench/results"
)

// PlotFormats lists the image formats of the plots.
var PlotFormats = []string{"png", "svg", "pdf"}

// Plots are the figures of a suite: each draws its own from the table into
// dir, in the format ext, and returns the files written.
var Plots = []func(t *Table, dir, ext string) ([]string, error){
	LearningCurves, EfficiencyPlots, CostBars, LengthCurves, ProfileCurves, AngleCurves,
}

// LearningCurves writes, for each experiment of t, the test accuracy (or,
// for a task scored by a loss, the test MSE or loss) per epoch of every rule
// at its selected point, the mean over seeds in a band of ± one standard
// deviation, to dir/SUITE-EXPERIMENT-curves.EXT, and returns the files
// written.
func LearningCurves(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, col := range t.Columns {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s", t.Suite, col.Label())
		p.X.Label.Text, p.Y.Label.Text = "epoch", curveLabel(t, col.Experiment)
		p.X.Tick.Marker = epochTicks{}
		drawn := false
		for _, r := range t.Rows {
			cell := t.Cells[CellKey{r, col.Experiment}]
			if cell == nil || cell.Seeds == 0 {
				continue
			}
			rule := cell.Records[0].Spec.Method
			mean, lo, hi := curveBand(cell.Records)
			if err := ruleBand(p, rule, lo, hi); err != nil {
				return files, err
			}
			if _, err := ruleLine(p, rule, r, t.variant(r), mean); err != nil {
				return files, err
			}
			drawn = true
		}
		if !drawn {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-curves.%s", t.Suite, col.Experiment, ext))
		if err := save(p, name); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// AngleCurves writes, for each experiment of t, the angle between each
// rule's weight update and the BP gradient per epoch (mean over seeds at the
// selected point), a panel per layer as the FTP paper's Fig. 2 shows it, to
// dir/SUITE-EXPERIMENT-angles.EXT. BP itself (at 0°) is left out.
func AngleCurves(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, col := range t.Columns {
		var panels []*plot.Plot
		legend, named := plot.NewLegend(), []string(nil)
		for _, r := range t.Rows {
			cell := t.Cells[CellKey{r, col.Experiment}]
			if cell == nil || cell.Seeds == 0 || r == "bp" {
				continue
			}
			rule := cell.Records[0].Spec.Method
			for l, xy := range meanAngles(cell.Records) {
				for len(panels) <= l {
					p := plot.New()
					p.Title.Text = fmt.Sprintf("W%d", len(panels)+1)
					p.X.Label.Text, p.Y.Label.Text = "epoch", "angle to BP (°)"
					p.X.Tick.Marker, p.Y.Min = epochTicks{}, 0
					panels = append(panels, p)
				}
				if len(xy) == 0 {
					continue
				}
				thumbs, err := ruleLine(panels[l], rule, r, t.variant(r), xy)
				if err != nil {
					return files, err
				}
				if !slices.Contains(named, r) {
					named = append(named, r)
					legend.Add(r, thumbs...)
				}
			}
		}
		if len(panels) == 0 {
			continue
		}
		panels[0].Title.Text += " (input side)"
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-angles.%s", t.Suite, col.Experiment, ext))
		title := fmt.Sprintf("%s: %s, each layer's update against the BP gradient", t.Suite, col.Label())
		if err := saveGrid(name, title, panels, legend); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// meanAngles averages each layer's angle per epoch over the ok runs, up to
// the shortest run; NaN angles (a zero update) are left out of the mean.
func meanAngles(recs []*results.Record) []plotter.XYs {
	ok := okRecords(recs)
	n := shortest(ok)
	if n == 0 || len(ok[0].Epochs[0].AngleToBP) == 0 {
		return nil
	}
	layers := len(ok[0].Epochs[0].AngleToBP)
	out := make([]plotter.XYs, layers)
	for l := range out {
		for i := 0; i < n; i++ {
			var sum float64
			var k int
			for _, r := range ok {
				if a := float64(r.Epochs[i].AngleToBP[l]); !math.IsNaN(a) {
					sum += a
					k++
				}
			}
			if k > 0 {
				out[l] = append(out[l], plotter.XY{X: float64(i + 1), Y: sum / float64(k)})
			}
		}
	}
	return out
}

func okRecords(recs []*results.Record) []*results.Record {
	var ok []*results.Record
	for _, r := range recs {
		if r.Status == results.StatusOK {
			ok = append(ok, r)
		}
	}
	return ok
}

// shortest returns the fewest epochs among recs (0 for none).
func shortest(recs []*results.Record) int {
	n := -1
	for _, r := range recs {
		if n < 0 || len(r.Epochs) < n {
			n = len(r.Epochs)
		}
	}
	return max(n, 0)
}

// curveBand averages the test figure per epoch over the ok runs, up to the
// shortest run, and returns the mean and the band of ± one sample standard
// deviation around it (the mean itself for one run).
func curveBand(recs []*results.Record) (mean, lo, hi plotter.XYs) {
	ok := okRecords(recs)
	n := shortest(ok)
	mean, lo, hi = make(plotter.XYs, n), make(plotter.XYs, n), make(plotter.XYs, n)
	ys := make([]float64, len(ok))
	for i := range mean {
		for j, r := range ok {
			ys[j] = epochFigure(r.Epochs[i])
		}
		m, sd := meanStd(ys)
		x := float64(i + 1)
		mean[i], lo[i], hi[i] = plotter.XY{X: x, Y: m}, plotter.XY{X: x, Y: m - sd}, plotter.XY{X: x, Y: m + sd}
	}
	return mean, lo, hi
}

// epochFigure is an epoch's test accuracy in percent, or its test MSE
// (values) or loss (classes at every step).
func epochFigure(e results.Epoch) float64 {
	metric, v := scoreOf(e.Test, e.TestAcc)
	if metric == "" {
		return 100 * v
	}
	return v
}

// curveLabel names what the learning curves of an experiment show.
func curveLabel(t *Table, experiment string) string {
	for _, r := range t.Rows {
		if c := t.Cells[CellKey{r, experiment}]; c != nil && c.Seeds > 0 {
			switch c.Metric {
			case "mse":
				return "test MSE"
			case "loss":
				return "test cross-entropy per step"
			}
			return "test accuracy (%)"
		}
	}
	return "test accuracy (%)"
}

// ValidPlotFormat reports whether ext is a plot format.
func ValidPlotFormat(ext string) bool {
	for _, f := range PlotFormats {
		if strings.EqualFold(f, ext) {
			return true
		}
	}
	return false
}
