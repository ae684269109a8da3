package results

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStoreRoundTripAndNaN(t *testing.T) {
	st := &Store{Dir: t.TempDir()}
	r := &Record{Key: "k1", Status: StatusDiverged, Epochs: []Epoch{{Epoch: 1, TrainLoss: Float(math.NaN()),
		AngleToBP: []Float{12.5, Float(math.Inf(1))}}}}
	if err := st.Write(r); err != nil {
		t.Fatal(err)
	}
	got, err := st.Read("k1")
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(float64(got.Epochs[0].TrainLoss)) || got.Epochs[0].AngleToBP[0] != 12.5 || !math.IsNaN(float64(got.Epochs[0].AngleToBP[1])) {
		t.Errorf("read back %+v", got.Epochs[0])
	}
	os.WriteFile(filepath.Join(st.Dir, "runs", ".k2.json.123.tmp"), []byte("{half"), 0o644)
	all, err := st.All()
	if err != nil || len(all) != 1 {
		t.Fatalf("All: %d records, %v (temporary files must be ignored)", len(all), err)
	}
	os.WriteFile(st.Path("bad"), []byte("{half"), 0o644)
	if _, err := st.All(); err == nil || !strings.Contains(err.Error(), "bad.json: not a run record") {
		t.Errorf("corrupt record: %v", err)
	}
}

func TestBaselineCompare(t *testing.T) {
	b := &Baseline{Suite: "ci", Metrics: []Metric{
		{Experiment: "fc", Rule: "bp", Name: "test_acc", Value: 0.9, Tolerance: 0.02, Direction: "higher"},
		{Experiment: "fc", Rule: "ftp", Name: "test_acc", Value: 0.9, Tolerance: 0.02, Direction: "higher"},
		{Experiment: "fc", Rule: "bp", Name: "train_macs_per_sample", Value: 100, Direction: "equal"},
		{Experiment: "fc", Rule: "bp", Name: "wall", Value: 1, Tolerance: 0.5, Direction: "lower"},
		{Experiment: "fc", Rule: "dfa", Name: "test_acc", Value: 0.9, Direction: "higher"},
	}}
	vs := b.Compare(map[string]float64{"fc/bp/test_acc": 0.95, "fc/ftp/test_acc": 0.87,
		"fc/bp/train_macs_per_sample": 100, "fc/bp/wall": 2})
	var got []string
	for _, v := range vs {
		got = append(got, v.Metric.ID())
	}
	if diff := cmp.Diff([]string{"fc/ftp/test_acc", "fc/bp/wall", "fc/dfa/test_acc"}, got); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	if d := Diff(vs); !strings.Contains(d, `"fc/dfa/test_acc": string("missing")`) || !strings.Contains(d, "0.87 is below 0.9 − 0.02") {
		t.Errorf("diff:\n%s", d)
	}
}

func TestReadBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		`{"suite": "ci", "metrics": [{"direction": "up"}]}`:                     `metrics[0].direction: "up" (accepted: higher, lower, equal)`,
		`{"suite": "ci", "metric": []}`:                                         `unknown field "metric"`,
		`{"metrics": []}`:                                                       `suite: missing`,
		`{"suite": "ci", "metrics": [{"direction": "equal", "tolerance": -1}]}`: `metrics[0].tolerance: -1 is negative`,
	} {
		p := filepath.Join(dir, "b.json")
		os.WriteFile(p, []byte(body), 0o644)
		if _, err := ReadBaseline(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
