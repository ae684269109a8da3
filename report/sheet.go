package report

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/creditbench/creditbench/hardware"
	"github.com/creditbench/creditbench/methods"
	"github.com/creditbench/creditbench/nn"
)

// sheetNet is a net of the FTP authors' MAC sheet (February 2025): training
// multiply-accumulates per sample of BP, DTP, PEPITA, FF and FTP, in
// millions; 0 where the sheet has no figure.
type sheetNet struct {
	Name    string
	Model   nn.ModelSpec
	In      []int
	Classes int
	Sheet   map[string]float64
}

var authorsSheet = []sheetNet{
	{"FC-MNIST 784-1024-128-10", nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}}, []int{784}, 10,
		map[string]float64{"bp": 2.003, "dtp": 2.938, "pepita": 2.813, "ff": 3.745, "ftp": 2.023}},
	{"FC-CIFAR-10 3072-1024-128-10", nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}}, []int{3072}, 10,
		map[string]float64{"bp": 6.689, "dtp": 9.967, "pepita": 9.865, "ff": 13.117, "ftp": 6.709}},
	{"FC-CIFAR-100 3072-1024-128-100", nn.ModelSpec{Kind: "mlp", Hidden: []int{1024, 128}}, []int{3072}, 100,
		map[string]float64{"bp": 6.723, "dtp": 10.013, "pepita": 10.176, "ff": 13.163, "ftp": 6.928}},
	{"CNN-MNIST conv 32 5×5, pool 2, FC", nn.ModelSpec{Kind: "cnn", Conv: []int{32}, Kernel: 5, Pool: 2}, []int{1, 28, 28}, 10,
		map[string]float64{"bp": 1.097, "pepita": 1.565, "ff": 2.138, "ftp": 1.465}},
	{"CNN-CIFAR-10 conv 32 5×5, pool 2, FC", nn.ModelSpec{Kind: "cnn", Conv: []int{32}, Kernel: 5, Pool: 2}, []int{3, 32, 32}, 10,
		map[string]float64{"bp": 4.002, "pepita": 5.914, "ff": 7.928, "ftp": 4.503}},
	{"CNN-CIFAR-100 conv 32 5×5, pool 2, FC", nn.ModelSpec{Kind: "cnn", Conv: []int{32}, Kernel: 5, Pool: 2}, []int{3, 32, 32}, 100,
		map[string]float64{"bp": 5.695, "pepita": 7.884, "ff": 10.186, "ftp": 10.713}},
}

// sheetNotes say why a rule's count differs from the sheet's by 1 % or
// more, by rule and kind of net: what the sheet's figures are, in terms of
// ours, on every net of that kind.
var sheetNotes = map[string]string{
	"ftp/mlp": "The sheet's FTP is its BP plus 2·C·n₁ (C classes, n₁ the first width): G y and G ŷ as two products, as a nonlinear σ_G needs. " +
		"Ours, at σ_G = identity (the default), is one product G(y − ŷ), and FTP computes no error for the last layer's input; with sigma_g = tanh ours is within 0.2 %.",
	"dtp/mlp": "The sheet's DTP is its BP plus one forward pass: an inverse for every layer, the first included. " +
		"DTP propagates no target to the input, so it trains inverses for layers 2 to L only (Lee et al. 2015).",
	"bp/cnn": "The sheet's CNN figures exceed ours by two per convolution output (2 × 18,432 on MNIST, 2 × 25,088 on CIFAR) to within 0.03 %: " +
		"operations (the ReLU and the pooling, it seems) that the engine does not count as multiply-accumulates.",
	"ftp/cnn": "The sheet's FTP is its BP plus 2·C times the convolution's outputs before pooling (2 × 10 × 18,432 on MNIST): G y and G ŷ injected into the convolution's output. " +
		"Ours injects G(y − ŷ) once, into the first stage's output after pooling (4,608 units on MNIST, 6,272 on CIFAR).",
}

// Sheet compares every rule's analytic training MACs per sample, as the
// engine counts them (the rule's declared Cost at its defaults), with the
// FTP authors' sheet on the sheet's nets: rows of net, rule, creditbench,
// sheet, difference and a note's letter, and the notes, which say why a
// count differs by 1 % or more, or why a rule does not apply.
func Sheet() (rows [][]string, notes []string, err error) {
	rows = [][]string{{"net", "rule", "creditbench MACs/sample", "authors' sheet", "difference", "note"}}
	letter := func(note string) string {
		if note == "" {
			return ""
		}
		for i, n := range notes {
			if n == note {
				return string(rune('a' + i))
			}
		}
		notes = append(notes, note)
		return string(rune('a' + len(notes) - 1))
	}
	for _, n := range authorsSheet {
		model := n.Model.Resolved()
		net, err := nn.Build(model, n.In, n.Classes, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			return nil, nil, fmt.Errorf("report: %s: %w", n.Name, err)
		}
		for _, name := range methods.Names() {
			m, _ := methods.Lookup(name)
			sheet, inSheet := n.Sheet[name]
			want := "–"
			if inSheet {
				want = fmt.Sprintf("%.3fM", sheet)
			}
			task := methods.Task{Model: model, InShape: n.In, Classes: n.Classes, Profile: hardware.Builtins["fp32"]}
			if why := m.Uses(task); why != nil {
				if inSheet {
					rows = append(rows, []string{n.Name, name, "not applicable", want, "–", letter(why.Error())})
				}
				continue
			}
			vals, err := methods.Resolve(m, nil)
			if err != nil {
				return nil, nil, err
			}
			ours := m.Cost(net, vals).TrainMACs
			diff, note := "–", ""
			if inSheet {
				d := float64(ours)/(sheet*1e6) - 1
				diff = fmt.Sprintf("%+.2f %%", 100*d)
				if math.Abs(d) >= 0.01 {
					note = sheetNotes[name+"/"+model.Kind]
					if name == "pepita" && model.Kind == "cnn" {
						note = sheetNotes["bp/cnn"]
					}
				}
			}
			rows = append(rows, []string{n.Name, name, fmt.Sprint(ours), want, diff, letter(note)})
		}
	}
	for i, n := range notes {
		notes[i] = string(rune('a'+i)) + ": " + n
	}
	return rows, notes, nil
}

// WriteSheet writes the Sheet table and its notes in format: text, md or
// html.
func WriteSheet(w io.Writer, format string) error {
	rows, notes, err := Sheet()
	if err != nil {
		return err
	}
	var d document
	switch format {
	case "text", "md":
		d = &plain{w: w, markdown: format == "md"}
	case "html":
		d = &hypertext{w: w}
	default:
		return fmt.Errorf("report: the MAC sheet has no format %q (accepted: text, md, html)", format)
	}
	if err := section(d, "Training MACs per sample: the engine's count beside the FTP authors' sheet", rows); err != nil {
		return err
	}
	notes = append(notes, "Counts at each rule's defaults; a rule the sheet has no figure for shows –.")
	for _, n := range notes {
		if err := d.bullet(n); err != nil {
			return err
		}
	}
	return d.end()
}
