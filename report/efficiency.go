package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/creditbench/creditbench/results"
)

// costPoint is one rule at one sweep point of an experiment: its test
// figure and its training cost, each the mean over the point's ok runs.
type costPoint struct {
	Row    string
	Rule   string
	Figure float64 // accuracy in percent, or the error of a task scored by a loss
	MACs   float64 // the whole training's: MACs per sample × samples × epochs
	TrainS float64 // the whole training's seconds, evaluation left out
}

// costPoints lists every rule's sweep points on experiment that have an ok
// run and a known training set, in row and point order.
func (t *Table) costPoints(experiment string) []costPoint {
	type group struct {
		row  string
		recs []*results.Record
	}
	groups := map[string]*group{}
	var keys []string
	for _, r := range t.Records {
		if r.Spec.Experiment != experiment || r.Status != results.StatusOK || trainingSamples(r) == 0 {
			continue
		}
		row := rowLabel(r.Spec)
		k := row + " " + canonical(r.Spec.Point)
		if groups[k] == nil {
			groups[k] = &group{row: row}
			keys = append(keys, k)
		}
		groups[k].recs = append(groups[k].recs, r)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := groups[keys[i]].row, groups[keys[j]].row
		return rowLess(a, b) || a == b && keys[i] < keys[j]
	})
	var out []costPoint
	for _, k := range keys {
		g := groups[k]
		p := costPoint{Row: g.row, Rule: g.recs[0].Spec.Method}
		for _, r := range g.recs {
			metric, v := figure(r)
			if metric == "" {
				v *= 100
			}
			epochs := float64(len(r.Epochs))
			p.Figure += v
			p.MACs += float64(r.Efficiency.TrainMACsPerSample) * float64(trainingSamples(r)) * epochs
			p.TrainS += trainSeconds(r) * epochs
		}
		n := float64(len(g.recs))
		p.Figure, p.MACs, p.TrainS = p.Figure/n, p.MACs/n, p.TrainS/n
		out = append(out, p)
	}
	return out
}

// frontier returns the points no other point beats at a lower or equal
// cost, by cost: the efficiency frontier. lower says a lower figure is
// better (an error).
func frontier(xy plotter.XYs, lower bool) plotter.XYs {
	pts := slices.Clone(xy)
	sort.Slice(pts, func(i, j int) bool {
		return pts[i].X < pts[j].X || pts[i].X == pts[j].X && (pts[i].Y > pts[j].Y) != lower
	})
	var out plotter.XYs
	for _, p := range pts {
		if len(out) == 0 || (lower && p.Y < out[len(out)-1].Y) || (!lower && p.Y > out[len(out)-1].Y) {
			out = append(out, p)
		}
	}
	return out
}

// EfficiencyPlots writes, for each experiment of t, its test figure
// against the whole training's MACs and against its training seconds, a
// point per rule and sweep point and the frontier through the points no
// cheaper one beats, to dir/SUITE-EXPERIMENT-efficiency.EXT.
func EfficiencyPlots(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, col := range t.Columns {
		pts := t.costPoints(col.Experiment)
		if len(pts) == 0 {
			continue
		}
		lower := t.lowerIsBetter(col.Experiment)
		legend := plot.NewLegend()
		var panels []*plot.Plot
		for _, axis := range []struct {
			label string
			cost  func(costPoint) float64
		}{
			{"training MACs", func(p costPoint) float64 { return p.MACs }},
			{"training seconds", func(p costPoint) float64 { return p.TrainS }},
		} {
			p := plot.New()
			p.X.Label.Text = axis.label
			p.Y.Label.Text = curveLabel(t, col.Experiment)
			var all plotter.XYs
			byRule := map[string]plotter.XYs{}
			var rules []string
			for _, pt := range pts {
				c := axis.cost(pt)
				if c <= 0 {
					continue
				}
				if byRule[pt.Rule] == nil {
					rules = append(rules, pt.Rule)
				}
				byRule[pt.Rule] = append(byRule[pt.Rule], plotter.XY{X: c, Y: pt.Figure})
				all = append(all, plotter.XY{X: c, Y: pt.Figure})
			}
			if len(all) == 0 {
				continue
			}
			// Costs over a decade apart on a log axis; either axis padded,
			// so that a lone point, or points of one cost, span something.
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, xy := range all {
				lo, hi = min(lo, xy.X), max(hi, xy.X)
			}
			if hi > 10*lo {
				p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
				p.X.Min, p.X.Max = lo/1.5, hi*1.5
			} else {
				p.X.Min, p.X.Max = max(0, lo-0.1*(hi-lo)-0.05*hi), hi+0.1*(hi-lo)+0.05*hi
			}
			f, err := plotter.NewLine(frontier(all, lower))
			if err != nil {
				return files, fmt.Errorf("report: %v", err)
			}
			f.Color, f.Dashes = color.Gray{0x99}, []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(f)
			if len(panels) == 0 {
				legend.Add("frontier", f)
			}
			for _, r := range rules {
				s, err := plotter.NewScatter(byRule[r])
				if err != nil {
					return files, fmt.Errorf("report: %v", err)
				}
				i := styleIndex(r)
				s.Color, s.Shape, s.Radius = palette[i%len(palette)], plotutil.Shape(i), vg.Points(3)
				p.Add(s)
				if len(panels) == 0 {
					legend.Add(r, s)
				}
			}
			panels = append(panels, p)
		}
		if len(panels) == 0 {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-efficiency.%s", t.Suite, col.Experiment, ext))
		title := fmt.Sprintf("%s: %s, a point per rule and sweep point", t.Suite, col.Label())
		if err := saveGrid(name, title, panels, legend); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// lowerIsBetter reports whether experiment's cells hold an error.
func (t *Table) lowerIsBetter(experiment string) bool {
	for _, r := range t.Rows {
		if c := t.Cells[CellKey{r, experiment}]; c != nil && c.Seeds > 0 {
			return c.Metric != ""
		}
	}
	return false
}

// CostBars writes, for t, each rule's training seconds per epoch and peak
// Go heap at its selected point, a horizontal bar per rule and experiment,
// to dir/SUITE-cost.EXT.
func CostBars(t *Table, dir, ext string) ([]string, error) {
	type bar struct {
		label, rule string
		recs        []*results.Record
	}
	var bars []bar // bottom to top: the tables' order read from the top
	for _, c := range t.Columns {
		for _, r := range t.Rows {
			if cell := t.Cells[CellKey{r, c.Experiment}]; cell != nil && cell.Seeds > 0 {
				bars = append(bars, bar{c.Label() + " · " + r, cell.Records[0].Spec.Method, okRecords(cell.Records)})
			}
		}
	}
	if len(bars) == 0 {
		return nil, nil
	}
	slices.Reverse(bars)
	names := make([]string, len(bars))
	for i, b := range bars {
		names[i] = b.label
	}
	height := max(figureHeight, vg.Length(len(bars))*0.2*vg.Inch+1.2*vg.Inch)
	thickness := 0.14 * vg.Inch
	legend := plot.NewLegend()
	var panels []*plot.Plot
	for k, m := range []struct {
		label string
		of    func(*results.Record) float64
	}{
		{"training s per epoch", trainSeconds},
		{"peak Go heap (MiB)", func(r *results.Record) float64 { return float64(r.Efficiency.PeakHeapBytes) / (1 << 20) }},
	} {
		p := plot.New()
		p.X.Label.Text, p.X.Min = m.label, 0
		p.NominalY(names...)
		if k > 0 { // the first panel names the bars for both
			p.HideY()
		}
		var rules []string
		for _, b := range bars {
			if !slices.Contains(rules, b.rule) {
				rules = append(rules, b.rule)
			}
		}
		slices.SortFunc(rules, func(a, b string) int { return styleIndex(a) - styleIndex(b) })
		for _, rule := range rules {
			vs := make(plotter.Values, len(bars))
			for i, b := range bars {
				if b.rule == rule {
					for _, rec := range b.recs {
						vs[i] += m.of(rec) / float64(len(b.recs))
					}
				}
			}
			ch, err := plotter.NewBarChart(vs, thickness)
			if err != nil {
				return nil, fmt.Errorf("report: %v", err)
			}
			ch.Horizontal = true
			ch.Color, ch.LineStyle.Width = palette[styleIndex(rule)%len(palette)], 0
			p.Add(ch)
			if k == 0 {
				legend.Add(rule, ch)
			}
		}
		panels = append(panels, p)
	}
	name := filepath.Join(dir, fmt.Sprintf("%s-cost.%s", t.Suite, ext))
	lead := 0.2 * vg.Inch // the labels' room, beside the ticks
	for _, n := range names {
		lead = max(lead, panels[0].Y.Tick.Label.Width(n)+0.2*vg.Inch)
	}
	if err := saveGridSized(name, t.Suite+": training time and memory (selected point, mean over seeds)", panels, legend, height, lead); err != nil {
		return nil, err
	}
	return []string{name}, nil
}

// firstCell is row's first cell with an ok run.
func (t *Table) firstCell(row string) *Cell {
	for _, c := range t.Columns {
		if cell := t.Cells[CellKey{row, c.Experiment}]; cell != nil && cell.Seeds > 0 {
			return cell
		}
	}
	return nil
}

// lengthFamily is a generated task run on one net at several sequence
// lengths: its columns, shortest T first.
type lengthFamily struct {
	dataset, net string
	cols         []Column
	// named says that the dataset is run on other nets too, so that names
	// must tell the nets apart.
	named bool
}

// lengthFamilies lists t's generated tasks run on one net at two lengths
// or more, in the order of their first columns.
func (t *Table) lengthFamilies() []lengthFamily {
	type family struct{ dataset, net string }
	byFamily := map[family][]Column{}
	var order []family
	nets := map[string]map[string]bool{} // dataset → nets
	for _, c := range t.Columns {
		if _, net, ok := t.length(c); ok {
			f := family{c.Dataset, net}
			if byFamily[f] == nil {
				order = append(order, f)
			}
			byFamily[f] = append(byFamily[f], c)
			if nets[c.Dataset] == nil {
				nets[c.Dataset] = map[string]bool{}
			}
			nets[c.Dataset][net] = true
		}
	}
	var fs []lengthFamily
	for _, f := range order {
		cols := byFamily[f]
		if len(cols) < 2 {
			continue
		}
		sort.SliceStable(cols, func(i, j int) bool {
			a, _, _ := t.length(cols[i])
			b, _, _ := t.length(cols[j])
			return a < b
		})
		fs = append(fs, lengthFamily{dataset: f.dataset, net: f.net, cols: cols, named: len(nets[f.dataset]) > 1})
	}
	return fs
}

// LengthCurves writes, for each generated task of t run on one net at
// several sequence lengths (its argument T), each rule's test figure against
// T, with the task's trivial baseline, to dir/SUITE-DATASET-length.EXT (or
// SUITE-DATASET-NET-length.EXT when the task is run on several nets).
func LengthCurves(t *Table, dir, ext string) ([]string, error) {
	var files []string
	for _, f := range t.lengthFamilies() {
		cols := f.cols
		p := plot.New()
		p.Title.Text = fmt.Sprintf("%s: %s (%s) against sequence length", t.Suite, f.dataset, f.net)
		p.X.Label.Text = "sequence length T"
		p.Y.Label.Text = curveLabel(t, cols[0].Experiment)
		lines := map[string]plotter.XYs{}
		var base plotter.XYs
		var ticks []plot.Tick
		for _, c := range cols {
			T, _, _ := t.length(c)
			ticks = append(ticks, plot.Tick{Value: T, Label: fmt.Sprint(T)})
			hasBase := false
			for _, r := range t.Rows {
				cell := t.Cells[CellKey{r, c.Experiment}]
				if cell == nil || cell.Seeds == 0 {
					continue
				}
				v, b := cell.Mean, cell.Baseline
				if cell.Metric == "" {
					v, b = 100*v, 100*b
				}
				lines[r] = append(lines[r], plotter.XY{X: T, Y: v})
				if !hasBase && !math.IsNaN(b) && cell.BaselineName != "" {
					base, hasBase = append(base, plotter.XY{X: T, Y: b}), true
				}
			}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		if len(base) > 0 {
			sort.Slice(base, func(i, j int) bool { return base[i].X < base[j].X })
			l, err := plotter.NewLine(base)
			if err != nil {
				return files, fmt.Errorf("report: %v", err)
			}
			l.Color, l.Dashes = color.Gray{0x99}, []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
			p.Legend.Add("baseline", l)
		}
		for _, r := range t.Rows {
			xy := lines[r]
			if len(xy) == 0 {
				continue
			}
			sort.Slice(xy, func(i, j int) bool { return xy[i].X < xy[j].X })
			rule := t.firstCell(r).Records[0].Spec.Method
			if _, err := ruleLine(p, rule, r, t.variant(r), xy); err != nil {
				return files, err
			}
		}
		stem := f.dataset
		if f.named {
			stem += "-" + strings.ReplaceAll(f.net, " ", "")
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%s-length.%s", t.Suite, stem, ext))
		if err := save(p, name); err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// length is the sequence length T of column c's generated task, and the
// net it is run on ("lstm 128").
func (t *Table) length(c Column) (T float64, net string, ok bool) {
	for _, r := range t.Records {
		if r.Spec.Experiment != c.Experiment {
			continue
		}
		net = r.Spec.Model.Kind
		for _, h := range r.Spec.Model.Hidden {
			net += fmt.Sprintf(" %d", h)
		}
		switch v := r.Spec.DatasetArgs["T"].(type) {
		case int:
			return float64(v), net, true
		case int64:
			return float64(v), net, true
		case float64:
			return v, net, true
		}
		return 0, "", false
	}
	return 0, "", false
}
