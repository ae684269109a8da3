package runner

import (
	"math"
	"testing"

	"github.com/creditbench/creditbench/results"
)

// TestFiguresOfAnEpoch: an epoch shows its accuracies, and a dash for the
// training accuracy of a rule whose training passes do not classify.
func TestFiguresOfAnEpoch(t *testing.T) {
	for _, c := range []struct {
		e    results.Epoch
		want string
	}{
		{results.Epoch{TrainAcc: 0.9, ValAcc: 0.8, TestAcc: 0.85}, "train 90.00%  val 80.00%  test 85.00%"},
		{results.Epoch{TrainAcc: results.Float(math.NaN()), ValAcc: 0.163, TestAcc: 0.191}, "train –  val 16.30%  test 19.10%"},
	} {
		if got := figures(c.e); got != c.want {
			t.Errorf("figures = %q, want %q", got, c.want)
		}
	}
}
