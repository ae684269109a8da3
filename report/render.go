package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/results"
)

// Formats lists the table formats Write accepts.
var Formats = []string{"text", "md", "html", "csv", "latex"}

// Write renders t's tables in format: text, md or html (a fragment for a
// page), every table; csv, the accuracy and cost tables; latex, the
// accuracy table as a paper prints it.
func Write(w io.Writer, t *Table, format string) error {
	acc, eff := t.accuracyRows(), t.efficiencyRows()
	switch format {
	case "latex":
		return writeLaTeX(w, t)
	case "csv":
		cw := csv.NewWriter(w)
		cw.WriteAll(append([][]string{{"suite", t.Suite}}, acc...))
		cw.Write(nil)
		cw.WriteAll(eff)
		return cw.Error()
	case "text":
		return t.write(&plain{w: w})
	case "md":
		return t.write(&plain{w: w, markdown: true})
	case "html":
		return t.write(&hypertext{w: w})
	}
	return fmt.Errorf("report: unknown format %q (accepted: %s)", format, strings.Join(Formats, ", "))
}

// write writes every table of t to d, with its notes.
func (t *Table) write(d document) error {
	title := "Suite " + t.Suite + ": test accuracy (%)"
	if t.scored() {
		title += ", or test error where a task is scored by a loss"
	}
	if err := d.heading(title); err != nil {
		return err
	}
	if err := d.table(t.accuracyRows()); err != nil {
		return err
	}
	for _, n := range t.notes() {
		if err := d.bullet(n); err != nil {
			return err
		}
	}
	if gap := t.gapRows(); gap != nil {
		unit := "percentage points; p: Student's paired t-test over seeds, two-sided"
		if t.scored() {
			unit += "; for errors, the difference of MSE or loss: negative is better"
		}
		if err := section(d, "Suite "+t.Suite+": gap to BP on the same dataset ("+unit+")", gap); err != nil {
			return err
		}
	}
	if reach := t.reachRows(); reach != nil {
		if err := section(d, "Suite "+t.Suite+": the longest sequence length T at which each rule beats the task's baseline by more than two standard deviations of their difference, paired by seed", reach); err != nil {
			return err
		}
	}
	if err := section(d, "Suite "+t.Suite+": cost per training sample", t.efficiencyRows()); err != nil {
		return err
	}
	if dev := t.deviceRows(); len(dev) > 1 {
		if err := section(d, "Suite "+t.Suite+": training on a microcontroller (latency = MACs × cycles per MAC ÷ clock)", dev); err != nil {
			return err
		}
		var ds []string
		for _, dv := range t.Devices {
			ds = append(ds, fmt.Sprintf("%s: %g MHz, %g cycles per MAC", dv.Name, dv.ClockMHz, dv.CyclesPerMAC))
		}
		if err := d.bullet("Devices: " + strings.Join(ds, "; ") + ". Add yours to a suite as [devices.NAME] with clock_mhz and cycles_per_mac."); err != nil {
			return err
		}
	}
	for _, sw := range t.ProfileSweeps() {
		if err := section(d, fmt.Sprintf("Suite %s, %s: test accuracy (%%) against %s", t.Suite, sw.Experiment, sw.Axis), sw.rows()); err != nil {
			return err
		}
		if claim := sw.claimRows(); claim != nil {
			if err := section(d, fmt.Sprintf("Suite %s, %s: each rule against BP per profile, paired by seed (points; mean ± std (p of Student's paired t-test, pairs))", t.Suite, sw.Experiment), claim); err != nil {
				return err
			}
		}
	}
	if err := section(d, "Suite "+t.Suite+": angle between each layer's update and the BP gradient at the last epoch (degrees)", t.angleRows()); err != nil {
		return err
	}
	return d.end()
}

// section writes a heading and its table; a table with no rows (every run
// failed) is left out, heading and all.
func section(d document, title string, rows [][]string) error {
	if len(rows) < 2 {
		return nil
	}
	if err := d.heading(title); err != nil {
		return err
	}
	return d.table(rows)
}

func (t *Table) accuracyRows() [][]string {
	cols := t.shownColumns()
	head := []string{"rule"}
	for _, c := range cols {
		head = append(head, c.Label)
	}
	rows := [][]string{head}
	for _, r := range t.Rows {
		row := []string{r}
		for _, c := range cols {
			cell, _ := t.cell(r, c)
			row = append(row, cell.String())
		}
		rows = append(rows, row)
	}
	return rows
}

// gapRows lists, for every rule but BP, its mean test accuracy minus BP's on
// the same dataset (t.reference). Nil when the table has no BP.
func (t *Table) gapRows() [][]string {
	cols := t.shownColumns()
	ref := make([]*Cell, len(cols))
	head := []string{"rule"}
	any := false
	for i, c := range cols {
		head = append(head, c.Label)
		ref[i] = t.reference(c)
		any = any || ref[i] != nil
	}
	if !any || len(t.Rows) < 2 {
		return nil
	}
	rows := [][]string{head}
	for _, r := range t.Rows {
		if r == "bp" {
			continue
		}
		row := []string{r}
		for i, c := range cols {
			cell, _ := t.cell(r, c)
			if cell == nil || cell.Seeds == 0 || ref[i] == nil {
				row = append(row, "–")
				continue
			}
			gap := fmt.Sprintf("%+.2f", 100*(cell.Mean-ref[i].Mean))
			if cell.Metric != "" {
				gap = fmt.Sprintf("%+.4f", cell.Mean-ref[i].Mean)
			}
			if p := versus(cell, ref[i]); p.tested() {
				gap += fmt.Sprintf(" (p %.2g, %d seeds)", p.P, p.Pairs)
			}
			row = append(row, gap)
		}
		rows = append(rows, row)
	}
	return rows
}

// String shows a cell as "98.21 ± 0.07 (3)": mean ± std in percent, with the
// number of seeds; one seed has no spread to show, "98.21 (1)".
func (c *Cell) String() string {
	switch {
	case c == nil:
		return "–"
	case c.Seeds == 0:
		return c.Status
	}
	value, spread := fmt.Sprintf("%.2f", 100*c.Mean), fmt.Sprintf(" ± %.2f", 100*c.Std)
	if c.Metric != "" { // an error, not a percentage
		value, spread = fmt.Sprintf("%s %.4f", c.Metric, c.Mean), fmt.Sprintf(" ± %.4f", c.Std)
	}
	if c.Seeds == 1 {
		spread = ""
	}
	s := fmt.Sprintf("%s%s (%d)", value, spread, c.Seeds)
	if !math.IsNaN(c.Baseline) && c.BaselineName != "" && c.Baseline != 0 {
		if c.Metric == "" {
			s += fmt.Sprintf(" [%s %.2f]", c.BaselineName, 100*c.Baseline)
		} else {
			s += fmt.Sprintf(" [%s %.4f]", c.BaselineName, c.Baseline)
		}
	}
	if len(c.Records) > c.Seeds {
		s += fmt.Sprintf(" %d not ok", len(c.Records)-c.Seeds)
	}
	return s
}

// notes explains the protocol and lists what the reader must know: the
// tuning budget, the selected points, runs that did not finish ok, warnings.
func (t *Table) notes() []string {
	notes := []string{"Cells: test accuracy at each run's best-validation epoch, mean ± sample std over seeds (number of seeds)."}
	if t.scored() {
		notes = append(notes, "For a task scored by a loss: the test MSE (values) or cross-entropy per step (classes at every step) at the epoch of lowest validation loss; lower is better. "+
			"In brackets: the task's trivial baseline on the same test split.")
	}
	budget := map[string]int{}
	var selected []string
	var problems []string
	for _, r := range t.Rows {
		var naWhere []string // a rule that does not apply is said once, with its reason
		naReason := ""
		for _, c := range t.Columns {
			cell := t.Cells[CellKey{r, c.Experiment}]
			if cell == nil {
				continue
			}
			budget[r] = max(budget[r], cell.Points)
			if cell.Seeds == 0 && cell.Status == results.StatusNotApplicable && len(cell.NotOK) == 1 {
				naWhere, naReason = append(naWhere, c.Label()), cell.Reason
				continue
			}
			if cell.Points > 1 {
				selected = append(selected, fmt.Sprintf("%s on %s: %s", r, c.Label(), canonical(cell.Point)))
			}
			if cell.Reason != "" {
				problems = append(problems, fmt.Sprintf("%s on %s: %s", r, c.Label(), notOKAtPoint(cell)))
			}
			var counts []string
			for _, st := range []string{results.StatusDiverged, results.StatusFailed, results.StatusNotApplicable} {
				if n := cell.NotOK[st]; n > 0 {
					counts = append(counts, fmt.Sprintf("%d %s", n, st))
				}
			}
			if len(counts) > 0 {
				problems = append(problems, fmt.Sprintf("%s on %s: over all sweep points, runs %s.", r, c.Label(), strings.Join(counts, ", ")))
			}
		}
		if len(naWhere) > 0 {
			problems = append(problems, fmt.Sprintf("%s is not applicable on %s: %s", r, strings.Join(naWhere, ", "), naReason))
		}
	}
	var bs []string
	for _, r := range t.Rows {
		bs = append(bs, fmt.Sprintf("%s %d", r, budget[r]))
	}
	notes = append(notes, "Sweep points tried per rule and experiment (the tuning budget), best by mean validation accuracy among the points with the fewest runs not ok: "+strings.Join(bs, ", ")+".")
	if len(selected) > 0 {
		notes = append(notes, "Selected points: "+strings.Join(selected, "; ")+".")
	}
	notes = append(notes, problems...)
	notes = append(notes, t.mergedNotes(func(s string) string { return s })...)
	notes = append(notes, t.caveats()...)
	for _, w := range t.Warnings {
		notes = append(notes, "Warning: "+w)
	}
	return notes
}

// angleRows lists, per rule other than bp, the mean over seeds of each
// layer's last-epoch angle to the BP gradient.
func (t *Table) angleRows() [][]string {
	rows := [][]string{{"rule", "experiment", "W1 / W2 / … (input side first)"}}
	for _, r := range t.Rows {
		for _, c := range t.Columns {
			cell := t.Cells[CellKey{r, c.Experiment}]
			if cell == nil || cell.Seeds == 0 || r == "bp" {
				continue
			}
			curves := meanAngles(cell.Records)
			if len(curves) == 0 {
				continue
			}
			var parts []string
			for _, xy := range curves {
				if len(xy) == 0 {
					parts = append(parts, "–")
					continue
				}
				parts = append(parts, fmt.Sprintf("%.1f", xy[len(xy)-1].Y))
			}
			rows = append(rows, []string{r, c.Label(), strings.Join(parts, " / ")})
		}
	}
	return rows
}

func (t *Table) efficiencyRows() [][]string {
	rows := [][]string{{"rule", "experiment", "train MACs/sample", "measured MACs/sample", "eval MACs/sample",
		"kept floats/sample", "train s/epoch", "peak heap MiB", "peak RSS MiB", "BLAS"}}
	for _, f := range t.filled() {
		e := f.OK[0].Efficiency
		var train, heap, rss float64
		for _, rec := range f.OK {
			train += trainSeconds(rec)
			heap = max(heap, float64(rec.Efficiency.PeakHeapBytes))
			rss = max(rss, float64(rec.Efficiency.PeakRSSBytes))
		}
		env := f.OK[0].Env
		rows = append(rows, []string{f.Row, f.Column.Label(), fmt.Sprint(e.TrainMACsPerSample),
			fmt.Sprintf("%.0f", e.MeasuredTrainMACsPerSample), fmt.Sprint(e.EvalMACsPerSample),
			fmt.Sprint(e.KeptFloatsPerSample), fmt.Sprintf("%.2f", train/float64(len(f.OK))),
			fmt.Sprintf("%.0f", heap/(1<<20)), fmt.Sprintf("%.0f", rss/(1<<20)), fmt.Sprintf("%s×%d", env.BLAS, env.Threads)})
	}
	return rows
}

// filledCell is a cell with an ok run, and its ok runs by seed.
type filledCell struct {
	Row    string
	Column Column
	OK     []*results.Record
}

// filled lists t's cells with an ok run, by row, then by column.
func (t *Table) filled() []filledCell {
	var out []filledCell
	for _, r := range t.Rows {
		for _, c := range t.Columns {
			cell := t.Cells[CellKey{r, c.Experiment}]
			if cell == nil || cell.Seeds == 0 {
				continue
			}
			ok := okRecords(cell.Records)
			sort.Slice(ok, func(i, j int) bool { return ok[i].Spec.Seed < ok[j].Spec.Seed })
			out = append(out, filledCell{r, c, ok})
		}
	}
	return out
}

// trainSeconds is r's mean training time per epoch, evaluation left out;
// for a record that predates the split, its wall time per epoch.
func trainSeconds(r *results.Record) float64 {
	if r.Efficiency.TrainSPerEpoch > 0 {
		return r.Efficiency.TrainSPerEpoch
	}
	return r.Efficiency.WallSPerEpoch
}

// scored reports whether any cell holds an error or a baseline.
func (t *Table) scored() bool {
	for _, c := range t.Cells {
		if c.Metric != "" || c.BaselineName != "" {
			return true
		}
	}
	return false
}

// caveats lists, once each, what the records say of a rule's form that is
// not the published rule, with the experiments it concerns.
func (t *Table) caveats() []string {
	where := map[string][]string{}
	var order []string
	for _, r := range t.Rows {
		for _, c := range t.Columns {
			cell := t.Cells[CellKey{r, c.Experiment}]
			if cell == nil || len(cell.Records) == 0 || cell.Records[0].Caveat == "" {
				continue
			}
			cv := cell.Records[0].Caveat
			if _, ok := where[cv]; !ok {
				order = append(order, cv)
			}
			where[cv] = append(where[cv], c.Label())
		}
	}
	out := make([]string, len(order))
	for i, cv := range order {
		out[i] = fmt.Sprintf("Caveat: %s (%s).", cv, strings.Join(where[cv], ", "))
	}
	return out
}

// notOKAtPoint says how many of the runs at a cell's selected point did not
// end ok, how (the first one's status), and why.
func notOKAtPoint(c *Cell) string {
	status, n := "", 0
	for _, r := range c.Records {
		if r.Status != results.StatusOK {
			if n == 0 {
				status = r.Status
			}
			n++
		}
	}
	return fmt.Sprintf("%d of %d runs at the selected point %s: %s", n, len(c.Records), status, c.Reason)
}
