package suites

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/creditbench/creditbench/spec"
)

const sweepSuite = `[suite]
name = "t"
seeds = [1, 2]

[defaults]
epochs = 3
optimizer = { name = "sgd", lr = 0.05, momentum = 0.9 }

[[experiment]]
name = "fc"
dataset = "mnist"
model = { kind = "mlp", hidden = [16] }
methods = ["bp"]
batch_size = 32
[experiment.sweep]
"optimizer.lr" = [0.01, 0.1]
epochs = [1, 2]
`

func TestExpandSweepAndSeeds(t *testing.T) {
	s, err := Parse("t.toml", []byte(sweepSuite), nil)
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	if len(specs) != 2*2*2 {
		t.Fatalf("%d specs, want 8 (2 lr × 2 epochs × 2 seeds)", len(specs))
	}
	keys := map[string]bool{}
	for _, sp := range specs {
		keys[sp.Key()] = true
		if sp.BatchSize != 32 || sp.Optimizer.Momentum != 0.9 || sp.Validation != 5000 {
			t.Errorf("spec %+v did not inherit experiment, defaults and built-in settings", sp)
		}
		if sp.Point["optimizer.lr"] != sp.Optimizer.LR || sp.Point["epochs"] != int64(sp.Epochs) {
			t.Errorf("point %v does not match spec lr %v epochs %d", sp.Point, sp.Optimizer.LR, sp.Epochs)
		}
	}
	if len(keys) != len(specs) {
		t.Errorf("%d distinct keys for %d specs", len(keys), len(specs))
	}
	again, _ := Parse("t.toml", []byte(sweepSuite), nil)
	specs2 := again.Runs
	if diff := cmp.Diff(specs, specs2); diff != "" {
		t.Errorf("a second parse expanded differently (-first +second):\n%s", diff)
	}
}

func TestPerRuleAxes(t *testing.T) {
	src := strings.Replace(sweepSuite, `methods = ["bp"]`, `methods = ["bp", "ftp"]`, 1)
	src = strings.Replace(src, `"optimizer.lr" = [0.01, 0.1]
epochs = [1, 2]`, `"bp.optimizer.lr" = [0.01, 0.1, 0.2]
"ftp.gamma" = [0.05, 0.1, 0.2]
"ftp.epochs" = [4]`, 1)
	s, err := Parse("t.toml", []byte(src), []string{"seeds=[1]"})
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	got := map[string][]string{}
	for _, sp := range specs {
		got[sp.Method] = append(got[sp.Method], fmt.Sprintf("lr %v gamma %v epochs %d", sp.Optimizer.LR, sp.Params["gamma"], sp.Epochs))
	}
	want := map[string][]string{
		"bp": {"lr 0.01 gamma <nil> epochs 3", "lr 0.1 gamma <nil> epochs 3", "lr 0.2 gamma <nil> epochs 3"},
		// FTP trains with its recommended optimizer, not the suite's [defaults].
		"ftp": {"lr 0.02 gamma 0.05 epochs 4", "lr 0.02 gamma 0.1 epochs 4", "lr 0.02 gamma 0.2 epochs 4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-rule axes (-want +got):\n%s", diff)
	}
	for _, sp := range specs {
		want := spec.Sources{"epochs": spec.FromSuite, "batch_size": spec.FromSuite, "validation": spec.FromBuiltin,
			"train_limit": spec.FromBuiltin, "test_limit": spec.FromBuiltin, "profile": spec.FromBuiltin,
			"select": spec.FromBuiltin, "optimizer.name": spec.FromSuite, "optimizer.lr": spec.FromSweep,
			"optimizer.momentum": spec.FromSuite}
		if sp.Method == "ftp" {
			want["epochs"], want["optimizer.lr"], want["optimizer.name"], want["optimizer.momentum"] =
				spec.FromSweep, spec.FromRule, spec.FromRule, spec.FromRule
			for _, p := range []string{"gamma", "g_scale", "g_dist", "sigma_g", "layer_input", "output"} {
				want["params."+p] = spec.FromRule
			}
			want["params.gamma"] = spec.FromSweep
		}
		if diff := cmp.Diff(want, sp.Sources); diff != "" {
			t.Errorf("%s: sources (-want +got):\n%s", sp.Method, diff)
		}
	}
	// An experiment's optimizer, and --set, override the recommendation.
	own := strings.Replace(src, "batch_size = 32\n", "batch_size = 32\noptimizer = { lr = 0.07 }\n", 1)
	s, _ = Parse("t.toml", []byte(own), []string{"seeds=[1]"})
	if specs := s.Runs; specs[3].Method != "ftp" || specs[3].Optimizer.LR != 0.07 || specs[3].Sources["optimizer.lr"] != spec.FromSuite {
		t.Errorf("an experiment's optimizer: ftp lr %v from %s, want 0.07 from the suite", specs[3].Optimizer.LR, specs[3].Sources["optimizer.lr"])
	}
	s, _ = Parse("t.toml", []byte(src), []string{"seeds=[1]", "optimizer.lr=0.3"})
	if specs := s.Runs; len(specs) != 4 || specs[0].Optimizer.LR != 0.3 || specs[3].Optimizer.LR != 0.3 ||
		specs[3].Sources["optimizer.lr"] != spec.FromCommandLine || specs[3].Sources["optimizer.momentum"] != spec.FromRule {
		t.Errorf("--set optimizer.lr left %d runs (want 1 bp + 3 ftp), lr %v and %v", len(specs), specs[0].Optimizer.LR, specs[3].Optimizer.LR)
	}
}

func TestSetMethodsDropsOtherRulesSettings(t *testing.T) {
	src := strings.Replace(sweepSuite, `methods = ["bp"]`, `methods = ["bp", "ftp"]`, 1) + "\"ftp.gamma\" = [0.1, 0.2]\n[experiment.params.ftp]\noutput = \"target\"\n"
	s, err := Parse("t.toml", []byte(src), []string{`methods=["bp"]`})
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	for _, sp := range specs {
		if sp.Method != "bp" {
			t.Errorf("a %s run is left", sp.Method)
		}
	}
}

func TestDeclaredProfiles(t *testing.T) {
	src := "[profiles.noisy]\nread_noise = 0.05\nweights = \"int4\"\n" + strings.Replace(sweepSuite, "epochs = 3\n", "epochs = 3\nprofile = \"noisy\"\n", 1)
	s, err := Parse("t.toml", []byte(src), []string{"seeds=[1]"})
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	sp := specs[0]
	if sp.Profile != "noisy" || sp.ProfileDef == nil || sp.ProfileDef.ReadNoise != 0.05 || sp.ProfileDef.Weights != "int4" {
		t.Fatalf("spec profile %q %+v", sp.Profile, sp.ProfileDef)
	}
	other, _ := Parse("t.toml", []byte(strings.Replace(src, "0.05", "0.06", 1)), []string{"seeds=[1]"})
	specs2 := other.Runs
	if specs2[0].Key() == sp.Key() {
		t.Error("changing a profile's content kept the run key")
	}
	plain, _ := Parse("t.toml", []byte(sweepSuite), []string{"seeds=[1]"})
	if ps := plain.Runs; ps[0].ProfileDef != nil {
		t.Error("fp32 runs carry a profile definition")
	}
}

func TestOverrides(t *testing.T) {
	s, err := Parse("t.toml", []byte(sweepSuite), []string{"epochs=5", "seeds=[7]", "optimizer.lr=0.2", "train_limit=100"})
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	if len(specs) != 1 {
		t.Fatalf("%d specs, want 1: overridden axes no longer sweep", len(specs))
	}
	sp := specs[0]
	if sp.Epochs != 5 || sp.Seed != 7 || sp.Optimizer.LR != 0.2 || sp.TrainLimit != 100 {
		t.Errorf("spec %+v does not show the overrides", sp)
	}
}

// TestQuick checks that --quick applies the suite's own quick settings
// (here: one experiment of two, fewer epochs) before any --set, and that an
// error in an experiment kept still points at its own line.
func TestQuick(t *testing.T) {
	src := strings.Replace(sweepSuite, "seeds = [1, 2]\n", "seeds = [1, 2]\nquick = [\"experiments=[\\\"b\\\"]\", \"epochs=1\"]\n", 1) +
		"\n[[experiment]]\nname = \"b\"\ndataset = \"mnist\"\nmodel = { kind = \"mlp\", hidden = [4] }\nmethods = [\"bp\"]\n"
	s, err := Parse("t.toml", []byte(src), []string{"quick=true", "seeds=[3]"})
	if err != nil {
		t.Fatal(err)
	}
	specs := s.Runs
	if len(specs) != 1 || specs[0].Experiment != "b" || specs[0].Epochs != 1 || specs[0].Seed != 3 {
		t.Fatalf("quick specs %+v, want experiment b only, 1 epoch, seed 3", specs)
	}
	if s, _ := Parse("t.toml", []byte(src), nil); len(s.Head.Quick) != 2 {
		t.Errorf("suite.quick = %q, want its two settings", s.Head.Quick)
	}
	bad := strings.Replace(src, "hidden = [4]", "hidden = [0]", 1)
	_, err = Parse("t.toml", []byte(bad), []string{"quick=true"})
	if want := "t.toml:23:1: experiment[0].model.hidden[0]: width 0 is not positive"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

func TestBuiltinSuitesParse(t *testing.T) {
	for _, name := range Builtins() {
		s, err := Load(name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		specs := s.Runs
		if len(specs) == 0 {
			t.Fatalf("%s: no runs", name)
		}
		if s.Head.Quick == nil {
			continue
		}
		if s, err = Load(name, []string{"quick=true"}); err != nil {
			t.Fatalf("%s --quick: %v", name, err)
		}
		// The quick path trains fewer samples in all: runs × epochs × images.
		work := func(specs []spec.Run) (n int) {
			for _, sp := range specs {
				images := sp.TrainLimit
				if images == 0 {
					images = 60000
				}
				n += sp.Epochs * images
			}
			return n
		}
		if quick := s.Runs; len(quick) == 0 || work(quick) >= work(specs) {
			t.Errorf("%s --quick: %d runs, %d sample-epochs, of %d and %d", name, len(quick), work(quick), len(specs), work(specs))
		}
	}
}

// TestErrors pins the message of each kind of bad suite: where, what, and
// what would be accepted.
func TestErrors(t *testing.T) {
	head := "[suite]\nname = \"t\"\n\n[[experiment]]\nname = \"fc\"\ndataset = \"mnist\"\nmodel = { kind = \"mlp\", hidden = [8] }\nmethods = [\"bp\"]\n"
	for _, tc := range []struct {
		name, src string
		sets      []string
		want      string
	}{
		{"syntax", "[suite\nname = 1", nil, "t.toml:2:7: "},
		{"unknown top key", head + "[defualts]\nepochs = 1\n", nil,
			`t.toml:9:1: defualts: unknown key (did you mean "defaults"?) (accepted: suite, profiles, devices, defaults, experiment)`},
		{"unknown setting", head + "epoch = 3\n", nil,
			`t.toml:9:1: experiment[0].epoch: unknown key (did you mean "epochs"?)`},
		{"wrong type", head + "epochs = \"ten\"\n", nil,
			`t.toml:9:1: experiment[0].epochs: is a string, want an integer`},
		{"negative", head + "batch_size = 0\n", nil, `t.toml:9:1: experiment[0].batch_size: 0 is below 1`},
		{"unknown method", strings.Replace(head, `["bp"]`, `["bpp"]`, 1), nil,
			`t.toml:8:1: experiment[0].methods: unknown rule "bpp" (did you mean "bp"?)`},
		{"unknown dataset", strings.Replace(head, `"mnist"`, `"mnsit"`, 1), nil,
			`t.toml:6:1: experiment[0].dataset: unknown dataset "mnsit" (did you mean "mnist"?)`},
		{"bad model", strings.Replace(head, "[8]", "[8, -1]", 1), nil,
			`t.toml:7:1: experiment[0].model.hidden[1]: width -1 is not positive`},
		{"local maps", strings.Replace(head, "hidden = [8]", "hidden = [1000], local = 7", 1), nil,
			`t.toml:7:1: experiment[0].model.hidden[0]: 1000 units do not make whole maps of the input's 28×28 positions (accepted: multiples of 784) (mnist)`},
		{"even field", strings.Replace(head, "hidden = [8]", "hidden = [784], local = 6", 1), nil,
			`t.toml:7:41: experiment[0].model.local: a receptive field of 6 (accepted: an odd width ≥ 1, for kind "mlp")`},
		{"no model kind", strings.Replace(head, `kind = "mlp", `, "", 1), nil,
			`experiment[0].model.kind: missing (accepted: mlp, cnn, rnn, lstm)`},
		{"zero kernel", strings.Replace(head, `kind = "mlp", hidden = [8]`, `kind = "cnn", conv = [4], kernel = 0`, 1), nil,
			`t.toml:7:37: experiment[0].model.kernel: 0 is not a size (accepted: a positive size, or leave it out for the default)`},
		{"kernel too large", strings.Replace(head, `kind = "mlp", hidden = [8]`, `kind = "cnn", conv = [4], kernel = 40`, 1), nil,
			`experiment[0].model.kernel: 40×40 does not fit the 28×28 maps that convolution 1 reads, padded by 0 (accepted: at most 28) (mnist)`},
		{"pool too large", strings.Replace(head, `kind = "mlp", hidden = [8]`, `kind = "cnn", conv = [4, 4, 4, 4, 4], kernel = 3, padding = 1`, 1), nil,
			`experiment[0].model.pool: 2×2 does not fit the 1×1 maps of convolution 5 (accepted: at most 1) (mnist)`},
		{"cnn on a sequence", strings.Replace(strings.Replace(head, `kind = "mlp", hidden = [8]`, `kind = "cnn", conv = [4]`, 1), `"mnist"`, `"adding"`, 1), nil,
			`experiment[0].model.kind: a cnn needs C×H×W images, not samples shaped`},
		{"unknown model key", strings.Replace(head, "hidden", "hiden", 1), nil,
			`t.toml:7:25: experiment[0].model.hiden: unknown key (did you mean "hidden"?)`},
		{"unknown profile", head + "profile = \"int9\"\n", nil, `experiment[0].profile: unknown profile "int9" (did you mean "int2"?)`},
		{"bad profile format", "[profiles.q]\nweights = \"int9\"\n" + head, nil,
			`t.toml:2:1: profiles.q.weights: unknown number format "int9"`},
		{"bad profile key", "[profiles.q]\nwrite_nosie = 0.1\n" + head, nil,
			`t.toml:2:1: profiles.q.write_nosie: unknown key (did you mean "write_noise"?)`},
		{"bad optimizer", head + "optimizer = { name = \"sgd\", lr = -1 }\n", nil,
			`t.toml:9:1: experiment[0].optimizer: .lr: -1 is not > 0`},
		{"bad schedule", head + "optimizer = { name = \"sgd\", lr = 0.1, schedule = \"cosine\" }\n", nil,
			`t.toml:9:1: experiment[0].optimizer: .schedule: unknown schedule "cosine" (accepted: linear_cooldown, or none)`},
		{"unknown param", head + "[experiment.params.bp]\ngamma = 1\n", nil,
			`t.toml:10:1: experiment[0].params.bp.gamma: unknown parameter: bp has no parameters`},
		{"param out of range", strings.Replace(head, `["bp"]`, `["ftp"]`, 1) + "[experiment.params.ftp]\ngamma = -5.0\n", nil,
			`t.toml:10:1: experiment[0].params.ftp.gamma: -5 is out of range (accepted: > 0)`},
		{"swept param out of range", strings.Replace(head, `["bp"]`, `["pepita"]`, 1) + "[experiment.sweep]\n\"pepita.keep_prob\" = [0.5, 1.5]\n", nil,
			`t.toml:10:1: experiment[0].sweep.pepita.keep_prob: 1.5 is out of range (accepted: in (0, 1])`},
		{"misspelt table", strings.Replace(head, "[suite]", "[suit]", 1), nil,
			`t.toml:1:1: suit: unknown key (did you mean "suite"?)`},
		{"no seeds", strings.Replace(head, "name = \"t\"\n", "name = \"t\"\nseeds = []\n", 1), nil,
			`suite.seeds: is empty: give at least one seed`},
		{"no seeds by --set", head, []string{"seeds=[]"}, `--set seeds=[]: suite.seeds: is empty`},
		{"seed twice", strings.Replace(head, "name = \"t\"\n", "name = \"t\"\nseeds = [1, 1]\n", 1), nil,
			`suite.seeds: seed 1 is given twice`},
		{"built-in profile redefined", "[profiles.fp32]\nweights = \"int8\"\n" + head, nil,
			`t.toml:1:1: profiles.fp32: "fp32" is a built-in profile, which a suite cannot redefine`},
		{"params for other rule", head + "[experiment.params.ftp]\ngamma = 1\n", nil,
			`experiment[0].params.ftp: parameters for rule "ftp", which this experiment does not run`},
		{"bad sweep axis", head + "[experiment.sweep]\n\"optimiser.lr\" = [1]\n", nil,
			`t.toml:10:1: experiment[0].sweep.optimiser.lr: unknown sweep axis (did you mean "optimizer.lr"?)`},
		{"empty sweep axis", head + "[experiment.sweep]\nepochs = []\n", nil, `is empty`},
		{"bad --set", head, []string{"epochs=x"}, `--set epochs=x: VALUE is not a TOML value`},
		{"bad --set key", head, []string{"epoch=1"}, `--set epoch=1: unknown key (did you mean "epochs"?)`},
		{"bad --set value", head, []string{"epochs=0"}, `--set epochs=0: defaults.epochs: 0 is below 1`},
		{"huge sweep", head + "[experiment.sweep]\nepochs = [" + strings.Repeat("1,", 400) + "1]\nbatch_size = [" + strings.Repeat("1,", 400) + "1]\n", nil,
			"the suite expands to over 100000 runs"},
		{"validation too large", head + "validation = 60000\n", nil,
			`experiment[0].validation: 60000 leaves no training sample: mnist has 60000 (accepted: 0 to 59999)`},
		{"bad preprocess", head + "preprocess = \"normalize\"\n", nil,
			`t.toml:9:1: experiment[0].preprocess: preprocess "normalize": unknown (accepted: "standardize"`},
		{"preprocess without pixels", strings.Replace(head, `"mnist"`, `"adding"`, 1), []string{`preprocess="unit"`},
			`experiment[0].preprocess: "unit": adding has no pixels to rescale (only image datasets do: `},
		{"preprocess channels", head + "preprocess = \"mean_std 0.5,0.5,0.5 0.2,0.2,0.2\"\n", nil,
			`gives 3 means and standard deviations, mnist has 1 channels`},
		{"no experiment", "[suite]\nname = \"t\"\n", nil, `experiment: missing`},
		{"no quick settings", head, []string{"quick=true"}, `t.toml: --quick: the suite declares no quick settings`},
		{"bad quick setting", strings.Replace(head, "name = \"t\"\n", "name = \"t\"\nquick = [\"epoch=1\"]\n", 1), []string{"quick=true"},
			`t.toml: suite.quick[0]: --set epoch=1: unknown key (did you mean "epochs"?)`},
		{"unknown experiment", head, []string{`experiments=["fx"]`}, `--set experiments=["fx"]: no experiment "fx" (did you mean "fc"?) (accepted: fc)`},
		{"duplicate experiment", head + head[strings.Index(head, "[[experiment]]"):], nil,
			`t.toml:10:1: experiment[1].name: "fc" is used by an earlier experiment`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.toml", []byte(tc.src), tc.sets)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error\n  %v\nwant it to contain\n  %s", err, tc.want)
			}
		})
	}
}

func TestUnknownBuiltin(t *testing.T) {
	_, err := Load("smok", nil)
	if err == nil || !strings.Contains(err.Error(), `did you mean "smoke"?`) {
		t.Fatalf("error %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sweepSuite))
	for _, name := range Builtins() {
		b, _ := Source(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := Parse("f.toml", src, nil)
		if err != nil {
			return
		}
		if len(s.Runs) == 0 {
			t.Fatal("a suite that parsed has no runs")
		}
	})
}

// TestPreprocessKeys: naming the default preprocessing keeps a run's key,
// so that runs named before the setting existed keep theirs; another one
// makes a new run that says what it does.
func TestPreprocessKeys(t *testing.T) {
	src := []byte("[suite]\nname = \"t\"\n[[experiment]]\nname = \"fc\"\ndataset = \"mnist\"\nmodel = { kind = \"mlp\", hidden = [8] }\nmethods = [\"bp\"]\n")
	key := func(sets ...string) (string, string) {
		s, err := Parse("t.toml", src, sets)
		if err != nil {
			t.Fatal(err)
		}
		return s.Runs[0].Key(), s.Runs[0].Preprocess
	}
	plain, _ := key()
	if std, p := key(`preprocess="standardize"`); std != plain || p != "" {
		t.Errorf("standardize named: key %s (%q), want %s", std, p, plain)
	}
	if unit, p := key(`preprocess="unit"`); unit == plain || p != "unit" {
		t.Errorf("unit: key %s (%q), want a new key that says unit", unit, p)
	}
}
