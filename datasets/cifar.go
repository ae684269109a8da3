package datasets

import "fmt"

// The CIFAR archives from their official address, with the MD5 sums their
// page publishes. Their members are checked by size after the archive's
// checksum.
const cifarBase = "https://www.cs.toronto.edu/~kriz/"

func init() {
	var c10 []File
	for i := 1; i <= 5; i++ {
		c10 = append(c10, File{Name: fmt.Sprintf("data_batch_%d.bin", i), Size: 10000 * 3073})
	}
	c10 = append(c10, File{Name: "test_batch.bin", Size: 10000 * 3073})
	register(&Info{
		Name:        "cifar10",
		Description: "CIFAR-10 (canonical binary version), 50,000 train / 10,000 test, 32×32 colour, 10 classes",
		Classes:     10, Shape: []int{3, 32, 32}, TrainSize: 50000,
		Source: &Source{Name: "cifar10", Files: c10,
			Archive: &Archive{URLs: []string{cifarBase + "cifar-10-binary.tar.gz"},
				MD5: "c32a1d4ab5d03f1284b67883e8d87530", Prefix: "cifar-10-batches-bin"}},
		decode: decodeCIFAR("cifar10", 10, 1, 0, 5),
	})
	c100 := []File{{Name: "train.bin", Size: 50000 * 3074}, {Name: "test.bin", Size: 10000 * 3074}}
	for _, v := range []struct {
		name, what string
		classes    int
		label      int
	}{{"cifar100", "fine labels, 100 classes", 100, 1}, {"cifar100-coarse", "coarse labels, 20 superclasses", 20, 0}} {
		register(&Info{
			Name:        v.name,
			Description: "CIFAR-100 (canonical binary version), 50,000 train / 10,000 test, 32×32 colour, " + v.what,
			Classes:     v.classes, Shape: []int{3, 32, 32}, TrainSize: 50000,
			Source: &Source{Name: "cifar100", Files: c100,
				Archive: &Archive{URLs: []string{cifarBase + "cifar-100-binary.tar.gz"},
					MD5: "03b5dce01913d631647c71ecec9e9cb8", Prefix: "cifar-100-binary"}},
			decode: decodeCIFAR(v.name, v.classes, 2, v.label, 1),
		})
	}
}

// decodeCIFAR decodes CIFAR binary files: records of labelBytes label bytes
// (the label used is byte labelAt) and 3,072 pixel bytes, red plane, green
// plane, blue plane, 32×32 each. The first trainFiles contents are the
// training part, the rest the test part.
func decodeCIFAR(name string, classes, labelBytes, labelAt, trainFiles int) func([][]byte) (*Dataset, error) {
	const pixels = 3 * 32 * 32
	rec := labelBytes + pixels
	return func(contents [][]byte) (*Dataset, error) {
		var parts [2]struct {
			x []byte
			y []int
		}
		for i, c := range contents {
			if len(c)%rec != 0 {
				return nil, fmt.Errorf("file %d: %d bytes is not a whole number of %d-byte records", i+1, len(c), rec)
			}
			p := &parts[min(i/trainFiles, 1)]
			for off := 0; off < len(c); off += rec {
				y := int(c[off+labelAt])
				if y >= classes {
					return nil, fmt.Errorf("file %d, record %d: label %d is outside [0, %d)", i+1, off/rec, y, classes)
				}
				p.y = append(p.y, y)
				p.x = append(p.x, c[off+labelBytes:off+rec]...)
			}
		}
		shape := []int{3, 32, 32}
		xtr, xte := normalise(parts[0].x, parts[1].x, shape)
		return &Dataset{Name: name, Classes: classes, Shape: shape,
			Train:  &Part{X: xtr, Y: parts[0].y, Dim: pixels},
			Test:   &Part{X: xte, Y: parts[1].y, Dim: pixels},
			images: &imageBytes{parts[0].x, parts[1].x, shape}}, nil
	}
}
