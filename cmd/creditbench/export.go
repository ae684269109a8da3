package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// exportTemplates are the cluster job files: a Slurm job array and a
// Kubernetes Indexed Job, each running one shard of the suite per task.
var exportTemplates = map[string]*template.Template{
	"slurm": template.Must(template.New("slurm").Parse(`#!/bin/bash
# {{.Name}}: creditbench suite {{.Suite}} in {{.Shards}} shards, one per array task.
# Submit with: sbatch {{.Name}}.sbatch
# Every task writes its records into {{.Out}}/runs; a shared folder merges
# them, or copy the runs/ folders together afterwards.
#SBATCH --job-name={{.Name}}
#SBATCH --array=0-{{.Last}}
#SBATCH --cpus-per-task={{.CPUs}}
#SBATCH --output={{.Out}}/slurm-%A_%a.log
set -euo pipefail
mkdir -p {{.Out}}
exec {{.Bin}} run {{.Suite}} --out {{.Out}} --jobs {{.CPUs}} --progress lines \
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
          command: ["{{.Bin}}", "run", "{{.Suite}}", "--out", "/out", "--jobs", "{{.CPUs}}",
                    "--progress", "lines", "--shard", "$(SHARD)/{{.Shards}}"{{range .Sets}},
                    "--set", "{{.}}"{{end}}]
          resources:
            requests:
              cpu: "{{.CPUs}}"
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
	if *shards < 1 || *cpus < 1 {
		return usagef("export: --shards and --cpus must be at least 1")
	}
	if _, err := expandAll([]string{suite}, ov.list()); err != nil {
		return err // a suite that does not parse would fail on every node
	}
	if _, err := os.Stat(suite); err == nil {
		if suite, err = filepath.Abs(suite); err != nil {
			return err
		}
	}
	if kind == "slurm" {
		if *out, err = filepath.Abs(*out); err != nil {
			return err
		}
	}
	if *bin == "" {
		*bin = "creditbench"
		if exe, err := os.Executable(); err == nil && kind == "slurm" {
			*bin = exe
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
	name := "creditbench-" + strings.TrimSuffix(filepath.Base(suite), ".toml")
	return exportTemplates[kind].Execute(stdout, map[string]any{
		"Name": name, "Suite": suite, "Shards": *shards, "Last": *shards - 1, "Out": *out, "CPUs": *cpus,
		"Bin": *bin, "Image": *image, "PVC": *pvc, "Sets": quoted,
	})
}
