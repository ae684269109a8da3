package report

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot/plotter"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

func TestFrontier(t *testing.T) {
	pts := plotter.XYs{{X: 3, Y: 90}, {X: 1, Y: 80}, {X: 2, Y: 70}, {X: 2, Y: 85}, {X: 4, Y: 88}}
	want := plotter.XYs{{X: 1, Y: 80}, {X: 2, Y: 85}, {X: 3, Y: 90}}
	if diff := cmp.Diff(want, frontier(pts, false)); diff != "" {
		t.Errorf("higher is better (-want +got):\n%s", diff)
	}
	want = plotter.XYs{{X: 1, Y: 80}, {X: 2, Y: 70}}
	if diff := cmp.Diff(want, frontier(pts, true)); diff != "" {
		t.Errorf("lower is better (-want +got):\n%s", diff)
	}
}

// TestCostPoints checks a rule's sweep points become points of the
// efficiency figures: the mean over seeds of the test figure, and the whole
// training's MACs (per sample × training samples × epochs) and seconds.
func TestCostPoints(t *testing.T) {
	var recs []*results.Record
	for seed := int64(1); seed <= 2; seed++ {
		for _, lr := range []float64{0.01, 0.1} {
			r := rec("ftp", seed, lr, 0.9, 0.9+0.02*float64(seed), "ok")
			r.Spec.Validation = 5000
			r.Efficiency.TrainSPerEpoch = float64(seed)
			recs = append(recs, r)
		}
	}
	recs = append(recs, rec("bp", 1, 0, 0.9, 0.95, "ok"), rec("bp", 2, 0, 0.9, 0, results.StatusDiverged))
	table := Build(recs)[0]
	got := table.costPoints("fc")
	// 100 MACs per sample × 55,000 training samples × 2 epochs; bp's one ok
	// run was given no training time, and falls back to its wall time (1 s).
	want := []costPoint{
		{Row: "bp", Rule: "bp", Figure: 95, MACs: 100 * 60000 * 2, TrainS: 2},
		{Row: "ftp", Rule: "ftp", Figure: 93, MACs: 100 * 55000 * 2, TrainS: 3},
		{Row: "ftp", Rule: "ftp", Figure: 93, MACs: 100 * 55000 * 2, TrainS: 3},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 })); diff != "" {
		t.Errorf("cost points (-want +got):\n%s", diff)
	}
	dir := t.TempDir()
	for _, plot := range []func(*Table, string, string) ([]string, error){EfficiencyPlots, CostBars} {
		files, err := plot(table, dir, "png")
		if err != nil || len(files) != 1 {
			t.Errorf("files %q, error %v; want one figure", files, err)
		}
	}
}

// TestLengthCurvesByNet checks that a task run at several lengths gets a
// figure per net, and that a length seen on one net only gets none.
func TestLengthCurvesByNet(t *testing.T) {
	var recs []*results.Record
	add := func(experiment string, T int, kind string) {
		for _, m := range []string{"bp", "ftp"} {
			r := rec(m, 1, 0, 0.9, 0.9, "ok")
			r.Spec.Experiment, r.Spec.Dataset = experiment, "adding"
			r.Spec.DatasetArgs = map[string]any{"T": float64(T)}
			r.Spec.Model = nn.ModelSpec{Kind: kind, Hidden: []int{64}}
			r.Key = r.Spec.Key()
			recs = append(recs, r)
		}
	}
	add("adding-50", 50, "rnn")
	add("adding-100", 100, "rnn")
	add("adding-100-lstm", 100, "lstm")
	files, err := LengthCurves(Build(recs)[0], t.TempDir(), "png")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "s-adding-rnn64-length.png" {
		t.Errorf("files %q, want s-adding-rnn64-length.png alone", files)
	}
}
