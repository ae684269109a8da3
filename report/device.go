package report

import (
	"fmt"

	"github.com/creditbench/creditbench/datasets"
	"github.com/creditbench/creditbench/results"
)

// Device is a device of the on-device cost model: it trains at one
// multiply-accumulate per CyclesPerMAC cycles of a ClockMHz clock, so a
// training step costs the rule's MACs per sample × CyclesPerMAC ÷ clock.
type Device struct {
	Name                   string
	ClockMHz, CyclesPerMAC float64
}

// BuiltinDevices are the microcontrollers of the FTP authors' sheet; a
// suite adds its own in [devices.NAME] tables.
var BuiltinDevices = []Device{
	{Name: "STM32H735", ClockMHz: 550, CyclesPerMAC: 3},
	{Name: "NUCLEO-G474", ClockMHz: 170, CyclesPerMAC: 4.5},
}

// seconds is how long d takes for macs multiply-accumulates.
func (d Device) seconds(macs float64) float64 { return macs * d.CyclesPerMAC / (d.ClockMHz * 1e6) }

// deviceRows lists, for every cell with an ok run, the training latency
// per sample on each device and the hours its whole training would take
// there (the run's training samples × epochs).
func (t *Table) deviceRows() [][]string {
	head := []string{"rule", "experiment", "train MACs/sample", "training samples × epochs"}
	for _, d := range t.Devices {
		head = append(head, d.Name+" ms/sample", d.Name+" h")
	}
	rows := [][]string{head}
	for _, f := range t.filled() {
		first := f.OK[0]
		macs := float64(first.Efficiency.TrainMACsPerSample)
		n := trainingSamples(first)
		row := []string{f.Row, f.Column.Label(), fmt.Sprint(first.Efficiency.TrainMACsPerSample), "–"}
		if n > 0 {
			row[3] = fmt.Sprintf("%d × %d", n, first.Spec.Epochs)
		}
		for _, d := range t.Devices {
			s := d.seconds(macs)
			hours := "–"
			if n > 0 {
				hours = hoursString(s * float64(n) * float64(first.Spec.Epochs) / 3600)
			}
			row = append(row, fmt.Sprintf("%.2f", 1e3*s), hours)
		}
		rows = append(rows, row)
	}
	return rows
}

// trainingSamples is the number of samples a run trains on per epoch: its
// dataset's training split, limited, less the validation samples; 0 when
// the dataset is not known here.
func trainingSamples(r *results.Record) int {
	info, err := datasets.Resolve(r.Spec.Dataset, r.Spec.DatasetArgs)
	if err != nil || info.TrainSize == 0 {
		return 0
	}
	n := info.TrainSize
	if r.Spec.TrainLimit > 0 {
		n = min(n, r.Spec.TrainLimit)
	}
	return n - r.Spec.Validation
}

// hoursString shows h with a tenth of an hour from 10 h on, and two
// significant digits below, so that a short training is not "0.0".
func hoursString(h float64) string {
	if h >= 10 {
		return fmt.Sprintf("%.1f", h)
	}
	return fmt.Sprintf("%.2g", h)
}
