package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/runner"
	"github.com/creditbench/creditbench/spec"
)

// exportTemplates are the cluster job files: a Slurm job array and a
// Kubernetes Indexed Job, each running one shard of the suite per task.
var exportTemplates = map[string]*template.Template{
	"slurm": template.Must(template.New("slurm").Parse(`#!/bin/bash
# {{.Name}}: creditbench suite {{.Suite}} in {{.Shards}} shards, one per
# array task, then its report.
#
# Submit with: bash {{.Name}}.sbatch
#   It submits the array, then a job that writes the report once every task
#   has succeeded (afterok). sbatch {{.Name}}.sbatch submits the array alone
#   (create {{.Out}}/slurm first: Slurm opens the logs there).
# Every task writes its records into {{.Out}}/runs: a shared folder merges
# them; without one, copy each node's {{.Out}} back and merge them with
# creditbench collect. A requeued task (scontrol requeue, preemption) resumes
# its shard: finished runs are kept, a run in progress goes on from its last
# epoch's checkpoint.
# --time: {{.TimeWhy}}
# --mem: {{.MemWhy}}
#SBATCH --job-name={{.Name}}
#SBATCH --array=0-{{.Last}}{{if .Throttle}}%{{.Throttle}}{{end}}
#SBATCH --cpus-per-task={{.CPUs}}
#SBATCH --mem={{.Mem}}
#SBATCH --time={{.Time}}{{if .Partition}}
#SBATCH --partition={{.Partition}}{{end}}
#SBATCH --output={{.Out}}/slurm/%x-%A_%a.out
#SBATCH --error={{.Out}}/slurm/%x-%A_%a.err
#SBATCH --open-mode=append
#SBATCH --requeue
set -euo pipefail
if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  mkdir -p {{.Out}}/slurm
  array=$(sbatch --parsable "$0")
  array=${array%%;*}
  report=$(sbatch --parsable --dependency=afterok:"$array" <<'REPORT'
#!/bin/bash
#SBATCH --job-name={{.Name}}-report
#SBATCH --cpus-per-task=1
#SBATCH --mem={{.Mem}}
#SBATCH --time=01:00:00{{if .Partition}}
#SBATCH --partition={{.Partition}}{{end}}
#SBATCH --output={{.Out}}/slurm/%x-%j.out
#SBATCH --error={{.Out}}/slurm/%x-%j.err
exec {{.Bin}} report {{.Suite}} --out {{.Out}}{{range .Sets}} \
  --set {{.}}{{end}}
REPORT
)
  echo "array job ${array}: {{.Shards}} tasks; report job ${report%%;*} after it"
  exit 0
fi
exec {{.Bin}} run {{.Suite}} --out {{.Out}} --jobs {{.CPUs}} --cores {{.CPUs}} --progress lines \
  --shard "${SLURM_ARRAY_TASK_ID}/{{.Shards}}"{{range .Sets}} \
  --set {{.}}{{end}}
`)),
	"k8s": template.Must(template.New("k8s").Parse(`# {{.Name}}: creditbench suite {{.Suite}} in {{.Shards}} shards, one per
# completion index. Apply with: kubectl apply -f {{.Name}}.yaml
# Every pod writes its records into the volume {{.PVC}} at /out/runs.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.Name}}
spec:
  completionMode: Indexed
  completions: {{.Shards}}
  parallelism: {{.Shards}}
  backoffLimit: {{.Shards}}
  template:
    spec:
      restartPolicy: OnFailure
      containers:
        - name: creditbench
          image: {{.Image}}
          env:
            - name: SHARD
              valueFrom:
                fieldRef:
                  fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
          command: ["{{.Bin}}", "run", "{{.Suite}}", "--out", "/out", "--jobs", "{{.CPUs}}", "--cores", "{{.CPUs}}",
                    "--progress", "lines", "--shard", "$(SHARD)/{{.Shards}}"{{range .Sets}},
                    "--set", "{{.}}"{{end}}]
          resources: # memory: {{.MemWhy}}
            requests:
              cpu: "{{.CPUs}}"
              memory: "{{.Mem}}"
            limits:
              memory: "{{.Mem}}"
          volumeMounts:
            - name: out
              mountPath: /out
      volumes:
        - name: out
          persistentVolumeClaim:
            claimName: {{.PVC}}
`)),
}

func cmdExport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	shards := fs.Int("shards", 4, "number of shards (array tasks, completion indexes)")
	out := fs.String("out", "out", "output folder of every task (slurm)")
	cpus := fs.Int("cpus", 1, "cores per task, and runs trained side by side in it")
	bin := fs.String("bin", "", "the creditbench command on the nodes (default: this binary for slurm, creditbench for k8s)")
	image := fs.String("image", "creditbench:latest", "container image (k8s)")
	pvc := fs.String("pvc", "creditbench-out", "persistent volume claim mounted at /out (k8s)")
	partition := fs.String("partition", "", "Slurm partition of the tasks and the report (default: the cluster's)")
	limit := fs.String("time", "", "time limit per task in Slurm's format, such as 2:00:00 (default: estimated from the suite's MACs)")
	mem := fs.String("mem", "", "memory per task, such as 4G (Slurm) or 4Gi (k8s) (default: estimated from the datasets)")
	throttle := fs.Int("throttle", 0, "array tasks running at once, 0 for no limit (slurm)")
	rate := fs.Float64("macs-per-second", 0, "one core's training rate for the time estimate (default: measured here for a second)")
	var ov overrides
	ov.register(fs, "KEY=VALUE override passed to every task (repeatable)")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 || exportTemplates[rest[0]] == nil {
		return usagef("export: want slurm SUITE or k8s SUITE")
	}
	kind, suite := rest[0], rest[1]
	if *shards < 1 || *cpus < 1 || *throttle < 0 || *rate < 0 {
		return usagef("export: --shards and --cpus must be at least 1, --throttle and --macs-per-second at least 0")
	}
	specs, err := expandAll([]string{suite}, ov.list())
	if err != nil {
		return err // a suite that does not parse would fail on every node
	}
	if _, err := os.Stat(suite); err == nil {
		if suite, err = filepath.Abs(suite); err != nil {
			return err
		}
	}
	vars := map[string]any{"Shards": *shards, "Last": *shards - 1, "CPUs": *cpus, "Image": *image, "PVC": *pvc,
		"Partition": *partition, "Throttle": *throttle, "Time": *limit, "TimeWhy": "given", "Mem": *mem, "MemWhy": "given"}
	if kind == "slurm" {
		if *out, err = filepath.Abs(*out); err != nil {
			return err
		}
		if *limit == "" {
			if vars["Time"], vars["TimeWhy"], err = timeLimit(specs, *shards, *cpus, *rate); err != nil {
				return err
			}
		}
	}
	if *mem == "" {
		gib, why := memory(specs, *cpus)
		vars["Mem"], vars["MemWhy"] = fmt.Sprintf("%dG", gib), why
		if kind == "k8s" {
			vars["Mem"] = fmt.Sprintf("%dGi", gib)
		}
	}
	if *bin == "" {
		*bin = "creditbench"
		if exe, err := os.Executable(); err == nil && kind == "slurm" {
			*bin = exe
		}
	}
	if kind == "slurm" {
		for _, path := range []string{*out, suite, *bin} {
			if strings.ContainsAny(path, " \t\n'\"$%") {
				return usagef("export slurm: %s: the script takes no spaces, quotes, $ or %% in paths (Slurm's #SBATCH lines do not quote): move it or link it", path)
			}
		}
	}
	var quoted []string
	for _, s := range ov.list() {
		if kind == "slurm" {
			s = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		} else {
			s = strings.ReplaceAll(s, `"`, `\"`)
		}
		quoted = append(quoted, s)
	}
	vars["Name"] = "creditbench-" + strings.TrimSuffix(filepath.Base(suite), ".toml")
	vars["Suite"], vars["Out"], vars["Bin"], vars["Sets"] = suite, *out, *bin, quoted
	return exportTemplates[kind].Execute(stdout, vars)
}

// timeLimit estimates a task's time for the busiest shard: its runs'
// analytic MACs (runner.Work) at one core's rate (measured here for a
// second when rate is 0), spread over cpus cores, with a margin of 3 for
// the convolutions and recurrent cells that run below the dense product's
// rate and 10 minutes for loading data. It returns the limit in Slurm's
// D-HH:MM:SS and how it was reached.
func timeLimit(specs []spec.Run, shards, cpus int, rate float64) (limit, why string, err error) {
	if rate == 0 {
		if rate, err = runner.Throughput(time.Second); err != nil {
			return "", "", err
		}
	}
	var busiest float64 // seconds
	for i := range shards {
		part, _ := shardOf(specs, fmt.Sprintf("%d/%d", i, shards))
		var sum, longest float64
		for _, s := range part {
			w, err := runner.Work(s)
			if err != nil {
				return "", "", err
			}
			sec := float64(w) / rate
			sum += sec
			longest = max(longest, sec)
		}
		if cpus > 1 { // list scheduling: within the mean load plus one run
			sum = min(sum, sum/float64(cpus)+longest)
		}
		busiest = max(busiest, sum)
	}
	minutes := int(math.Ceil((time.Duration(3*busiest)*time.Second + 10*time.Minute).Minutes()))
	return fmt.Sprintf("%d-%02d:%02d:00", minutes/(24*60), minutes/60%24, minutes%60),
		fmt.Sprintf("the busiest shard's %.3g s at %.3g GMAC/s per core (measured), × 3, + 10 min", busiest, rate/1e9), nil
}

// memory estimates a task's memory in GiB: the largest dataset of the
// suite as float32 (training and test splits) once per core, plus 1 GiB,
// and says so.
func memory(specs []spec.Run, cpus int) (gib int, why string) {
	var most int64 // bytes
	for _, s := range specs {
		if info, err := datasets.Resolve(s.Dataset, s.DatasetArgs); err == nil {
			floats := int64(info.TrainSize) * 7 / 6 // with the test split
			for _, d := range info.Shape {
				floats *= int64(d)
			}
			most = max(most, 4*floats)
		}
	}
	gib = int(math.Ceil(float64(int64(cpus)*most+1<<30) / (1 << 30)))
	return gib, fmt.Sprintf("the largest dataset as float32 (%.3g GiB) per core, + 1 GiB", float64(most)/(1<<30))
}
