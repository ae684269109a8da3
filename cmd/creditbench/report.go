package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/creditbench/creditbench/report"
	"github.com/creditbench/creditbench/results"
	"github.com/creditbench/creditbench/spec"
	"github.com/creditbench/creditbench/suites"
)

func cmdReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	out := fs.String("out", "out", "output folder: records are read from DIR/runs, reports written to DIR/report")
	format := fs.String("format", "text,md,csv,latex,png,html", "comma-separated: text (to stdout), md, csv, latex, png, svg, pdf, html (index.html: every table and the png or svg figures)")
	var ov overrides
	ov.register(fs, "KEY=VALUE override, as given to run (repeatable)")
	names, err := parse(fs, args)
	if err != nil {
		return err
	}
	formats := strings.Split(*format, ",")
	for _, f := range formats {
		if !report.ValidPlotFormat(f) && !slices.Contains(report.Formats, f) {
			return usagef("--format %s: unknown format %q (accepted: text, md, csv, latex, png, svg, pdf, html)", *format, f)
		}
	}
	store := &results.Store{Dir: *out}
	recs, err := store.All()
	if err != nil {
		return err
	}
	var devices map[string][]report.Device // a suite's own, by suite
	if len(names) > 0 {
		if recs, devices, err = suiteRecords(names, ov.list(), store, stderr); err != nil {
			return err
		}
	}
	if len(recs) == 0 {
		return fmt.Errorf("no run records in %s: train some with creditbench run SUITE --out %s", store.Dir+"/runs", *out)
	}
	dir := filepath.Join(*out, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tables := report.Build(recs)
	for _, t := range tables {
		t.Devices = append(t.Devices, devices[t.Suite]...)
	}
	var md bytes.Buffer
	figures := map[string]map[string][]string{} // by format, then suite
	for _, f := range formats {
		for _, t := range tables {
			switch {
			case f == "html":
				continue // once the figures are drawn
			case f == "text":
				err = report.Write(stdout, t, "text")
			case f == "md":
				err = report.Write(&md, t, "md")
			case f == "csv" || f == "latex":
				var b bytes.Buffer
				if err = report.Write(&b, t, f); err == nil {
					err = writeFile(filepath.Join(dir, t.Suite+map[string]string{"csv": ".csv", "latex": ".tex"}[f]), b.Bytes(), stderr)
				}
				if f == "csv" && err == nil {
					err = writeTidy(dir, t, stderr)
				}
			default:
				if figures[f] == nil {
					figures[f] = map[string][]string{}
				}
				for _, plot := range report.Plots {
					files, perr := plot(t, dir, f)
					for _, name := range files {
						fmt.Fprintf(stderr, "wrote %s\n", name)
						rel, _ := filepath.Rel(dir, name)
						figures[f][t.Suite] = append(figures[f][t.Suite], rel)
					}
					if err == nil {
						err = perr
					}
				}
			}
			if err != nil {
				return err
			}
		}
	}
	if md.Len() > 0 {
		if err := report.WriteSheet(&md, "md"); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, "tables.md"), md.Bytes(), stderr); err != nil {
			return err
		}
	}
	if slices.Contains(formats, "html") {
		page := report.Page{Tables: tables, Figures: figures["png"]}
		if page.Figures == nil {
			page.Figures = figures["svg"]
		}
		var b bytes.Buffer
		if err := report.WritePage(&b, page); err != nil {
			return err
		}
		return writeFile(filepath.Join(dir, "index.html"), b.Bytes(), stderr)
	}
	return nil
}

// suiteRecords returns the records of the named suites' runs, and says how
// many runs have no record yet.
func suiteRecords(names, sets []string, store *results.Store, stderr io.Writer) ([]*results.Record, map[string][]report.Device, error) {
	var specs []spec.Run
	devices := map[string][]report.Device{}
	for _, n := range names {
		s, err := suites.Load(n, sets)
		if err != nil {
			return nil, nil, err
		}
		specs = append(specs, s.Runs...)
		for _, name := range slices.Sorted(maps.Keys(s.Devices)) {
			d := s.Devices[name]
			devices[s.Head.Name] = append(devices[s.Head.Name], report.Device{Name: name, ClockMHz: d.ClockMHz, CyclesPerMAC: d.CyclesPerMAC})
		}
	}
	var recs []*results.Record
	missing := 0
	for _, s := range specs {
		if !store.Has(s.Key()) {
			missing++
			continue
		}
		r, err := store.Read(s.Key())
		if err != nil {
			return nil, nil, err
		}
		recs = append(recs, r)
	}
	if missing > 0 {
		fmt.Fprintf(stderr, "note: %d of %d runs of %s have no record yet (creditbench run to train them)\n",
			missing, len(specs), strings.Join(names, ", "))
	}
	return recs, devices, nil
}

func writeFile(path string, b []byte, log io.Writer) error {
	if err := results.WriteFile(path, b); err != nil {
		return err
	}
	fmt.Fprintf(log, "wrote %s\n", path)
	return nil
}

// writeTidy writes the suite's records as two tidy CSV files, for pandas and
// R: SUITE-runs.csv, a row per run, and SUITE-epochs.csv, a row per epoch.
func writeTidy(dir string, t *report.Table, stderr io.Writer) error {
	for _, f := range []struct {
		suffix string
		write  func(io.Writer, []*results.Record) error
	}{{"-runs.csv", report.WriteRuns}, {"-epochs.csv", report.WriteEpochs}} {
		var b bytes.Buffer
		if err := f.write(&b, t.Records); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, t.Suite+f.suffix), b.Bytes(), stderr); err != nil {
			return err
		}
	}
	return nil
}
