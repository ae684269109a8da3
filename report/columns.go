package report

import "fmt"

// shownColumn is a column of the accuracy table as a paper prints it: a
// dataset, holding every experiment on it whose rows do not meet. A rule
// with a model of its own (CaFo's blocks, in an experiment of their own)
// sits in its dataset's column, with a note that says where it came from.
type shownColumn struct {
	Label   string
	Dataset string
	// Experiments are the experiments whose cells the column shows, in the
	// table's order; a row has a cell in at most one of them.
	Experiments []string
}

// shownColumns merges the table's columns by dataset where their rows are
// disjoint, in the order of the table's columns.
func (t *Table) shownColumns() []shownColumn {
	rows := map[string]map[string]bool{} // experiment → rows with a cell
	for k := range t.Cells {
		if rows[k.Experiment] == nil {
			rows[k.Experiment] = map[string]bool{}
		}
		rows[k.Experiment][k.Row] = true
	}
	var out []shownColumn
	perDataset := map[string]int{}
	for _, c := range t.Columns {
		merged := false
		for i := range out {
			if out[i].Dataset != c.Dataset || !disjoint(rows, out[i].Experiments, c.Experiment) {
				continue
			}
			out[i].Experiments = append(out[i].Experiments, c.Experiment)
			merged = true
			break
		}
		if !merged {
			out = append(out, shownColumn{Label: c.Label(), Dataset: c.Dataset, Experiments: []string{c.Experiment}})
			perDataset[c.Dataset]++
		}
	}
	// A task generated with arguments (a sequence's length) keeps its
	// experiment's name, which says which.
	args := map[string]bool{}
	for _, r := range t.Records {
		args[r.Spec.Experiment] = args[r.Spec.Experiment] || len(r.Spec.DatasetArgs) > 0
	}
	for i, c := range out {
		if perDataset[c.Dataset] == 1 && (len(c.Experiments) > 1 || !args[c.Experiments[0]]) {
			out[i].Label = c.Dataset
		}
	}
	return out
}

// disjoint reports whether experiment e has no row in common with any of
// the experiments in.
func disjoint(rows map[string]map[string]bool, in []string, e string) bool {
	for _, o := range in {
		for r := range rows[e] {
			if rows[o][r] {
				return false
			}
		}
	}
	return true
}

// cell returns row's cell in column c and the experiment it came from; nil
// when the row has none there.
func (t *Table) cell(row string, c shownColumn) (*Cell, string) {
	for _, e := range c.Experiments {
		if cell := t.Cells[CellKey{row, e}]; cell != nil {
			return cell, e
		}
	}
	return nil, ""
}

// reference returns BP's cell for column c: BP's in the column, or else
// BP's in the first experiment on the column's dataset that trains it.
// Nil when no BP run on that dataset finished.
func (t *Table) reference(c shownColumn) *Cell {
	if cell, _ := t.cell("bp", c); cell != nil && cell.Seeds > 0 {
		return cell
	}
	for _, o := range t.Columns {
		if cell := t.Cells[CellKey{"bp", o.Experiment}]; o.Dataset == c.Dataset && cell != nil && cell.Seeds > 0 {
			return cell
		}
	}
	return nil
}

// mergedNotes says, for each cell shown in a column under its dataset's
// name but trained in an experiment of its own, which experiment that is;
// name gives the rules' and columns' names.
func (t *Table) mergedNotes(name func(string) string) []string {
	var notes []string
	for _, c := range t.shownColumns() {
		for _, e := range c.Experiments[1:] {
			var rows []string
			for _, r := range t.Rows {
				if t.Cells[CellKey{r, e}] != nil {
					rows = append(rows, name(r))
				}
			}
			notes = append(notes, fmt.Sprintf("%s in column %s: trained in experiment %s.", joinRows(rows), name(c.Label), e))
		}
	}
	return notes
}

func joinRows(rows []string) string {
	switch len(rows) {
	case 0:
		return ""
	case 1:
		return rows[0]
	}
	s := rows[0]
	for _, r := range rows[1 : len(rows)-1] {
		s += ", " + r
	}
	return s + " and " + rows[len(rows)-1]
}
