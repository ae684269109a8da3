package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests submit the exported job array to a real Slurm: the one that
// tools/slurm-local starts (make test-slurm), or any whose commands answer
// here. Without one they skip, unless CREDITBENCH_SLURM=required (set by
// make test-slurm), when a missing Slurm is a failure.

// slurmHere skips the test when no Slurm answers.
func slurmHere(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("sbatch")
	if err == nil {
		var b []byte
		b, err = exec.Command("sinfo", "-h", "-o", "%t").CombinedOutput()
		if err == nil && !strings.Contains(string(b), "idle") && !strings.Contains(string(b), "mix") && !strings.Contains(string(b), "alloc") {
			err = fmt.Errorf("no node up: sinfo says %q", strings.TrimSpace(string(b)))
		}
	}
	if err == nil {
		return
	}
	if os.Getenv("CREDITBENCH_SLURM") == "required" {
		t.Fatalf("Slurm does not answer: %v", err)
	}
	t.Skipf("no Slurm here (%v): make test-slurm starts a single-node Slurm on loopback", err)
}

// slurm runs a Slurm command and returns its output.
func slurm(t *testing.T, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	return string(b)
}

// exportScript writes the Slurm script of suite in shards, with the given
// --set flags, running this test binary as creditbench, and returns its
// path and output folder.
func exportScript(t *testing.T, suite string, shards int, sets ...string) (script, out string) {
	t.Helper()
	dir := t.TempDir()
	out = filepath.Join(dir, "out")
	code, text, errs := runCLI(append([]string{"export", "slurm", suite, "--shards", fmt.Sprint(shards), "--out", out,
		"--bin", os.Args[0], "--macs-per-second", "1e9"}, sets...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	script = filepath.Join(dir, "job.sbatch")
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
	return script, out
}

// asMain is the environment of a Slurm submission whose jobs run this test
// binary as creditbench (sbatch passes the environment on).
func asMain() []string { return append(os.Environ(), "CREDITBENCH_AS_MAIN=1") }

// taskStates returns, for each of the job's array tasks (by task id, or ""
// for a job that is no array), its state, as scontrol shows it.
func taskStates(t *testing.T, job string) map[string]string {
	t.Helper()
	states := map[string]string{}
	for _, rec := range strings.Split(slurm(t, "scontrol", "-o", "show", "job", job), "\n") {
		if rec == "" {
			continue
		}
		task := regexp.MustCompile(`ArrayTaskId=(\S+)`).FindStringSubmatch(rec)
		state := regexp.MustCompile(`JobState=(\S+)`).FindStringSubmatch(rec)
		id := ""
		if task != nil {
			id = task[1]
		}
		if state != nil {
			states[id] = state[1]
		}
	}
	return states
}

// waitJobs polls until none of the jobs is pending or running, or fails the
// test after limit.
func waitJobs(t *testing.T, limit time.Duration, jobs ...string) {
	t.Helper()
	start := time.Now()
	for {
		left := strings.TrimSpace(slurm(t, "squeue", "-h", "-j", strings.Join(jobs, ","), "-o", "%i %T %r"))
		if left == "" {
			return
		}
		if time.Since(start) > limit {
			t.Fatalf("jobs %v not done after %v:\n%s", jobs, limit, left)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

var submitted = regexp.MustCompile(`array job (\d+): (\d+) tasks; report job (\d+) after it`)

// TestSlurmArrayEqualsOneProcess submits the smoke suite and a suite of four
// runs as 3-task job arrays (bash SCRIPT: the array and the dependent report
// job), waits for them, and compares the records the tasks wrote with a
// single process's.
func TestSlurmArrayEqualsOneProcess(t *testing.T) {
	slurmHere(t)
	tiny, clean := tinySetup(t)
	smokeClean := filepath.Join(t.TempDir(), "smoke")
	if code, _, errs := runCLI("run", "smoke", "--out", smokeClean, "--progress", "none"); code != 0 {
		t.Fatalf("smoke: exit %d: %s", code, errs)
	}
	for _, c := range []struct{ suite, clean string }{{"smoke", smokeClean}, {tiny, clean}} {
		script, out := exportScript(t, c.suite, 3)
		cmd := exec.Command("bash", script)
		cmd.Env = asMain()
		b, err := cmd.CombinedOutput()
		m := submitted.FindStringSubmatch(string(b))
		if err != nil || m == nil {
			t.Fatalf("%s: bash %s: %v\n%s", c.suite, script, err, b)
		}
		array, report := m[1], m[3]
		t.Logf("%s: %s", filepath.Base(c.suite), strings.TrimSpace(string(b)))
		waitJobs(t, 3*time.Minute, array, report)
		tasks := taskStates(t, array)
		t.Logf("%s: array %s task states %v; report job %s %v", filepath.Base(c.suite), array, tasks, report, taskStates(t, report)[""])
		if len(tasks) != 3 || tasks["0"] != "COMPLETED" || tasks["1"] != "COMPLETED" || tasks["2"] != "COMPLETED" {
			t.Errorf("%s: array tasks %v, want 0, 1 and 2 COMPLETED", c.suite, tasks)
		}
		if st := taskStates(t, report)[""]; st != "COMPLETED" {
			t.Errorf("%s: report job %s", c.suite, st)
		}
		want, got := records(t, c.clean), records(t, out)
		if diff := cmp.Diff(want, got, ignoreTimings); diff != "" {
			t.Errorf("%s: the array's records differ from one process's (-process +array):\n%s", c.suite, diff)
		}
		t.Logf("%s: %d records of the array equal one process's, timings and environment aside", filepath.Base(c.suite), len(got))
		if _, err := os.Stat(filepath.Join(out, "report", "tables.md")); err != nil {
			t.Errorf("%s: the report job wrote no tables: %v", c.suite, err)
		}
		logs, _ := filepath.Glob(filepath.Join(out, "slurm", "*-"+array+"_*.out"))
		if len(logs) != 3 {
			t.Errorf("%s: %d task logs, want 3: %v", c.suite, len(logs), logs)
		}
	}
}

// slower makes tinySuite's runs long enough to requeue one mid-run.
var slower = []string{"--set", "train_limit=15000", "--set", "epochs=5"}

// TestSlurmRequeueResumes requeues the task of a one-task array (sbatch
// SCRIPT) once it has finished a run and checkpointed another: the requeued
// task keeps the finished run, resumes the other from its last epoch, and
// its records equal an uninterrupted run's.
func TestSlurmRequeueResumes(t *testing.T) {
	slurmHere(t)
	suite, clean := tinySetup(t, slower...)
	script, out := exportScript(t, suite, 1, slower...)
	os.MkdirAll(filepath.Join(out, "slurm"), 0o755) // as the script's header asks
	cmd := exec.Command("sbatch", "--parsable", script)
	cmd.Env = asMain()
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch: %v\n%s", err, b)
	}
	job := strings.SplitN(strings.TrimSpace(string(b)), ";", 2)[0]
	task := job + "_0"

	// Wait for one record and the checkpoint of the next run.
	var done []string
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		done, _ = filepath.Glob(filepath.Join(out, "runs", "*.json"))
		ckpts, _ := filepath.Glob(filepath.Join(out, "checkpoints", "*.ckpt"))
		if len(done) >= 1 && len(ckpts) == 1 {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("no finished run and checkpoint after 2 minutes: %v", taskStates(t, job))
		}
	}
	kept := map[string][]byte{}
	for _, f := range done {
		kept[f], _ = os.ReadFile(f)
	}
	t.Logf("task %s: %d runs recorded, a checkpoint written: scontrol requeue %s", task, len(done), task)
	slurm(t, "scontrol", "requeue", task)
	// The requeued task waits out its old credential (Reason=BeginTime;
	// tools/slurm-local sets 10 s), then starts again.
	waitJobs(t, 3*time.Minute, job)
	logs, _ := filepath.Glob(filepath.Join(out, "slurm", "*-"+job+"_0.*"))
	var log bytes.Buffer
	for _, f := range logs {
		b, _ := os.ReadFile(f)
		log.Write(b)
	}
	info := slurm(t, "scontrol", "-o", "show", "job", task)
	restarts := regexp.MustCompile(`Restarts=(\d+)`).FindStringSubmatch(info)
	t.Logf("task %s: %v, Restarts=%s", task, taskStates(t, job)["0"], restarts[1])
	if taskStates(t, job)["0"] != "COMPLETED" || restarts[1] != "1" {
		t.Fatalf("task %s: want COMPLETED after one restart:\n%s\nits log:\n%s", task, info, log.String())
	}
	// The second start finds the finished runs and the checkpoint.
	again := regexp.MustCompile(`(\d+) runs to train, (\d+) already recorded`).FindAllStringSubmatch(log.String(), -1)
	resumed := regexp.MustCompile(`resumed after epoch (\d+) of 5`).FindStringSubmatch(log.String())
	t.Logf("task log: starts %v; %q", again, resumed)
	if len(again) != 2 || again[1][2] != fmt.Sprint(len(done)) || resumed == nil {
		t.Errorf("the requeued task did not resume (want a second start with %d runs recorded and a run resumed):\n%s", len(done), log.String())
	}
	for f, b := range kept {
		if now, _ := os.ReadFile(f); !bytes.Equal(now, b) {
			t.Errorf("%s was written again after the requeue", f)
		}
	}
	if diff := cmp.Diff(records(t, clean), records(t, out), ignoreTimings); diff != "" {
		t.Errorf("the requeued task's records differ from an uninterrupted run's (-uninterrupted +requeued):\n%s", diff)
	}
}
