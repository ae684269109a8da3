package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbench/creditbench/datasets"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// TestSmokeEndToEnd runs the smoke suite through the CLI into a fresh
// folder, reruns it (nothing to train), and reports it.
func TestSmokeEndToEnd(t *testing.T) {
	info, _ := datasets.Lookup("mnist")
	if _, ok := info.Source.Find(); !ok {
		t.Skip("mnist: no local copy (make test fetches it)")
	}
	out := t.TempDir()
	code, stdout, stderr := runCLI("run", "smoke", "--out", out, "--progress", "lines")
	if code != 0 || !strings.Contains(stdout, "1 runs trained (1 ok)") {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "epoch 3/3") {
		t.Errorf("no per-epoch progress in %q", stderr)
	}
	code, stdout, _ = runCLI("run", "smoke", "--out", out)
	if code != 0 || !strings.Contains(stdout, "0 runs trained, 1 already recorded") {
		t.Fatalf("rerun: exit %d: %s", code, stdout)
	}
	code, stdout, stderr = runCLI("report", "smoke", "--out", out)
	if code != 0 || !strings.Contains(stdout, "mnist (fc)") || !strings.Contains(stdout, "bp") {
		t.Fatalf("report: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	for _, f := range []string{"tables.md", "smoke.csv", "smoke-fc-curves.png"} {
		if st, err := os.Stat(filepath.Join(out, "report", f)); err != nil || st.Size() == 0 {
			t.Errorf("report file %s: %v", f, err)
		}
	}
}

// TestCLIErrors pins the exit status and message of bad command lines.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[suite]\nname = \"b\"\n[[experiment]]\nname = \"x\"\ndataset = \"mnist\"\nmodel = { kind = \"mlp\" }\nmethods = [\"bq\"]\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage:"},
		{[]string{"fly"}, 2, `unknown command "fly"`},
		{[]string{"run"}, 2, "name at least one suite"},
		{[]string{"run", "smok"}, 1, `unknown built-in suite "smok" (did you mean "smoke"?)`},
		{[]string{"run", bad}, 1, bad + `:7:1: experiment[0].methods: unknown rule "bq" (did you mean "bp"?)`},
		{[]string{"run", "smoke", "--jobs", "0"}, 2, "--jobs 0: want 1 to"},
		{[]string{"run", "smoke", "--shard", "3/2"}, 2, "--shard 3/2: want I/N"},
		{[]string{"run", "smoke", "--set", "epohcs=1"}, 1, `unknown key (did you mean "epochs"?)`},
		{[]string{"list", "rules"}, 2, "want one of methods, datasets, profiles, suites"},
		{[]string{"data", "verify", "mnsit"}, 1, `unknown dataset "mnsit"`},
		{[]string{"report", "--out", dir}, 1, "no run records in"},
		{[]string{"run", "smoke", "--out", bad + "/out"}, 1, "output folder " + bad + "/out cannot hold records"},
		{[]string{"report", "--format", "gif", "--out", dir}, 2, `unknown format "gif"`},
	} {
		code, stdout, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("creditbench %s: exit %d, output %q; want exit %d and %q",
				strings.Join(tc.args, " "), code, stdout+stderr, tc.code, tc.want)
		}
	}
}

func TestPlanAndShardsCoverTheSuite(t *testing.T) {
	code, all, _ := runCLI("plan", "mnist-fc", "--out", t.TempDir())
	if code != 0 || !strings.Contains(all, "3 runs, 3 to train") {
		t.Fatalf("plan: exit %d: %s", code, all)
	}
	seen := map[string]int{}
	for i := range 2 {
		code, out, _ := runCLI("run", "mnist-fc", "--dry-run", "--shard", []string{"0/2", "1/2"}[i], "--out", t.TempDir())
		if code != 0 {
			t.Fatalf("dry run: exit %d", code)
		}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[1] == "todo" {
				seen[f[0]]++
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("the shards cover %d keys, want 3: %v", len(seen), seen)
	}
	for k, n := range seen {
		if n != 1 || !strings.Contains(all, k) {
			t.Errorf("key %s is in %d shards", k, n)
		}
	}
}

// TestQuickIsTheSameRunsEverywhere: plan, a dry run and export see the
// suite's quick runs alike, and a --set after --quick still applies.
func TestQuickIsTheSameRunsEverywhere(t *testing.T) {
	code, plan, _ := runCLI("plan", "paper-cnn", "--quick", "--set", "seeds=[2]")
	if code != 0 || !strings.Contains(plan, "35 runs, 35 to train") || strings.Contains(plan, "seed 1 ") || strings.Contains(plan, "cifar100") {
		t.Fatalf("plan --quick: exit %d:\n%s", code, plan)
	}
	code, dry, _ := runCLI("run", "paper-cnn", "--dry-run", "--set", "seeds=[2]", "--quick", "--out", t.TempDir())
	if code != 0 || dry != plan {
		t.Errorf("the dry run lists other runs than plan (exit %d)", code)
	}
	code, script, errOut := runCLI("export", "slurm", "paper-cnn", "--quick", "--out", t.TempDir())
	if code != 0 || !strings.Contains(script, "--set 'quick=true'") {
		t.Fatalf("export --quick: exit %d (%s); the script does not pass the quick settings on:\n%s", code, errOut, script)
	}
}

func TestListMethodsShowsCosts(t *testing.T) {
	code, out, _ := runCLI("list", "methods")
	if code != 0 || !strings.Contains(out, "train 2002688 MACs/sample") || !strings.Contains(out, "keeps 1946 floats/sample") {
		t.Fatalf("list methods: exit %d:\n%s", code, out)
	}
}

func TestExportK8s(t *testing.T) {
	code, out, _ := runCLI("export", "k8s", "mnist-fc", "--shards", "5", "--set", `methods=["bp"]`)
	for _, want := range []string{"completionMode: Indexed", "completions: 5", `"--shard", "$(SHARD)/5"`,
		`"--set", "methods=[\"bp\"]"`, "batch.kubernetes.io/job-completion-index", `memory: "2Gi"`} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("export k8s: exit %d, no %q in\n%s", code, want, out)
		}
	}
	if code, _, errs := runCLI("export", "k8s", "nope"); code != 1 || !strings.Contains(errs, "unknown built-in suite") {
		t.Errorf("export of an unknown suite: exit %d: %s", code, errs)
	}
}

// TestExportSlurm: the script sizes its tasks (time from the suite's MACs at
// the given rate, memory from the data), passes partition, throttle and
// logs per task, can be requeued, and submits the report after the array.
func TestExportSlurm(t *testing.T) {
	out := t.TempDir()
	code, script, errs := runCLI("export", "slurm", "smoke", "--shards", "2", "--out", out, "--partition", "short",
		"--throttle", "4", "--macs-per-second", "1e6")
	// smoke's one run is 7.39e9 MACs: 7389 s at 1e6 MAC/s, × 3, + 10 min = 380 min.
	for _, want := range []string{"#SBATCH --array=0-1%4", "#SBATCH --time=0-06:20:00", "#SBATCH --mem=2G", "#SBATCH --partition=short",
		"#SBATCH --output=" + out + "/slurm/%x-%A_%a.out", "#SBATCH --error=" + out + "/slurm/%x-%A_%a.err", "#SBATCH --requeue",
		"#SBATCH --open-mode=append", `--dependency=afterok:"$array"`, "report smoke --out " + out, `--shard "${SLURM_ARRAY_TASK_ID}/2"`} {
		if code != 0 || !strings.Contains(script, want) {
			t.Errorf("export slurm: exit %d (%s), no %q in\n%s", code, errs, want, script)
		}
	}
	code, script, _ = runCLI("export", "slurm", "smoke", "--out", out, "--time", "1:00:00", "--mem", "3G")
	if code != 0 || !strings.Contains(script, "#SBATCH --time=1:00:00\n") || !strings.Contains(script, "#SBATCH --mem=3G\n") ||
		strings.Contains(script, "--partition") || strings.Contains(script, "%4") {
		t.Errorf("export slurm with --time and --mem: exit %d:\n%s", code, script)
	}
	if code, _, errs := runCLI("export", "slurm", "smoke", "--out", filepath.Join(out, "a b")); code != 2 || !strings.Contains(errs, "no spaces") {
		t.Errorf("an output folder with a space: exit %d: %s", code, errs)
	}
}

// TestCIGate runs the ci suite and checks it against the committed baseline,
// then against a baseline it cannot meet: exit 1 and a diff naming the metric.
func TestCIGate(t *testing.T) {
	info, _ := datasets.Lookup("mnist")
	if _, ok := info.Source.Find(); !ok {
		t.Skip("mnist: no local copy (make test fetches it)")
	}
	out := t.TempDir()
	if code, _, errs := runCLI("run", "ci", "--out", out, "--progress", "none"); code != 0 {
		t.Fatalf("run ci: exit %d: %s", code, errs)
	}
	if code, stdout, errs := runCLI("check", "--baseline", "../../results/baselines/ci.json", "--out", out); code != 0 {
		t.Fatalf("check against the committed baseline: exit %d\n%s%s", code, stdout, errs)
	}
	high := filepath.Join(t.TempDir(), "high.json")
	if code, _, errs := runCLI("baseline", "update", "ci", "--file", high, "--out", out); code != 0 {
		t.Fatalf("baseline update: exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(high)
	os.WriteFile(high, []byte(strings.Replace(string(b), `"tolerance": 0.02`, `"tolerance": -0.01`, 1)), 0o644)
	if code, _, errs := runCLI("check", "--baseline", high, "--out", out); code != 1 || !strings.Contains(errs, "tolerance: -0.01 is negative") {
		t.Errorf("a bad baseline: exit %d: %s", code, errs)
	}
	// The first test_acc raised above anything reachable.
	os.WriteFile(high, []byte(strings.Replace(string(b), "\"metric\": \"test_acc\",\n      \"value\": 0.", "\"metric\": \"test_acc\",\n      \"value\": 1.", 1)), 0o644)
	code, _, errs := runCLI("check", "--baseline", high, "--out", out)
	if code != 1 || !strings.Contains(errs, "(-baseline +observed)") || !strings.Contains(errs, "/test_acc: ") {
		t.Errorf("an unmet baseline: exit %d:\n%s", code, errs)
	}
}
