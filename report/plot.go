package report

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/creditbench/creditbench/results"
)

// PlotFormats lists the image formats of the plots.
var PlotFormats = []string{"png", "svg", "pdf"}

// LearningCurves writes, for each experiment of t, the test accuracy (or,
// for a task scored by a loss, the test MSE or loss) per epoch of every rule
// at its selected point (mean over seeds) to dir/SUITE-EXPERIMENT-curves.EXT,
// and returns the files written.
func LearningCurves(t *Table, dir, ext string) ([]string, error) {
	return perExperiment(t, dir, ext, "curves", "", "", func(_ string, c *Cell) []any {
		return []any{meanCurve(c.Records)}
	})
}

// AngleCurves writes, for each experiment of t, the angle between each
// rule's weight update and the BP gradient per layer and epoch (mean over
// seeds at the selected point) to dir/SUITE-EXPERIMENT-angles.EXT, as the FTP
// paper's Fig. 2 shows it. BP itself (at 0°) is left out.
func AngleCurves(t *Table, dir, ext string) ([]string, error) {
	return perExperiment(t, dir, ext, "angles", ", update vs BP gradient", "angle (degrees)", func(row string, c *Cell) []any {
		if row == "bp" {
			return nil
		}
		var lines []any
		for l, xy := range meanAngles(c.Records) {
			lines = append(lines, fmt.Sprintf("W%d", l+1), xy)
		}
		return lines
	})
}

// perExperiment draws one plot per experiment of t against the epoch, with
// the lines that lines returns for each row's cell (name, XYs pairs; a lone
// XYs takes the row's name), and saves it as dir/SUITE-EXPERIMENT-KIND.EXT.
// Experiments with no line get no file.
func perExperiment(t *Table, dir, ext, kind, title, ylabel string, lines func(row string, c *Cell) []any) ([]string, error) {
	var files []string
	for _, col := range t.Columns {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s%s", t.Suite, col.Label(), title)
		p.X.Label.Text = "epoch"
		p.X.Tick.Marker = epochTicks{}
		p.Y.Label.Text = ylabel
		if ylabel == "" {
			p.Y.Label.Text = curveLabel(t, col.Experiment)
		}
		drawn := false
		for _, r := range t.Rows {
			cell := t.Cells[CellKey{r, col.Experiment}]
			if cell == nil || cell.Seeds == 0 {
				continue
			}
			rule := cell.Records[0].Spec.Method
			ls := lines(r, cell)
			if len(ls) == 1 {
				ls = []any{"", ls[0]}
			}
			for i := 0; i+1 < len(ls); i += 2 {
				label := strings.TrimSpace(r + " " + ls[i].(string))
				if err := ruleLine(p, rule, label, i/2, ls[i+1].(plotter.XYs)); err != nil {
					return files, err
				}
				drawn = true
			}
		}
		if !drawn {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.%s", t.Suite, col.Experiment, kind, ext))
		if err := save(p, name); err != nil {
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

// meanCurve averages the test accuracy per epoch over the ok runs, up to the
// shortest run.
func meanCurve(recs []*results.Record) plotter.XYs {
	ok := okRecords(recs)
	xy := make(plotter.XYs, shortest(ok))
	for i := range xy {
		xy[i].X = float64(i + 1)
		for _, r := range ok {
			xy[i].Y += epochFigure(r.Epochs[i]) / float64(len(ok))
		}
	}
	return xy
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
