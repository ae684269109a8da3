package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/nn"
	"github.com/creditbench/creditbench/results"
)

// TestReachNeedsTwoStdOverSeeds: a rule reaches the longest T at which its
// paired difference to the baseline exceeds twice its standard deviation
// over seeds; a mean better than the baseline with a wider spread does not
// count, and a rule with no ok run shows its status.
func TestReachNeedsTwoStdOverSeeds(t *testing.T) {
	const base = 0.167
	mses := map[string]map[int][]float64{
		"bp":  {50: {0.010, 0.012, 0.011}, 100: {0.030, 0.020, 0.025}, 200: {0.160, 0.166, 0.155}},
		"ftp": {50: {0.150, 0.100, 0.170}, 100: {0.168, 0.169, 0.167}, 200: {0.170, 0.171, 0.169}},
	}
	var recs []*results.Record
	for _, T := range []int{50, 100, 200} {
		for _, m := range []string{"bp", "ftp", "dfa"} {
			for seed := 1; seed <= 3; seed++ {
				status := results.StatusOK
				if m == "dfa" {
					status = results.StatusNotApplicable
				}
				r := rec(m, int64(seed), 0, 0, 0, status)
				r.Spec.Experiment, r.Spec.Dataset = "adding-"+string(rune('0'+T/50)), "adding"
				r.Spec.DatasetArgs = map[string]any{"T": float64(T)}
				r.Spec.Model = nn.ModelSpec{Kind: "rnn", Hidden: []int{64}}
				r.Key = r.Spec.Key()
				if status == results.StatusOK {
					mse := results.Float(mses[m][T][seed-1])
					r.Final.TestAtBestVal = &results.Scores{Loss: mse, MSE: mse}
					r.Final.BestEpoch = 1
					r.Epochs[0].Val = &results.Scores{Loss: mse, MSE: mse}
					r.Baselines = []results.Reference{{Name: "predict 1", Scores: results.Scores{Loss: base, MSE: base}}}
				}
				recs = append(recs, r)
			}
		}
	}
	table := Build(recs)[0]
	want := [][]string{
		{"rule", "adding, rnn 64 (T 50, 100, 200)"},
		{"bp", "100"},
		{"dfa", results.StatusNotApplicable},
		{"ftp", "none"},
	}
	if diff := cmp.Diff(want, table.reachRows()); diff != "" {
		t.Errorf("reach (-want +got):\n%s", diff)
	}
	var out strings.Builder
	if err := Write(&out, table, "md"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "the longest sequence length T at which each rule beats") {
		t.Errorf("the report has no reach table:\n%s", out.String())
	}
}
