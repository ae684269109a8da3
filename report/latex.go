package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/creditbench/creditbench/results"
)

// printedNames are the names papers print for the built-in rules and
// datasets; any other name is printed as it is.
var printedNames = map[string]string{
	"bp": "BP", "ftp": "FTP", "dtp": "DTP", "ff": "FF", "cafo": "CaFo", "pepita": "PEPITA",
	"dfa": "DFA", "drtp": "DRTP", "fa": "FA",
	"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10", "cifar100": "CIFAR-100",
	"cifar10-jpeg": "CIFAR-10 (JPEG stand-in)",
}

// printed is a row or column label as a paper prints it: a rule's or a
// dataset's name replaced, the rest (a sweep point, an experiment) kept.
func printed(label string) string {
	head, rest, _ := strings.Cut(label, " ")
	if p, ok := printedNames[head]; ok {
		head = p
	}
	if rest != "" {
		return head + " " + rest
	}
	return head
}

// texEscape makes s safe in LaTeX text.
func texEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\textbackslash{}`)
		case '&', '%', '$', '#', '_', '{', '}':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '~':
			b.WriteString(`\textasciitilde{}`)
		case '^':
			b.WriteString(`\textasciicircum{}`)
		case '±':
			b.WriteString(`$\pm$`)
		case '×':
			b.WriteString(`$\times$`)
		case '–':
			b.WriteString(`--`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// writeLaTeX writes t's accuracy table as a LaTeX table with booktabs
// rules: mean ± std over seeds, the best of each column in bold, a dagger
// where a rule's difference to BP is not significant, a letter on each
// cell whose rule does not apply, with the reason under the table.
func writeLaTeX(w io.Writer, t *Table) error {
	cols := t.shownColumns()
	best := make([]float64, len(cols))
	refs := make([]*Cell, len(cols))
	for i, c := range cols {
		refs[i] = t.reference(c)
		best[i] = math.NaN()
		for _, r := range t.Rows {
			if cell, _ := t.cell(r, c); cell != nil && cell.Seeds > 0 && (math.IsNaN(best[i]) || better(cell, cell.Mean, best[i])) {
				best[i] = cell.Mean
			}
		}
	}
	var notes []string // reasons a rule does not apply, lettered a, b, …
	letter := func(reason string) string {
		for i, n := range notes {
			if n == reason {
				return string(rune('a' + i))
			}
		}
		notes = append(notes, reason)
		return string(rune('a' + len(notes) - 1))
	}
	// With one seed a table has no spread and no test to show.
	paired := false
	for _, c := range t.Cells {
		paired = paired || c.Seeds > 1
	}
	var untested, notSignificant bool
	var body strings.Builder
	for _, r := range t.Rows {
		body.WriteString(texEscape(printed(r)))
		for i, c := range cols {
			cell, _ := t.cell(r, c)
			body.WriteString(" & ")
			switch {
			case cell == nil:
				body.WriteString("--")
			case cell.Seeds == 0 && cell.Status == results.StatusNotApplicable:
				fmt.Fprintf(&body, "n/a$^{%s}$", letter(cell.Reason))
			case cell.Seeds == 0:
				body.WriteString(texEscape(cell.Status))
			default:
				mark := ""
				if paired && refs[i] != nil && refs[i] != cell {
					switch p := versus(cell, refs[i]); {
					case !p.tested():
						mark, untested = `^{\ddagger}`, true
					case !p.significant():
						mark, notSignificant = `^{\dagger}`, true
					}
				}
				fmt.Fprintf(&body, "$%s%s$", texFigure(cell, cell.Mean == best[i]), mark)
			}
		}
		body.WriteString(` \\` + "\n")
	}

	if base := t.baselineRow(cols); base != nil {
		body.WriteString("\\midrule\n" + strings.Join(base, " & ") + ` \\` + "\n")
	}

	fmt.Fprintf(w, "%% Suite %s, written by creditbench report. Needs \\usepackage{booktabs}.\n", t.Suite)
	fmt.Fprintf(w, "\\begin{table}[htbp]\n\\centering\n\\small\n")
	fmt.Fprintf(w, "\\caption{%s}\n\\label{tab:%s}\n", t.latexCaption(notSignificant, untested), labelSafe(t.Suite))
	fmt.Fprintf(w, "\\begin{tabular}{l%s}\n\\toprule\nRule", strings.Repeat("c", len(cols)))
	for _, c := range cols {
		fmt.Fprintf(w, " & %s", texEscape(printed(c.Label)))
	}
	fmt.Fprintf(w, " \\\\\n\\midrule\n%s\\bottomrule\n\\end{tabular}\n", body.String())
	merged := t.mergedNotes(printed)
	if len(notes) > 0 || len(merged) > 0 {
		// The size holds to the end of the table environment.
		fmt.Fprintf(w, "\\par\\smallskip\\footnotesize\n")
		for i, n := range notes {
			fmt.Fprintf(w, "$^{%c}$ Not applicable: %s\\\\\n", 'a'+i, texEscape(n))
		}
		for _, n := range merged {
			fmt.Fprintf(w, "%s\\\\\n", texEscape(n))
		}
	}
	_, err := fmt.Fprintf(w, "\\end{table}\n")
	return err
}

// better reports whether a cell's figure v beats best: a higher accuracy,
// or a lower error.
func better(c *Cell, v, best float64) bool {
	if c.Metric != "" {
		return v < best
	}
	return v > best
}

// texFigure is a cell's figure in math mode: percent for an accuracy, four
// decimals for an error, ± std unless there is one seed, bold when best.
func texFigure(c *Cell, bold bool) string {
	s := fmt.Sprintf("%.2f", 100*c.Mean)
	spread := fmt.Sprintf(`%.2f`, 100*c.Std)
	if c.Metric != "" {
		s, spread = fmt.Sprintf("%.4f", c.Mean), fmt.Sprintf("%.4f", c.Std)
	}
	if c.Seeds > 1 {
		s += ` \pm ` + spread
	}
	if bold {
		return `\mathbf{` + s + `}`
	}
	return s
}

// latexCaption says what the cells hold and what the marks mean.
func (t *Table) latexCaption(notSignificant, untested bool) string {
	seeds := map[int]bool{}
	for _, c := range t.Cells {
		if c.Seeds > 0 {
			seeds[c.Seeds] = true
		}
	}
	var ns []string
	for n := range seeds {
		ns = append(ns, fmt.Sprint(n))
	}
	over := "mean $\\pm$ sample std over seeds"
	if len(ns) == 1 {
		over = "mean $\\pm$ sample std over " + ns[0] + " seeds"
		if ns[0] == "1" {
			over = "one seed"
		}
	}
	s := fmt.Sprintf("Suite %s: test accuracy (\\%%) at each run's best-validation epoch, %s", texEscape(t.Suite), over)
	if t.scored() {
		s += "; for a task scored by a loss, the test MSE or cross-entropy per step (lower is better)"
	}
	s += ". Bold: the best of its column."
	if notSignificant {
		s += fmt.Sprintf(" $^{\\dagger}$: the difference to BP on the same dataset is not significant (Student's paired $t$-test over seeds, two-sided, $p \\geq %.2f$; runs of one seed share their validation split and, where the nets' shapes agree, their initial weights and data order).", alpha)
	}
	if untested {
		s += " $^{\\ddagger}$: not tested, fewer than two seeds run by both the rule and BP."
	}
	return s
}

// labelSafe keeps the characters a \label may hold.
func labelSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\\' || r == '{' || r == '}' || r == '%' || r == '#' || r == '$' || r == '&' || r == '~' || r == '^' || r == '_' {
			return '-'
		}
		return r
	}, s)
}

// baselineRow is the LaTeX row of each column's trivial baseline, scored on
// the same test split as the rules (the first cell's with one), nil when no
// column has one.
func (t *Table) baselineRow(cols []shownColumn) []string {
	row := []string{"Trivial baseline"}
	found := false
	for _, c := range cols {
		cell := "--"
		for _, r := range t.Rows {
			if got, _ := t.cell(r, c); got != nil && got.BaselineName != "" && !math.IsNaN(got.Baseline) {
				v := fmt.Sprintf("%.4f", got.Baseline)
				if got.Metric == "" {
					v = fmt.Sprintf("%.2f", 100*got.Baseline)
				}
				cell, found = fmt.Sprintf("$%s$ (%s)", v, texEscape(got.BaselineName)), true
				break
			}
		}
		row = append(row, cell)
	}
	if !found {
		return nil
	}
	return row
}
