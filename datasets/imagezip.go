package datasets

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the formats an image folder may hold
	_ "image/png"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/creditbench/creditbench/internal/atomicfile"
)

// cifar10JPEGSum is the SHA-256 of cifar10-jpeg.zip.
const cifar10JPEGSum = "1f246f18ee1c4b008b72b11e5d912c2b6a325d41b34a6c0136bab1e640200198"

func init() {
	register(&Info{
		Name: "cifar10-jpeg",
		Description: "a CIFAR-10 stand-in: its 60,000 images re-encoded as JPEG (quality 75), 32×32 colour, 10 classes; " +
			"not the canonical pixels, never to be reported as CIFAR-10",
		Classes: 10, Shape: []int{3, 32, 32}, TrainSize: 50000,
		Source: &Source{Name: "cifar10-jpeg", Files: []File{{Name: "cifar10-jpeg.zip", SHA256: cifar10JPEGSum}},
			Mirrors: []Mirror{{"shared/datasets beside the checkout", sharedDatasets("cifar10-jpeg.zip")}}},
		decode: decodeImageZipCached("cifar10-jpeg", cifar10JPEGSum),
	})
}

// sharedDatasets finds a folder shared/datasets holding file beside the
// current folder or the executable, or beside one of their parents.
func sharedDatasets(file string) func() string {
	return func() string {
		var starts []string
		if wd, err := os.Getwd(); err == nil {
			starts = append(starts, wd)
		}
		if exe, err := os.Executable(); err == nil {
			starts = append(starts, filepath.Dir(exe))
		}
		for _, dir := range starts {
			for d := dir; ; d = filepath.Dir(d) {
				cand := filepath.Join(d, "shared", "datasets")
				if _, err := os.Stat(filepath.Join(cand, file)); err == nil {
					return cand
				}
				if filepath.Dir(d) == d {
					break
				}
			}
		}
		return ""
	}
}

// rawPart is a split as decoded: channels-first bytes and labels.
type rawPart struct {
	x []byte
	y []int
}

// readImageZip reads a zip laid out as SPLIT/CLASS/IMAGE, SPLIT being train
// and test: the classes are the sorted folder names of train, which test must
// share; every image must have the size of the first.
func readImageZip(b []byte) (train, test rawPart, classes []string, shape []int, err error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return train, test, nil, nil, fmt.Errorf("not a zip archive: %v", err)
	}
	type item struct{ split, class, name string }
	var items []item
	classSet := map[string]bool{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		parts := strings.Split(path.Clean(f.Name), "/")
		if len(parts) != 3 || (parts[0] != "train" && parts[0] != "test") {
			return train, test, nil, nil, fmt.Errorf("%s: want train/CLASS/IMAGE or test/CLASS/IMAGE", f.Name)
		}
		items = append(items, item{parts[0], parts[1], f.Name})
		if parts[0] == "train" {
			classSet[parts[1]] = true
		}
	}
	for c := range classSet {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	index := map[string]int{}
	for i, c := range classes {
		index[c] = i
	}
	// Zip order is the archive's; sort for a layout-independent order.
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	for _, it := range items {
		y, ok := index[it.class]
		if !ok {
			return train, test, nil, nil, fmt.Errorf("%s: class %q has no training images", it.name, it.class)
		}
		px, s, err := decodeImage(files[it.name])
		if err != nil {
			return train, test, nil, nil, fmt.Errorf("%s: %v", it.name, err)
		}
		if shape == nil {
			shape = s
		} else if s[1] != shape[1] || s[2] != shape[2] {
			return train, test, nil, nil, fmt.Errorf("%s: %dx%d, but the images before it are %dx%d", it.name, s[2], s[1], shape[2], shape[1])
		}
		p := &train
		if it.split == "test" {
			p = &test
		}
		p.x = append(p.x, px...)
		p.y = append(p.y, y)
	}
	if len(train.y) == 0 || len(test.y) == 0 {
		return train, test, nil, nil, errors.New("want images under both train/ and test/")
	}
	return train, test, classes, shape, nil
}

// maxImagePixels bounds the size an image header may claim.
const maxImagePixels = 1 << 22

// decodeImage returns an image's pixels as channels-first RGB bytes.
func decodeImage(f *zip.File) ([]byte, []int, error) {
	r, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	cfg, _, err := image.DecodeConfig(r)
	r.Close()
	if err != nil {
		return nil, nil, err
	}
	if cfg.Width*cfg.Height > maxImagePixels || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, nil, fmt.Errorf("%dx%d pixels (accepted: up to %d in all)", cfg.Width, cfg.Height, maxImagePixels)
	}
	if r, err = f.Open(); err != nil {
		return nil, nil, err
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, nil, err
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]byte, 3*w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			cr, cg, cb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			i := y*w + x
			out[i], out[w*h+i], out[2*w*h+i] = byte(cr>>8), byte(cg>>8), byte(cb>>8)
		}
	}
	return out, []int{3, h, w}, nil
}

// decodeImageZipCached decodes an image zip, keeping the decoded bytes in
// the cache (keyed by the zip's checksum) so that later loads skip the
// image decoding.
func decodeImageZipCached(name, sum string) func([][]byte) (*Dataset, error) {
	return func(contents [][]byte) (*Dataset, error) {
		var cachePath string
		if d, err := CacheDir(); err == nil {
			cachePath = filepath.Join(d, name, "decoded-"+sum[:16]+".bin")
		}
		train, test, classes, shape, err := readDecoded(cachePath)
		if err != nil {
			if train, test, classes, shape, err = readImageZip(contents[0]); err != nil {
				return nil, err
			}
			if cachePath != "" {
				writeDecoded(cachePath, train, test, classes, shape) // a cache that cannot be written only costs time
			}
		}
		xtr, xte := normalise(train.x, test.x, shape)
		dim := shape[0] * shape[1] * shape[2]
		return &Dataset{Name: name, Classes: len(classes), Shape: shape,
			Train: &Part{X: xtr, Y: train.y, Dim: dim}, Test: &Part{X: xte, Y: test.y, Dim: dim},
			images: &imageBytes{train.x, test.x, shape}}, nil
	}
}

// The decoded cache: a header of uint32s (channels, height, width, classes,
// train count, test count), the class names one per line, then per split
// the labels (one byte each) and the pixels.
func writeDecoded(path string, train, test rawPart, classes []string, shape []int) error {
	var b bytes.Buffer
	for _, v := range []int{shape[0], shape[1], shape[2], len(classes), len(train.y), len(test.y)} {
		binary.Write(&b, binary.LittleEndian, uint32(v))
	}
	b.WriteString(strings.Join(classes, "\n") + "\n")
	for _, p := range []rawPart{train, test} {
		for _, y := range p.y {
			b.WriteByte(byte(y))
		}
		b.Write(p.x)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes())
}

func readDecoded(path string) (train, test rawPart, classes []string, shape []int, err error) {
	if path == "" {
		return train, test, nil, nil, fs.ErrNotExist
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return train, test, nil, nil, err
	}
	var h [6]uint32
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, &h); err != nil {
		return train, test, nil, nil, err
	}
	b = b[24:]
	for range h[3] {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return train, test, nil, nil, errors.New("corrupt cache")
		}
		classes = append(classes, string(b[:i]))
		b = b[i+1:]
	}
	shape = []int{int(h[0]), int(h[1]), int(h[2])}
	dim := shape[0] * shape[1] * shape[2]
	for k, p := range []*rawPart{&train, &test} {
		n := int(h[4+k])
		if len(b) < n*(1+dim) {
			return train, test, nil, nil, errors.New("corrupt cache")
		}
		for _, y := range b[:n] {
			p.y = append(p.y, int(y))
		}
		p.x = b[n : n+n*dim]
		b = b[n+n*dim:]
	}
	if len(b) != 0 {
		return train, test, nil, nil, errors.New("corrupt cache")
	}
	return train, test, classes, shape, nil
}
