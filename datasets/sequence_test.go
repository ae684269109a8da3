package datasets

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
)

// load resolves and loads a task at seed 1, failing the test on error.
func load(t *testing.T, name string, args map[string]any) *Dataset {
	t.Helper()
	info, err := Resolve(name, args)
	if err != nil {
		t.Fatal(err)
	}
	d, err := info.WithSeed(1).Load(context.Background(), nil)
	if err != nil {
		t.Skipf("%s: %v", name, err)
	}
	return d
}

// TestGeneratedTasks checks each synthetic task's shapes, targets and
// trivial baseline against its definition (sequences.md).
func TestGeneratedTasks(t *testing.T) {
	add := load(t, "adding", map[string]any{"T": 50, "train": 2000, "test": 500})
	if add.Train.Len() != 2000 || add.Test.Len() != 500 || add.Train.Dim != 100 {
		t.Fatalf("adding: %d/%d samples of %d", add.Train.Len(), add.Test.Len(), add.Train.Dim)
	}
	for i := 0; i < add.Train.Len(); i++ {
		x := add.Train.X[i*100 : (i+1)*100]
		var sum float32
		marks := 0
		for t := 0; t < 50; t++ {
			if x[2*t+1] == 1 {
				sum += x[2*t]
				marks++
			}
		}
		if marks != 2 || sum != add.Train.V[i] {
			t.Fatalf("adding sample %d: %d markers, marked sum %v, target %v", i, marks, sum, add.Train.V[i])
		}
	}
	ref := add.Baselines(Split{add.Test, all(500)})[0]
	if mse := float64(ref.Scores.MSE); math.Abs(mse-1.0/6) > 0.03 {
		t.Errorf("adding: predicting 1 gives MSE %.4f, want about 1/6", mse)
	}

	cp := load(t, "copy", map[string]any{"T": 30, "train": 100, "test": 10})
	n := 50
	for i := 0; i < 100; i++ {
		x, y := cp.Train.X[i*n:(i+1)*n], cp.Train.Y[i*n:(i+1)*n]
		for k := 0; k < 10; k++ {
			if x[k] < 1 || x[k] > 8 || y[n-10+k] != int(x[k]) {
				t.Fatalf("copy sample %d: symbol %d is %v, recalled as %d", i, k, x[k], y[n-10+k])
			}
		}
		if x[39] != 9 || y[n-11] != 0 {
			t.Fatalf("copy sample %d: delimiter %v at step 39, label %d before the recall", i, x[39], y[n-11])
		}
	}

	to := load(t, "temporal-order", map[string]any{"T": 60, "bits": 3, "train": 800, "test": 10})
	counts := make([]int, 8)
	for _, y := range to.Train.Y {
		counts[y]++
	}
	for c, k := range counts {
		if k < 50 {
			t.Errorf("temporal order, 3 bits: class %d drawn %d times of 800", c, k)
		}
	}

	lo := load(t, "listops", map[string]any{"min_len": 20, "max_len": 60, "train": 50, "test": 5})
	for i := 0; i < 50; i++ {
		x := lo.Train.X[i*60 : (i+1)*60]
		if x[59] != listopsEnd {
			t.Fatalf("listops sample %d does not end in a closing bracket: %v", i, x)
		}
	}
	if again := load(t, "adding", map[string]any{"T": 50, "train": 2000, "test": 500}); &again.Train.X[0] != &add.Train.X[0] {
		t.Error("the same task and seed loaded twice is not shared")
	}
	other, _ := Resolve("adding", map[string]any{"T": 50, "train": 2000, "test": 500})
	d2, _ := other.WithSeed(2).Load(context.Background(), nil)
	if d2.Train.X[0] == add.Train.X[0] && d2.Train.X[2] == add.Train.X[2] {
		t.Error("seeds 1 and 2 drew the same adding samples")
	}
}

// evalListOps evaluates a token sequence with a stack, apart from the
// generator: padding skipped, digits pushed, an operator's arguments reduced
// at its closing bracket.
func evalListOps(x []float32) int {
	type frame struct {
		op   int
		args []int
	}
	stack := []frame{{}}
	for _, v := range x {
		tok := int(v)
		switch {
		case tok == 0:
		case tok <= 10:
			top := &stack[len(stack)-1]
			top.args = append(top.args, tok-1)
		case tok == listopsEnd:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			a := append([]int(nil), f.args...)
			var r int
			switch f.op {
			case listopsMax:
				r = slices.Max(a)
			case listopsMin:
				r = slices.Min(a)
			case listopsMed:
				slices.Sort(a)
				r = a[len(a)/2]
				if len(a)%2 == 0 {
					r = (a[len(a)/2-1] + a[len(a)/2]) / 2
				}
			case listopsSum:
				for _, v := range a {
					r += v
				}
				r %= 10
			}
			top := &stack[len(stack)-1]
			top.args = append(top.args, r)
		default:
			stack = append(stack, frame{op: tok})
		}
	}
	return stack[0].args[0]
}

// TestListOpsValues checks every generated expression's label against an
// evaluator of its tokens.
func TestListOpsValues(t *testing.T) {
	d := load(t, "listops", map[string]any{"min_len": 10, "max_len": 200, "train": 300, "test": 1})
	for i := 0; i < d.Train.Len(); i++ {
		x := d.Train.X[i*200 : (i+1)*200]
		if got, want := d.Train.Y[i], evalListOps(x); got != want {
			t.Fatalf("listops sample %d: label %d, its tokens evaluate to %d: %v", i, got, want, x)
		}
	}
}

func TestArgumentsAreChecked(t *testing.T) {
	for _, c := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"adding", map[string]any{"L": 5}, `unknown argument "L" (accepted: T, train, test)`},
		{"adding", map[string]any{"T": 1.5}, "T: 1.5 is not a whole number"},
		{"adding", map[string]any{"T": 1}, "T: 1 is outside [2, 10000]"},
		{"adding", map[string]any{"train": 1e9}, "train: 1000000000 is outside [1, 200000]"},
		{"etth1", map[string]any{"features": "X"}, "features: X is not accepted (accepted: M, S, MS)"},
		{"mnist", map[string]any{"T": 5}, `dataset "mnist" takes no arguments`},
		{"temporal-order", map[string]any{"bits": 4}, "bits: 4 (accepted: 2, 3)"},
	} {
		_, err := Resolve(c.name, c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want it to say %q", c.name, c.args, err, c.want)
		}
	}
}

// TestForecastTasks checks the time split, the standardisation by the
// training months, and that the linear baseline beats persistence where it
// should (a smooth deterministic series).
func TestForecastTasks(t *testing.T) {
	mg := load(t, "mackey-glass", map[string]any{"W": 48, "H": 12})
	if mg.Val == nil || mg.Train.Len() != 7000-48-12+1 || mg.Test.Len() != 2000-12+1 {
		t.Fatalf("mackey-glass: %d train windows, %d test", mg.Train.Len(), mg.Test.Len())
	}
	refs := mg.Baselines(Split{mg.Test, all(mg.Test.Len())})
	if refs[1].Scores.MSE >= refs[0].Scores.MSE {
		t.Errorf("mackey-glass: linear MSE %v is not below persistence's %v", refs[1].Scores.MSE, refs[0].Scores.MSE)
	}
	ett := load(t, "etth1", nil)
	if ett.Train.Len() != 8640-96-96+1 || ett.Val.Len() != 2880-96+1 || ett.Test.Len() != 2880-96+1 || ett.Train.Dim != 96*7 {
		t.Fatalf("etth1: %d/%d/%d windows of %d", ett.Train.Len(), ett.Val.Len(), ett.Test.Len(), ett.Train.Dim)
	}
	// The first step of every training window covers the training months
	// but their last W+H−1 hours: about mean 0, variance 1 per series.
	for c := 0; c < 7; c++ {
		var sum, sq float64
		n := float64(ett.Train.Len())
		for i := 0; i < ett.Train.Len(); i++ {
			v := float64(ett.Train.X[i*ett.Train.Dim+c])
			sum += v
			sq += v * v
		}
		if mean, v := sum/n, sq/n-sum*sum/n/n; math.Abs(mean) > 0.1 || math.Abs(v-1) > 0.1 {
			t.Errorf("etth1 series %d: training mean %.3f, variance %.3f, want about 0 and 1", c, mean, v)
		}
	}
	for _, r := range ett.Baselines(Split{ett.Test, all(ett.Test.Len())}) {
		t.Logf("etth1 M 96→96 %s: MSE %.4f MAE %.4f", r.Name, r.Scores.MSE, r.Scores.MAE)
	}
}
