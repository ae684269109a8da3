package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/creditbench/creditbench/results"
)

// PlotFormats lists the image formats of the plots.
var PlotFormats = []string{"png", "svg", "pdf"}

// LearningCurves writes, for each experiment of t, the test accuracy per
// epoch of every rule at its selected point (mean over seeds) to
// dir/SUITE-EXPERIMENT-curves.EXT, and returns the files written.
func LearningCurves(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, c := range t.Columns {
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s", t.Suite, c.Label())
		p.X.Label.Text = "epoch"
		p.Y.Label.Text = "test accuracy (%)"
		p.Legend.Top, p.Legend.Left = false, false
		var lines []any
		for _, r := range t.Rows {
			cell := t.Cells[CellKey{r, c.Experiment}]
			if cell == nil || cell.Seeds == 0 {
				continue
			}
			lines = append(lines, r, meanCurve(cell.Records))
		}
		if len(lines) == 0 {
			continue
		}
		if err := plotutil.AddLinePoints(p, lines...); err != nil {
			return files, fmt.Errorf("report: %v", err)
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-curves.%s", t.Suite, c.Experiment, ext))
		if err := p.Save(6*vg.Inch, 4*vg.Inch, name); err != nil {
			return files, fmt.Errorf("report: %v", err)
		}
		files = append(files, name)
	}
	return files, nil
}

// meanCurve averages the test accuracy per epoch over the ok runs, up to the
// shortest run.
func meanCurve(recs []*results.Record) plotter.XYs {
	var ok []*results.Record
	n := -1
	for _, r := range recs {
		if r.Status == results.StatusOK {
			ok = append(ok, r)
			if n < 0 || len(r.Epochs) < n {
				n = len(r.Epochs)
			}
		}
	}
	xy := make(plotter.XYs, max(n, 0))
	for i := range xy {
		xy[i].X = float64(i + 1)
		for _, r := range ok {
			xy[i].Y += 100 * r.Epochs[i].TestAcc / float64(len(ok))
		}
	}
	return xy
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
