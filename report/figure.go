package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/creditbench/creditbench/methods"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
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
	legend := p.Legend
	p.Legend = plot.NewLegend() // drawn apart, by saveGrid
	defer func() { p.Legend = legend }()
	return saveGrid(path, "", []*plot.Plot{p}, legend)
}

// saveGrid writes panels to path as small multiples, up to three a row
// under title (none for one panel, which has its own), with legend to the
// right of them all. A panel's own legend is not drawn.
func saveGrid(path, title string, panels []*plot.Plot, legend plot.Legend) error {
	rows := (len(panels) + 2) / 3
	height := figureHeight
	if rows > 1 {
		height = vg.Length(rows) * figureHeight * 3 / 5
	}
	return saveGridSized(path, title, panels, legend, height, 0)
}

// saveGridSized is saveGrid on a figure of the given height. A lead above
// zero lays the panels out in one row where the first, lead wider than the
// others, carries the row labels for all (the others hide their Y axis).
func saveGridSized(path, title string, panels []*plot.Plot, legend plot.Legend, height, lead vg.Length) error {
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	cols := min(len(panels), 3)
	rows := (len(panels) + cols - 1) / cols
	c, err := draw.NewFormattedCanvas(figureWidth, height, format)
	if err != nil {
		return fmt.Errorf("report: %v", err)
	}
	dc := draw.New(c)
	top := vg.Length(0)
	style := plot.New().Title.TextStyle
	if title != "" {
		style.XAlign, style.YAlign = draw.XCenter, draw.YTop
		dc.FillText(style, vg.Point{X: figureWidth / 2, Y: height}, title)
		top = style.Height(title) + 0.1*vg.Inch
	}
	legend.Top, legend.Left = true, true
	width := vg.Length(0)
	if w := legend.Rectangle(dc).Size().X; w > 0 { // a legend with entries
		width = w + 0.15*vg.Inch
	}
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, p := range panels {
		own := p.Legend
		p.Legend = plot.NewLegend()
		defer func() { p.Legend = own }()
		grid[i/cols][i%cols] = p
	}
	pad := 0.15 * vg.Inch
	area := draw.Crop(dc, 0, -width, 0, -top)
	if lead > 0 {
		w := (area.Max.X - area.Min.X - lead - vg.Length(len(panels)-1)*pad) / vg.Length(len(panels))
		x := area.Min.X
		for i, p := range panels {
			right := x + w
			if i == 0 {
				right += lead
			}
			p.Draw(draw.Crop(area, x-area.Min.X, right-area.Max.X, 0, 0))
			x = right + pad
		}
	} else {
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: pad, PadY: pad}
		canvases := plot.Align(grid, tiles, area)
		for i, p := range panels {
			p.Draw(canvases[i/cols][i%cols])
		}
	}
	if width > 0 {
		titleGap := top
		if title == "" && len(panels) == 1 {
			titleGap = panels[0].Title.TextStyle.Height(panels[0].Title.Text) + 0.1*vg.Inch
		}
		legend.Draw(draw.Crop(dc, figureWidth-width+0.1*vg.Inch, 0, 0, -titleGap))
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

// palette is matplotlib's "tab10", the colours its users know, one per
// registered rule up to ten.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, color.RGBA{0xbc, 0xbd, 0x22, 0xff},
	color.RGBA{0x17, 0xbe, 0xcf, 0xff},
}

// styleIndex is rule's place in the order of the mission's rules (BP
// blue, FTP orange, …), then of the other registered rules by name, so that
// a rule looks the same in every figure of every suite.
func styleIndex(rule string) int {
	order := []string{"bp", "ftp", "dtp", "ff", "cafo", "pepita", "dfa", "drtp", "fa"}
	for _, n := range methods.Names() {
		if !slices.Contains(order, n) {
			order = append(order, n)
		}
	}
	if i := slices.Index(order, rule); i >= 0 {
		return i
	}
	return len(order) // a rule this build does not know
}

// ruleLine adds xy to p as a line with points, labelled label, in rule's
// colour and marker, the same in every figure (styleIndex); variant (a
// layer of the rule) picks the dashes. It returns what a legend shows of it.
func ruleLine(p *plot.Plot, rule, label string, variant int, xy plotter.XYs) ([]plot.Thumbnailer, error) {
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return nil, fmt.Errorf("report: %s: %v", label, err)
	}
	i := styleIndex(rule)
	l.Color, l.Dashes = palette[i%len(palette)], plotutil.Dashes(variant)
	pts.Color, pts.Shape = l.Color, plotutil.Shape(i)
	p.Add(l, pts)
	p.Legend.Add(label, l, pts)
	return []plot.Thumbnailer{l, pts}, nil
}

// variant is row's place among the rows of its rule (a rule shown at
// several sweep points, select = "each"): the dashes that tell them apart
// in a figure where they share the rule's colour and marker.
func (t *Table) variant(row string) int {
	rule, _, _ := strings.Cut(row, " ")
	n := 0
	for _, r := range t.Rows {
		if r == row {
			return n
		}
		if head, _, _ := strings.Cut(r, " "); head == rule {
			n++
		}
	}
	return 0
}

// ruleBand shades the band between lo and hi in rule's colour, faintly, under
// the lines drawn after it; a band of no width (one seed) is not drawn.
func ruleBand(p *plot.Plot, rule string, lo, hi plotter.XYs) error {
	wide := false
	for i := range lo {
		wide = wide || hi[i].Y > lo[i].Y
	}
	if !wide {
		return nil
	}
	ring := slices.Clone(lo)
	for i := len(hi) - 1; i >= 0; i-- {
		ring = append(ring, hi[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return fmt.Errorf("report: %s: %v", rule, err)
	}
	r, g, b, _ := palette[styleIndex(rule)%len(palette)].RGBA()
	poly.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 0x40}
	poly.LineStyle.Width = 0
	p.Add(poly)
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
