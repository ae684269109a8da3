package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func rec(method string, seed int64, lr float64, val, test float64, status string) *results.Record {
	s := spec.Run{Suite: "s", Experiment: "fc", Method: method, Dataset: "mnist", Seed: seed, Epochs: 2}
	s.Optimizer.LR = lr
	if lr != 0 {
		s.Point = map[string]any{"optimizer.lr": lr}
	}
	r := &results.Record{Spec: s, Status: status,
		Final:      results.Final{BestValAcc: val, TestAccAtBestVal: test},
		Epochs:     []results.Epoch{{Epoch: 1, TestAcc: test - 0.01}, {Epoch: 2, TestAcc: test}},
		Efficiency: results.Efficiency{TrainMACsPerSample: 100, MeasuredTrainMACsPerSample: 100, WallSPerEpoch: 1},
		Env:        results.Env{BLAS: "gonum", Threads: 1}}
	if status != results.StatusOK {
		r.Reason = "training loss NaN at epoch 1"
	}
	r.Key = s.Key()
	return r
}

func TestSelectionPicksBestValidationPoint(t *testing.T) {
	recs := []*results.Record{
		rec("ftp", 1, 0.01, 0.90, 0.89, "ok"), rec("ftp", 2, 0.01, 0.92, 0.91, "ok"),
		// Higher validation at lr 0.1, although its test accuracy is lower.
		rec("ftp", 1, 0.1, 0.95, 0.85, "ok"), rec("ftp", 2, 0.1, 0.95, 0.87, "ok"),
		rec("ftp", 1, 1.0, 0, 0, results.StatusDiverged), rec("ftp", 2, 1.0, 0, 0, results.StatusDiverged),
	}
	tables := Build(recs)
	c := tables[0].Cells[CellKey{"ftp", "fc"}]
	if c.Points != 3 || c.Point["optimizer.lr"] != 0.1 || c.Seeds != 2 {
		t.Fatalf("cell %+v: want point lr 0.1 of 3, 2 seeds", c)
	}
	if got := c.String(); got != "86.00 ± 1.41 (2)" {
		t.Errorf("cell shows %q", got)
	}
	one := *c
	one.Seeds, one.Std, one.Records = 1, 0, c.Records[:1]
	if got := one.String(); got != "86.00 (1)" {
		t.Errorf("a cell of one seed shows %q, want no spread", got)
	}
}

// TestSelectionRanksPointsWithFailedRunsLast: a point where a seed diverged
// loses to one where every seed trained, however well its other seeds
// validated; among points that failed as often, validation decides.
func TestSelectionRanksPointsWithFailedRunsLast(t *testing.T) {
	recs := []*results.Record{
		rec("ftp", 1, 0.003, 0.97, 0.96, "ok"), rec("ftp", 2, 0.003, 0.97, 0.96, "ok"), rec("ftp", 3, 0.003, 0, 0, results.StatusDiverged),
		rec("ftp", 1, 0.001, 0.90, 0.89, "ok"), rec("ftp", 2, 0.001, 0.91, 0.90, "ok"), rec("ftp", 3, 0.001, 0.92, 0.91, "ok"),
		rec("ftp", 1, 0.01, 0.99, 0.99, "ok"), rec("ftp", 2, 0.01, 0, 0, results.StatusDiverged), rec("ftp", 3, 0.01, 0, 0, results.StatusDiverged),
	}
	c := Build(recs)[0].Cells[CellKey{"ftp", "fc"}]
	if c.Point["optimizer.lr"] != 0.001 || c.Seeds != 3 {
		t.Errorf("selected lr %v with %d seeds, want lr 0.001 (every seed ok) with 3", c.Point["optimizer.lr"], c.Seeds)
	}
	recs = recs[:3:3]
	recs = append(recs, rec("ftp", 1, 0.01, 0.99, 0.99, "ok"), rec("ftp", 2, 0.01, 0.99, 0.99, "ok"), rec("ftp", 3, 0.01, 0, 0, results.StatusDiverged))
	if c := Build(recs)[0].Cells[CellKey{"ftp", "fc"}]; c.Point["optimizer.lr"] != 0.01 {
		t.Errorf("selected lr %v, want 0.01: one failed run each, better validation", c.Point["optimizer.lr"])
	}
}

func TestMixedConfigurationsWarn(t *testing.T) {
	a, b := rec("bp", 1, 0, 0.9, 0.9, "ok"), rec("bp", 1, 0, 0.8, 0.8, "ok")
	b.Spec.Epochs = 5
	tables := Build([]*results.Record{a, b, rec("bp", 2, 0, 0.9, 0.92, "ok")})
	w := tables[0].Warnings
	if len(w) != 1 || !strings.Contains(w[0], "mix 2 configurations (differing in epochs)") {
		t.Fatalf("warnings %q", w)
	}
	if c := tables[0].Cells[CellKey{"bp", "fc"}]; c.Seeds != 2 {
		t.Errorf("cell averages %d runs, want the 2 of the larger configuration", c.Seeds)
	}
}

// TestGoldenTables pins the rendered tables; run with -update to rewrite.
func TestGoldenTables(t *testing.T) {
	recs := []*results.Record{
		rec("bp", 1, 0, 0.98, 0.981, "ok"), rec("bp", 2, 0, 0.97, 0.979, "ok"),
		rec("ftp", 1, 0.01, 0.96, 0.962, "ok"), rec("ftp", 1, 0.1, 0, 0, results.StatusDiverged),
	}
	for _, format := range Formats {
		var b bytes.Buffer
		if err := Write(&b, Build(recs)[0], format); err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "tables."+format)
		if *update {
			os.WriteFile(golden, b.Bytes(), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), b.String()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", format, diff)
		}
	}
}

func TestLearningCurvesWritePNG(t *testing.T) {
	dir := t.TempDir()
	files, err := LearningCurves(Build([]*results.Record{rec("bp", 1, 0, 0.9, 0.9, "ok")})[0], dir, "png")
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, err %v", files, err)
	}
	b, _ := os.ReadFile(files[0])
	if !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("%s is not a PNG", files[0])
	}
}

func TestSelectEachGivesARowPerPoint(t *testing.T) {
	a, b := rec("ftp", 1, 0.01, 0.9, 0.9, "ok"), rec("ftp", 1, 0.1, 0.95, 0.85, "ok")
	a.Spec.Select, b.Spec.Select = "each", "each"
	tables := Build([]*results.Record{a, b})
	if diff := cmp.Diff([]string{"ftp optimizer.lr=0.01", "ftp optimizer.lr=0.1"}, tables[0].Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

func TestAngleCurvesSkipBPAndWritePNG(t *testing.T) {
	bp, ftp := rec("bp", 1, 0, 0.9, 0.9, "ok"), rec("ftp", 1, 0, 0.9, 0.9, "ok")
	for _, r := range []*results.Record{bp, ftp} {
		for i := range r.Epochs {
			r.Epochs[i].AngleToBP = []results.Float{40, 60}
		}
	}
	tb := Build([]*results.Record{bp})[0]
	if files, err := AngleCurves(tb, t.TempDir(), "png"); err != nil || len(files) != 0 {
		t.Errorf("BP alone drew %v (err %v), want no angle plot", files, err)
	}
	tb = Build([]*results.Record{bp, ftp})[0]
	files, err := AngleCurves(tb, t.TempDir(), "png")
	if err != nil || len(files) != 1 {
		t.Fatalf("files %v, err %v", files, err)
	}
	if rows := tb.angleRows(); len(rows) != 2 || rows[1][2] != "40.0 / 60.0" {
		t.Errorf("angle rows %v", rows)
	}
}

func TestProfileSweepOrderAndFall(t *testing.T) {
	var recs []*results.Record
	for _, p := range []struct {
		name string
		acc  float64
	}{{"int2", 0.5}, {"fp32", 0.95}, {"int4", 0.93}, {"int8", 0.949}} {
		r := rec("bp", 1, 0, p.acc, p.acc, "ok")
		r.Spec.Select, r.Spec.Profile, r.Spec.Point = "each", p.name, map[string]any{"profile": p.name}
		if p.name != "fp32" {
			def := hardware.Builtins[p.name]
			r.Spec.ProfileDef = &def
		}
		recs = append(recs, r)
	}
	sws := Build(recs)[0].ProfileSweeps()
	if len(sws) != 1 {
		t.Fatalf("%d sweeps", len(sws))
	}
	sw := sws[0]
	if diff := cmp.Diff([]string{"fp32", "int8", "int4", "int2"}, sw.Profiles); diff != "" || sw.Axis != "bits" {
		t.Errorf("axis %s, order (-want +got):\n%s", sw.Axis, diff)
	}
	if at := sw.FallsAt("bp", 0.01); at != "int4" {
		t.Errorf("falls 1 pp below fp32 at %q, want int4", at)
	}
	if files, err := ProfileCurves(Build(recs)[0], t.TempDir(), "png"); err != nil || len(files) != 1 {
		t.Errorf("profile plot: %v %v", files, err)
	}
}

// TestGapToBP reads each rule against BP on the same dataset: in its own
// experiment, or in another one on that dataset when its own has no BP. A
// rule trained in an experiment of its own sits in its dataset's column.
func TestGapToBP(t *testing.T) {
	own := rec("cafo", 1, 0, 0.9, 0.95, "ok")
	own.Spec.Experiment = "fc-cafo"
	recs := []*results.Record{rec("bp", 1, 0, 0.98, 0.98, "ok"), rec("ftp", 1, 0, 0.96, 0.97, "ok"), own}
	want := [][]string{
		{"rule", "mnist"},
		{"cafo", "-3.00"},
		{"ftp", "-1.00"},
	}
	table := Build(recs)[0]
	if diff := cmp.Diff(want, table.gapRows()); diff != "" {
		t.Errorf("gap rows (-want +got):\n%s", diff)
	}
	if notes := strings.Join(table.notes(), "\n"); !strings.Contains(notes, "cafo in column mnist: trained in experiment fc-cafo.") {
		t.Errorf("no note says where cafo's cell came from:\n%s", notes)
	}
	// Two experiments that train one rule on one dataset keep their columns.
	again := rec("bp", 1, 0, 0.97, 0.97, "ok")
	again.Spec.Experiment = "fc-wide"
	head := Build(append(recs, again))[0].accuracyRows()[0]
	if diff := cmp.Diff([]string{"rule", "mnist (fc)", "mnist (fc-wide)"}, head); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if rows := Build(recs[1:])[0].gapRows(); rows != nil {
		t.Errorf("a table without BP has gap rows %q", rows)
	}
}

// TestEpochTicks labels whole epochs only: every one up to ten, then a
// round step, about ten labels at most.
func TestEpochTicks(t *testing.T) {
	for _, c := range []struct {
		max  float64
		want string
	}{{3, "1 2 3"}, {10, "1 2 3 4 5 6 7 8 9 10"}, {20, "2 4 6 8 10 12 14 16 18 20"}, {100, "10 20 30 40 50 60 70 80 90 100"}} {
		var labels []string
		for _, tk := range (epochTicks{}).Ticks(1, c.max) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("epochs 1 to %v: labels %q, want %q", c.max, got, c.want)
		}
	}
}

// TestRuleStyles: BP and FTP take the first two colours, every registered
// rule a colour of its own.
func TestRuleStyles(t *testing.T) {
	if styleIndex("bp") != 0 || styleIndex("ftp") != 1 {
		t.Errorf("bp, ftp at %d, %d; want 0, 1", styleIndex("bp"), styleIndex("ftp"))
	}
	seen := map[int]string{}
	for _, n := range methods.Names() {
		i := styleIndex(n)
		if other, dup := seen[i]; dup || i >= len(palette) {
			t.Errorf("%s: style %d (shared with %q, or past the %d colours)", n, i, other, len(palette))
		}
		seen[i] = n
	}
}

func TestNaturalLess(t *testing.T) {
	names := []string{"adding-200", "adding-100-lstm", "adding-50", "adding-100", "copy-50", "adding", "adding-0100x"}
	sort.Slice(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	want := []string{"adding", "adding-50", "adding-100", "adding-100-lstm", "adding-0100x", "adding-200", "copy-50"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

// TestVariantsTellRowsOfOneRuleApart checks that the rows of one rule (its
// sweep points, select = "each") get dashes of their own.
func TestVariantsTellRowsOfOneRuleApart(t *testing.T) {
	tb := &Table{Rows: []string{"bp", "cafo blocks=dfa", "cafo blocks=frozen", "cafo blocks=local", "ftp"}}
	var got []int
	for _, r := range tb.Rows {
		got = append(got, tb.variant(r))
	}
	if diff := cmp.Diff([]int{0, 0, 1, 2, 0}, got); diff != "" {
		t.Errorf("variants (-want +got):\n%s", diff)
	}
}

// TestClaimRows checks the per-profile test of a rule against BP: the gap
// seed by seed, and its move from the first profile.
func TestClaimRows(t *testing.T) {
	var recs []*results.Record
	// ftp − bp per seed: fp32 −1, −2, −3 points; int8 +2, 0, −1 points,
	// moved by +3, +2, +2; int4 +5, +6, +4, moved by +6, +8, +7.
	accs := map[string]map[string][]float64{
		"bp":  {"fp32": {0.95, 0.95, 0.95}, "int8": {0.90, 0.90, 0.90}, "int4": {0.80, 0.80, 0.80}},
		"ftp": {"fp32": {0.94, 0.93, 0.92}, "int8": {0.92, 0.90, 0.89}, "int4": {0.85, 0.86, 0.84}},
	}
	for rule, byProfile := range accs {
		for prof, as := range byProfile {
			for i, a := range as {
				r := rec(rule, int64(i+1), 0, a, a, "ok")
				r.Spec.Select, r.Spec.Profile, r.Spec.Point = "each", prof, map[string]any{"profile": prof}
				if prof != "fp32" {
					def := hardware.Builtins[prof]
					r.Spec.ProfileDef = &def
				}
				recs = append(recs, r)
			}
		}
	}
	sws := Build(recs)[0].ProfileSweeps()
	if len(sws) != 1 {
		t.Fatalf("%d sweeps", len(sws))
	}
	want := [][]string{
		{"rule", "measure", "fp32", "int8", "int4"},
		{"ftp", "gap to BP", "-2.00 ± 1.00 (p 0.074, 3)", "+0.33 ± 1.53 (p 0.74, 3)", "+5.00 ± 1.00 (p 0.013, 3)"},
		{"ftp", "gap minus the gap at fp32", "+0.00 ± 0.00 (p 1, 3)", "+2.33 ± 0.58 (p 0.02, 3)", "+7.00 ± 1.00 (p 0.0067, 3)"},
		{"ftp", "against BP (p < 0.05)", "not shown", "not shown", "better"},
	}
	if diff := cmp.Diff(want, sws[0].claimRows()); diff != "" {
		t.Errorf("claim rows (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		vals []float64
		want string
	}{
		{[]float64{-5, -6, -4}, "worse"},
		{[]float64{-5}, "–"}, // one pair: no test
		{[]float64{-5, 6, -4}, "not shown"},
	} {
		if got := verdictOf(gaps{seeds: make([]int64, len(tc.vals)), vals: tc.vals}, nil, nil); got != tc.want {
			t.Errorf("verdict on gaps %v: %q, want %q", tc.vals, got, tc.want)
		}
	}
	failed := &Cell{Records: []*results.Record{rec("ftp", 1, 0, 0, 0, results.StatusDiverged)}}
	if got := verdictOf(gaps{}, failed, &Cell{Seeds: 3}); got != "worse: no run ended ok" {
		t.Errorf("verdict where every run of the rule diverged and BP's trained: %q", got)
	}
}

// TestNotesCountRunsNotOKAtTheSelectedPoint: a point chosen on its ok runs
// names how many of its runs did not end ok, and how.
func TestNotesCountRunsNotOKAtTheSelectedPoint(t *testing.T) {
	recs := []*results.Record{
		rec("ftp", 1, 0.1, 0.95, 0.90, "ok"), rec("ftp", 2, 0.1, 0.95, 0.91, "ok"), rec("ftp", 3, 0.1, 0, 0, results.StatusDiverged),
		rec("ftp", 1, 0.01, 0.90, 0.88, "ok"), rec("ftp", 2, 0.01, 0, 0, results.StatusDiverged), rec("ftp", 3, 0.01, 0, 0, results.StatusDiverged),
	}
	notes := strings.Join(Build(recs)[0].notes(), "\n")
	if want := "ftp on mnist (fc): 1 of 3 runs at the selected point diverged: training loss NaN at epoch 1"; !strings.Contains(notes, want) {
		t.Errorf("notes:\n%s\nwant a line %q", notes, want)
	}
}
