package datasets

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// loadOrSkip loads a real dataset, skipping only when no copy is reachable
// on this machine (make test installs them).
func loadOrSkip(t *testing.T, name string) *Dataset {
	t.Helper()
	info, _ := Lookup(name)
	if _, ok := info.Source.Find(); !ok {
		t.Skipf("%s: no local copy in %s", name, describe(info.Source.Locations()))
	}
	d, err := Load(context.Background(), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLoadRealMNISTLike(t *testing.T) {
	for _, name := range []string{"mnist", "fashion-mnist"} {
		t.Run(name, func(t *testing.T) {
			d := loadOrSkip(t, name)
			if info, _ := Lookup(name); d.Train.Len() != info.TrainSize {
				t.Errorf("train size %d, registered as %d", d.Train.Len(), info.TrainSize)
			}
			if d.Train.Len() != 60000 || d.Test.Len() != 10000 || d.Train.Dim != 784 {
				t.Fatalf("train %d, test %d, dim %d", d.Train.Len(), d.Test.Len(), d.Train.Dim)
			}
			var counts [10]int
			for _, y := range d.Train.Y {
				counts[y]++
			}
			for c, n := range counts {
				if n < 5000 || n > 7000 {
					t.Errorf("class %d has %d training samples", c, n)
				}
			}
			// Standardised with training statistics: mean 0, variance 1.
			var s, s2 float64
			for _, v := range d.Train.X {
				s += float64(v)
				s2 += float64(v) * float64(v)
			}
			n := float64(len(d.Train.X))
			if m, v := s/n, s2/n-(s/n)*(s/n); math.Abs(m) > 1e-3 || math.Abs(v-1) > 1e-3 {
				t.Errorf("train mean %.4f variance %.4f, want 0 and 1", m, v)
			}
		})
	}
}

func TestSplitIsSeededAndDisjoint(t *testing.T) {
	d := &Dataset{Name: "toy", Classes: 2, Train: &Part{Y: make([]int, 100), Dim: 1, X: make([]float32, 100)},
		Test: &Part{Y: make([]int, 10), Dim: 1, X: make([]float32, 10)}}
	a, err := d.Split(20, 50, 5, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Split(20, 50, 5, rand.New(rand.NewPCG(1, 1)))
	c, _ := d.Split(20, 50, 5, rand.New(rand.NewPCG(2, 1)))
	if a.Train.Len() != 50 || a.Val.Len() != 20 || a.Test.Len() != 5 {
		t.Fatalf("sizes %d %d %d", a.Train.Len(), a.Val.Len(), a.Test.Len())
	}
	seen := map[int]bool{}
	for _, i := range a.Val.Index {
		seen[i] = true
	}
	for _, i := range a.Train.Index {
		if seen[i] {
			t.Fatalf("sample %d is in both train and validation", i)
		}
	}
	same := func(x, y []int) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a.Val.Index, b.Val.Index) {
		t.Error("the same seed gave different validation sets")
	}
	if same(a.Val.Index, c.Val.Index) {
		t.Error("another seed gave the same validation set")
	}
	if _, err := d.Split(100, 0, 0, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("validation = whole training part accepted")
	}
}

// TestTestLimitKeepsEveryClass checks that a limited test part stored class
// by class, as an image folder is, still holds every class, alike for every
// seed.
func TestTestLimitKeepsEveryClass(t *testing.T) {
	y := make([]int, 1000)
	for i := range y {
		y[i] = i / 100 // ten classes, one after another
	}
	d := &Dataset{Name: "sorted", Classes: 10, Train: &Part{Y: make([]int, 100), Dim: 1, X: make([]float32, 100)},
		Test: &Part{Y: y, Dim: 1, X: make([]float32, 1000)}}
	for seed := range uint64(2) {
		s, err := d.Split(10, 0, 50, rand.New(rand.NewPCG(seed, 1)))
		if err != nil {
			t.Fatal(err)
		}
		count := make([]int, 10)
		for _, i := range s.Test.Index {
			count[y[i]]++
		}
		for c, n := range count {
			if n != 5 {
				t.Fatalf("seed %d: class %d has %d of the 50 test samples, want 5", seed, c, n)
			}
		}
	}
}
