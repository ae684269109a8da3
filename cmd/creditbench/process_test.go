package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/results"
)

// TestMain lets the tests start this test binary as the creditbench command,
// so that they can kill it like a user would.
func TestMain(m *testing.M) {
	if os.Getenv("CREDITBENCH_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// tinySuite has four short runs on MNIST: long enough to be killed mid-run.
const tinySuite = `[suite]
name = "tiny"
seeds = [1, 2]
[defaults]
epochs = 6
batch_size = 32
validation = 500
train_limit = 3000
test_limit = 500
[[experiment]]
name = "fc"
dataset = "mnist"
model = { kind = "mlp", hidden = [64] }
methods = ["bp", "ftp"]
`

func command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CREDITBENCH_AS_MAIN=1")
	return cmd
}

func records(t *testing.T, dir string) []*results.Record {
	t.Helper()
	recs, err := (&results.Store{Dir: dir}).All()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var ignoreTimings = cmp.Options{
	cmpopts.IgnoreFields(results.Epoch{}, "WallS", "TrainS"),
	cmpopts.IgnoreFields(results.Efficiency{}, "WallSPerEpoch", "TrainSPerEpoch", "PeakHeapBytes", "PeakRSSBytes"),
	cmpopts.IgnoreFields(results.Record{}, "Env"),
}

// tinySetup writes tinySuite into a temporary folder and runs it in one
// process with the given --set flags: clean holds its records. It skips the
// test without MNIST.
func tinySetup(t *testing.T, sets ...string) (suite, clean string) {
	t.Helper()
	info, _ := datasets.Lookup("mnist")
	if _, ok := info.Source.Find(); !ok {
		t.Skip("mnist: no local copy (make test fetches it)")
	}
	dir := t.TempDir()
	suite = filepath.Join(dir, "tiny.toml")
	if err := os.WriteFile(suite, []byte(tinySuite), 0o644); err != nil {
		t.Fatal(err)
	}
	clean = filepath.Join(dir, "clean")
	if code, out, errs := runCLI(append([]string{"run", suite, "--out", clean, "--progress", "none"}, sets...)...); code != 0 {
		t.Fatalf("clean run: exit %d: %s %s", code, out, errs)
	}
	return suite, clean
}

// waitFor polls until path exists, or fails the test after 60 s.
func waitFor(t *testing.T, path string) {
	t.Helper()
	for start := time.Now(); time.Since(start) < 60*time.Second; time.Sleep(5 * time.Millisecond) {
		if entries, _ := os.ReadDir(path); len(entries) > 0 {
			return
		}
	}
	t.Fatalf("%s never appeared", path)
}

// TestKilledRunResumes kills the command (SIGKILL, then SIGINT) in the middle
// of a run, once it has checkpointed, and reruns it: the suite completes
// with records equal to an uninterrupted run's, and no half-written file.
func TestKilledRunResumes(t *testing.T) {
	suite, clean := tinySetup(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGINT} {
		out := filepath.Join(t.TempDir(), "out")
		cmd := command("run", suite, "--out", out, "--progress", "none")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, filepath.Join(out, "checkpoints"))
		cmd.Process.Signal(sig)
		if err := cmd.Wait(); err == nil {
			t.Fatalf("%v: the interrupted command exited 0", sig)
		}
		var stdout bytes.Buffer
		rerun := command("run", suite, "--out", out, "--progress", "none")
		rerun.Stdout = &stdout
		if err := rerun.Run(); err != nil {
			t.Fatalf("%v: rerun: %v", sig, err)
		}
		if diff := cmp.Diff(records(t, clean), records(t, out), ignoreTimings); diff != "" {
			t.Errorf("%v: records after kill and rerun differ from a clean run (-clean +resumed):\n%s", sig, diff)
		}
		entries, _ := os.ReadDir(filepath.Join(out, "runs"))
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
				t.Errorf("%v: stray file %s in runs/", sig, e.Name())
			}
		}
		if left, _ := os.ReadDir(filepath.Join(out, "checkpoints")); len(left) != 0 {
			t.Errorf("%v: checkpoints left after the suite completed: %v", sig, left)
		}
	}
}

// TestTwoRunnersShareAnOutputFolder starts two commands on one folder at
// once: together they train each run once, and the records equal a single
// runner's.
func TestTwoRunnersShareAnOutputFolder(t *testing.T) {
	suite, clean := tinySetup(t)
	out := filepath.Join(t.TempDir(), "out")
	var outs [2]bytes.Buffer
	var cmds [2]*exec.Cmd
	for i := range cmds {
		cmds[i] = command("run", suite, "--out", out, "--progress", "none")
		cmds[i].Stdout = &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	trained := 0
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("runner %d: %v", i, err)
		}
		var n int
		if _, err := fmt.Sscanf(outs[i].String(), "%d runs trained", &n); err != nil {
			t.Fatalf("runner %d said %q", i, outs[i].String())
		}
		trained += n
	}
	if trained != 4 {
		t.Errorf("the two runners trained %d runs between them, want 4:\n%s\n%s", trained, outs[0].String(), outs[1].String())
	}
	if diff := cmp.Diff(records(t, clean), records(t, out), ignoreTimings); diff != "" {
		t.Errorf("records differ from a single runner's (-single +two):\n%s", diff)
	}
}

// TestShardsMergeToTheWholeSuite runs the suite as three shards, each a
// process of the Slurm array script that export writes (the array index
// given as Slurm gives it), with its own output folder, as on machines
// without a shared filesystem; collect merges them into exactly the
// single-process run, refuses a conflicting record, and names what is
// missing from the plan.
func TestShardsMergeToTheWholeSuite(t *testing.T) {
	suite, clean := tinySetup(t)
	dir := t.TempDir()
	var shards []string
	for i := range 3 {
		out := filepath.Join(dir, fmt.Sprint("shard", i))
		var script bytes.Buffer
		if code := run(context.Background(), []string{"export", "slurm", suite, "--shards", "3", "--out", out,
			"--bin", os.Args[0], "--macs-per-second", "1e9"}, &script, os.Stderr); code != 0 {
			t.Fatalf("export: exit %d", code)
		}
		cmd := exec.Command("bash", "-c", script.String())
		cmd.Env = append(os.Environ(), "CREDITBENCH_AS_MAIN=1", fmt.Sprint("SLURM_ARRAY_TASK_ID=", i))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("shard %d: %v\n%s", i, err, b)
		}
		if files, _ := filepath.Glob(filepath.Join(out, "runs", "*.json")); len(files) == 0 {
			t.Errorf("shard %d trained nothing", i)
		}
		shards = append(shards, out)
	}
	merged := filepath.Join(dir, "merged")
	code, stdout, errs := runCLI(append([]string{"collect", "--out", merged, "--suite", suite}, shards[:2]...)...)
	if code != 1 || !strings.Contains(stdout, "missing  ") || !strings.Contains(errs, "have no record made by this code") {
		t.Errorf("collect of two shards of three: exit %d, want 1 and the missing runs named:\n%s%s", code, stdout, errs)
	}
	code, stdout, errs = runCLI(append([]string{"collect", "--out", merged, "--suite", suite}, shards...)...)
	if code != 0 || !strings.Contains(stdout, "4 of 4 runs of the plan recorded") {
		t.Fatalf("collect: exit %d:\n%s%s", code, stdout, errs)
	}
	if diff := cmp.Diff(records(t, clean), records(t, merged), ignoreTimings); diff != "" {
		t.Errorf("merged shards differ from the single run (-single +merged):\n%s", diff)
	}

	// A record changed in a shard conflicts with the merged one.
	files, _ := filepath.Glob(filepath.Join(shards[0], "runs", "*.json"))
	b, _ := os.ReadFile(files[0])
	bad := strings.Replace(string(b), `"test_acc_at_best_val": 0.`, `"test_acc_at_best_val": 0.0`, 1)
	os.WriteFile(files[0], []byte(bad), 0o644)
	code, _, errs = runCLI("collect", "--out", merged, shards[0])
	if code != 1 || !strings.Contains(errs, files[0]) || !strings.Contains(errs, filepath.Join(merged, "runs", filepath.Base(files[0]))) ||
		!strings.Contains(errs, "differ in final") {
		t.Errorf("collect of a conflicting record: exit %d, want 1 and both files named:\n%s", code, errs)
	}
	t.Logf("collect refuses:\n%s", errs)
}
