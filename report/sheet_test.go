package report

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/creditbench/creditbench/results"
	"github.com/google/go-cmp/cmp"
)

// TestSheet checks the engine's counts against the FTP authors' sheet:
// within 1 % where the accounting is the same (BP, PEPITA and FF on the
// FC nets), and a note on every figure that differs by more.
func TestSheet(t *testing.T) {
	rows, notes, err := Sheet()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteSheet(&b, "md"); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
	checked := 0
	for _, r := range rows[1:] {
		net, rule, diff, note := r[0], r[1], r[4], r[5]
		if diff == "–" {
			continue
		}
		d, err := strconv.ParseFloat(strings.TrimSuffix(diff, " %"), 64)
		if err != nil {
			t.Fatalf("%s %s: difference %q", net, rule, diff)
		}
		if strings.HasPrefix(net, "FC") && (rule == "bp" || rule == "pepita" || rule == "ff") {
			checked++
			if d <= -1 || d >= 1 {
				t.Errorf("%s %s: %s from the sheet, where the accounting is the same", net, rule, diff)
			}
		}
		if (d <= -1 || d >= 1) && note == "" {
			t.Errorf("%s %s: %s from the sheet, and no note says why", net, rule, diff)
		}
	}
	for _, r := range rows[1:] {
		if l := r[5]; l != "" && !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, l+": ") }) {
			t.Errorf("%s %s: note %q, which no note is", r[0], r[1], l)
		}
	}
	if checked != 9 {
		t.Errorf("%d FC figures of BP, PEPITA and FF checked, want 9", checked)
	}
}

// TestDeviceCost checks the on-device model against the authors' sheet
// (DS-CNN, BP: 7.67M MACs, 41.82 ms per sample on the STM32H735) and a
// whole training's hours from a record.
func TestDeviceCost(t *testing.T) {
	if ms := 1e3 * BuiltinDevices[0].seconds(7.67e6); ms < 41.8 || ms > 41.9 {
		t.Errorf("STM32H735, 7.67M MACs: %.2f ms per sample, the sheet says 41.82", ms)
	}
	r := rec("bp", 1, 0, 0.9, 0.9, "ok")
	r.Efficiency.TrainMACsPerSample = 2002688
	r.Spec.Epochs, r.Spec.Validation = 20, 5000
	table := Build([]*results.Record{r})[0]
	table.Devices = append(table.Devices, Device{Name: "mine", ClockMHz: 1000, CyclesPerMAC: 1})
	rows := table.deviceRows()
	// 2,002,688 × 3 / 550 MHz = 10.92 ms; × 55,000 × 20 = 3.34 h.
	want := []string{"bp", "mnist (fc)", "2002688", "55000 × 20", "10.92", "3.3", "53.01", "16.2", "2.00", "0.61"}
	if diff := cmp.Diff(want, rows[1]); diff != "" {
		t.Errorf("device row (-want +got):\n%s", diff)
	}
}
