package report

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The size of every figure: readable at a paper's column width when scaled
// down, with room on the right for the legend.
const (
	figureWidth  = 7 * vg.Inch
	figureHeight = 4 * vg.Inch
)

// save writes p to path in the format its extension names, with the legend
// to the right of the axes, where it covers no data.
func save(p *plot.Plot, path string) error {
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	c, err := draw.NewFormattedCanvas(figureWidth, figureHeight, format)
	if err != nil {
		return fmt.Errorf("report: %v", err)
	}
	dc := draw.New(c)
	legend := p.Legend
	p.Legend = plot.NewLegend() // drawn apart, below
	defer func() { p.Legend = legend }()
	legend.Top, legend.Left = true, true
	width := vg.Length(0)
	if w := legend.Rectangle(dc).Size().X; w > 0 { // a legend with entries
		width = w + 0.15*vg.Inch
	}
	p.Draw(draw.Crop(dc, 0, -width, 0, 0))
	if width > 0 {
		area := draw.Crop(dc, figureWidth-width+0.1*vg.Inch, 0, 0, -p.Title.TextStyle.Height(p.Title.Text)-0.1*vg.Inch)
		legend.Draw(area)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %v", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("report: %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %v", err)
	}
	return nil
}

// epochTicks marks whole epochs only, as many as fit: every epoch up to
// ten, then every 2nd, 5th, 10th … so that at most about ten are labelled.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		step = s
		if (hi-lo)/s <= 10 {
			break
		}
	}
	var ticks []plot.Tick
	for v := lo; v <= hi; v++ {
		t := plot.Tick{Value: v}
		if math.Mod(v, step) == 0 || step == 1 {
			t.Label = strconv.FormatFloat(v, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
