package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/creditbench/creditbench/datasets"
)

func cmdData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || (args[0] != "fetch" && args[0] != "verify") {
		return usagef("data: want fetch NAME... or verify NAME...")
	}
	for _, name := range args[1:] {
		info, err := datasets.Lookup(name)
		if err != nil {
			return err
		}
		if info.Source == nil {
			fmt.Fprintf(stdout, "%s  generated in memory: nothing to %s\n", name, args[0])
			continue
		}
		var loc datasets.Location
		if args[0] == "fetch" {
			if loc, err = info.Source.Ensure(ctx, stderr); err != nil {
				return err
			}
		} else {
			var ok bool
			if loc, ok = info.Source.Find(); !ok {
				return fmt.Errorf("%s: no copy to verify in any of its locations (creditbench data fetch %s)", name, name)
			}
		}
		if _, err := info.Verify(loc); err != nil {
			return err
		}
		for _, f := range info.Source.Files {
			fmt.Fprintf(stdout, "%s  ok  %s  sha256(content) %s\n", name, filepath.Join(loc.Dir, f.Name), f.SHA256)
		}
	}
	return nil
}
