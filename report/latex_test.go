package report

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/results"
)

// paperRecords is a suite of three seeds: FTP a point below BP on every
// seed and CaFo, in an experiment of its own, half a point (significant),
// PEPITA within BP's spread (not significant), DRTP not applicable for a
// reason full of LaTeX's special characters, and Fashion-MNIST with one
// seed of FTP only.
func paperRecords() []*results.Record {
	var recs []*results.Record
	add := func(method, experiment, dataset string, seed int64, test float64, status string) {
		r := rec(method, seed, 0, test, test, status)
		r.Spec.Experiment, r.Spec.Dataset = experiment, dataset
		if status == results.StatusNotApplicable {
			r.Reason = `needs tanh_units & 100% of {the} labels: $y^2 ~ #1\`
		}
		recs = append(recs, r)
	}
	for seed, noise := range map[int64]float64{1: 0.001, 2: -0.002, 3: 0.0015} {
		add("bp", "mnist", "mnist", seed, 0.98+noise, results.StatusOK)
		add("ftp", "mnist", "mnist", seed, 0.97+noise+0.0001*float64(seed), results.StatusOK)
		add("pepita", "mnist", "mnist", seed, 0.98-noise, results.StatusOK)
		add("drtp", "mnist", "mnist", seed, 0, results.StatusNotApplicable)
		add("cafo", "mnist-cafo", "mnist", seed, 0.975+noise, results.StatusOK)
		add("bp", "fashion", "fashion-mnist", seed, 0.89+noise, results.StatusOK)
	}
	add("ftp", "fashion", "fashion-mnist", 1, 0.87, results.StatusOK)
	return recs
}

func TestPairedTest(t *testing.T) {
	c, ref := &Cell{}, &Cell{}
	for i, d := range []float64{1, 2, 3} {
		a, b := rec("ftp", int64(i+1), 0, 0, 10+d, "ok"), rec("bp", int64(i+1), 0, 0, 10, "ok")
		c.Records, ref.Records = append(c.Records, a), append(ref.Records, b)
	}
	ref.Records = append(ref.Records, rec("bp", 9, 0, 0, 5, "ok")) // no pair
	p := versus(c, ref)
	// t = 2 / (1/√3) on 2 degrees of freedom: p = 1 − t/√(t² + 2).
	tt := 2 * math.Sqrt(3)
	if want := 1 - tt/math.Sqrt(tt*tt+2); p.Pairs != 3 || p.Diff != 2 || math.Abs(p.P-want) > 1e-9 {
		t.Errorf("paired test %+v, want 3 pairs, diff 2, p %.6f", p, want)
	}
	if p := versus(&Cell{Records: c.Records[:1]}, ref); p.tested() || p.Pairs != 1 {
		t.Errorf("one pair was tested: %+v", p)
	}
}

func TestLaTeXTable(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, Build(paperRecords())[0], "latex"); err != nil {
		t.Fatal(err)
	}
	tex := b.String()
	t.Logf("\n%s", tex)
	checkLaTeX(t, tex)
	for _, want := range []string{
		`\begin{tabular}{lcc}`, `Rule & Fashion-MNIST & MNIST \\`,
		`BP & $\mathbf{89.02 \pm 0.19}$ & $\mathbf{98.02 \pm 0.19}$ \\`,
		// Significant on MNIST: no mark.
		`FTP & $87.00^{\ddagger}$ & $97.04 \pm 0.19$ \\`,
		`PEPITA & -- & $97.98 \pm 0.19^{\dagger}$ \\`,
		`CaFo & -- & $97.52 \pm 0.19$ \\`,
		`DRTP & -- & n/a$^{a}$ \\`,
		`$^{a}$ Not applicable: needs tanh\_units \& 100\% of \{the\} labels: \$y\textasciicircum{}2 \textasciitilde{} \#1\textbackslash{}\\`,
		`CaFo in column MNIST: trained in experiment mnist-cafo.`,
		`Student's paired $t$-test`,
	} {
		if !strings.Contains(tex, want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	compileLaTeX(t, tex)
}

// checkLaTeX checks what a LaTeX-aware reader would: environments that
// open and close in order, braces and math shifts balanced on every line,
// no special character left unescaped in text, and as many cells in every
// row as the tabular has columns.
func checkLaTeX(t *testing.T, tex string) {
	t.Helper()
	var envs []string
	for _, m := range regexp.MustCompile(`\\(begin|end)\{([a-z*]+)\}`).FindAllStringSubmatch(tex, -1) {
		if m[1] == "begin" {
			envs = append(envs, m[2])
			continue
		}
		if len(envs) == 0 || envs[len(envs)-1] != m[2] {
			t.Errorf("\\end{%s} closes %v", m[2], envs)
			return
		}
		envs = envs[:len(envs)-1]
	}
	if len(envs) > 0 {
		t.Errorf("environments left open: %v", envs)
	}
	cols := len(regexp.MustCompile(`\\begin\{tabular\}\{([lcr]+)\}`).FindStringSubmatch(tex)[1])
	inTabular := false
	for i, line := range strings.Split(tex, "\n") {
		plain := regexp.MustCompile(`\\[\\{}&%$#_]`).ReplaceAllString(line, "")
		if strings.HasPrefix(line, "%") {
			continue
		}
		if strings.Count(plain, "{") != strings.Count(plain, "}") {
			t.Errorf("line %d: braces unbalanced: %s", i+1, line)
		}
		if strings.Count(plain, "$")%2 != 0 {
			t.Errorf("line %d: an odd number of $: %s", i+1, line)
		}
		if strings.ContainsAny(plain, "%#_") {
			t.Errorf("line %d: an unescaped %%, # or _: %s", i+1, line)
		}
		switch {
		case strings.HasPrefix(line, `\begin{tabular}`):
			inTabular = true
		case strings.HasPrefix(line, `\end{tabular}`):
			inTabular = false
		case inTabular && strings.HasSuffix(line, `\\`):
			if n := strings.Count(plain, "&") + 1; n != cols {
				t.Errorf("line %d: %d cells in a tabular of %d columns: %s", i+1, n, cols, line)
			}
		}
	}
}

// compileLaTeX compiles tex in a document with pdflatex, where Debian's
// texlive is installed (make test installs it).
func compileLaTeX(t *testing.T, tex string) {
	t.Helper()
	if _, err := exec.LookPath("pdflatex"); err != nil {
		t.Log("pdflatex not found (Debian's texlive-latex-base and texlive-latex-recommended; make test installs them): the table was checked, not compiled")
		return
	}
	dir := t.TempDir()
	doc := "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + tex + "\\end{document}\n"
	if err := os.WriteFile(filepath.Join(dir, "table.tex"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "table.tex")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdflatex: %v\n%s", err, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "table.log"))
	for _, line := range strings.Split(string(log), "\n") {
		// A first run always says its labels may have changed.
		if strings.Contains(line, "Warning") && !strings.Contains(line, "Label(s) may have changed") {
			t.Errorf("pdflatex warned: %s", line)
		}
	}
	t.Log("compiled with pdflatex")
}

func TestTidyCSV(t *testing.T) {
	recs := paperRecords()
	seq := rec("bp", 1, 0.01, 0.5, 0.5, "ok")
	seq.Spec.Dataset, seq.Spec.DatasetArgs = "adding", map[string]any{"T": 50}
	seq.Baselines = []results.Reference{{Name: "predict-1", Scores: results.Scores{Loss: 0.17, MSE: 0.17}}}
	seq.Final.BestEpoch, seq.Final.TestAtBestVal = 2, &results.Scores{Loss: 0.05, MSE: 0.05}
	seq.Epochs[1].Val = &results.Scores{Loss: 0.04, MSE: 0.04}
	recs = append(recs, seq)
	var b bytes.Buffer
	if err := Write(&b, Build(recs)[0], "latex"); err != nil {
		t.Fatal(err)
	}
	checkLaTeX(t, b.String())
	if want := `Trivial baseline & -- & $0.1700$ (predict-1) & -- \\`; !strings.Contains(b.String(), want) {
		t.Errorf("no baseline row %q in\n%s", want, b.String())
	}
	b.Reset()
	if err := WriteRuns(&b, recs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll() // every row as wide as the header
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 {
		t.Fatalf("%d rows for %d runs", len(rows)-1, len(recs))
	}
	head := rows[0]
	if diff := cmp.Diff(leading[:7], head[:7]); diff != "" {
		t.Errorf("leading columns (-want +got):\n%s", diff)
	}
	last := map[string]string{}
	for i, h := range head {
		last[h] = rows[len(rows)-1][i]
	}
	for k, want := range map[string]string{"spec.method": "bp", "spec.dataset_args.T": "50", "spec.optimizer.lr": "0.01",
		"spec.point.optimizer.lr": "0.01", "final.test_acc_at_best_val": "0.5", "efficiency.train_macs_per_sample": "100",
		"env.blas": "gonum", "baseline.predict-1.scores.mse": "0.17", "status": "ok"} {
		if last[k] != want {
			t.Errorf("column %s: %q, want %q", k, last[k], want)
		}
	}
	if slices.Contains(head, "epochs") {
		t.Error("the runs table holds the curves")
	}
	b.Reset()
	if err := WriteEpochs(&b, recs); err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2*len(recs)+1 || !slices.Contains(rows[0], "test_acc") || rows[0][7] != "epoch" {
		t.Errorf("epochs table: %d rows, head %q, %v", len(rows), rows[0], err)
	}
}
