package report

import (
	"fmt"
	"strings"

	"github.com/creditbench/creditbench/results"
)

// reachRows lists, for each generated task run on one net at several
// sequence lengths, the longest length T at which each rule still beats
// the task's trivial baseline: by more than two standard deviations of
// their difference over seeds, paired by seed (each seed draws its own
// test set, and the baseline is scored on it). Nil when no task is run at
// two lengths or more.
func (t *Table) reachRows() [][]string {
	fs := t.lengthFamilies()
	if len(fs) == 0 {
		return nil
	}
	head := []string{"rule"}
	for _, f := range fs {
		var Ts []string
		for _, c := range f.cols {
			T, _, _ := t.length(c)
			Ts = append(Ts, fmt.Sprint(T))
		}
		head = append(head, fmt.Sprintf("%s, %s (T %s)", f.dataset, f.net, strings.Join(Ts, ", ")))
	}
	rows := [][]string{head}
	for _, r := range t.Rows {
		row := []string{r}
		for _, f := range fs {
			row = append(row, t.reach(r, f))
		}
		rows = append(rows, row)
	}
	return rows
}

// reach is row r's entry of family f: the longest T it beats the baseline
// at, "none", or the status its runs share where none was ok.
func (t *Table) reach(r string, f lengthFamily) string {
	longest, status := "", "–"
	tried := false
	for _, c := range f.cols {
		cell := t.Cells[CellKey{r, c.Experiment}]
		if cell == nil {
			continue
		}
		if cell.Seeds == 0 {
			status = cell.Status
			continue
		}
		tried = true
		if beats, seeds := beatsBaseline(cell); beats {
			T, _, _ := t.length(c)
			longest = fmt.Sprint(T)
			if seeds < 2 {
				longest += " (1 seed)"
			}
		}
	}
	switch {
	case longest != "":
		return longest
	case tried:
		return "none"
	}
	return status
}

// beatsBaseline reports whether the ok runs of cell beat their baselines:
// the mean of the paired differences exceeds twice their sample standard
// deviation (with one seed, any improvement counts), and how many seeds
// were paired. A cell whose runs carry no baseline never beats it.
func beatsBaseline(cell *Cell) (beats bool, seeds int) {
	var ds []float64
	for _, r := range cell.Records {
		if r.Status != results.StatusOK || len(r.Baselines) == 0 {
			continue
		}
		metric, v := figure(r)
		d := v - baselineFigure(r.Baselines[0], metric) // higher is better
		if metric != "" {
			d = -d // an error: lower is better
		}
		ds = append(ds, d)
	}
	if len(ds) == 0 {
		return false, 0
	}
	mean, std := meanStd(ds)
	return mean > 0 && mean > 2*std, len(ds)
}
