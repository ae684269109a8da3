package datasets

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// imageZip builds a zip of 2×2 PNG images: name → the image's red value.
func imageZip(t *testing.T, files map[string]uint8) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, red := range files {
		img := image.NewRGBA(image.Rect(0, 0, 2, 2))
		for i := 0; i < 4; i++ {
			img.Set(i%2, i/2, color.RGBA{red, 10, 20, 255})
		}
		w, _ := zw.Create(name)
		png.Encode(w, img)
	}
	zw.Close()
	return buf.Bytes()
}

func TestReadImageZip(t *testing.T) {
	b := imageZip(t, map[string]uint8{"train/cat/1.png": 1, "train/dog/1.png": 2, "train/cat/2.png": 3, "test/dog/9.png": 4})
	train, test, classes, shape, err := readImageZip(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"cat", "dog"}, classes); diff != "" || !cmp.Equal(shape, []int{3, 2, 2}) {
		t.Fatalf("classes %v shape %v", classes, shape)
	}
	// Sorted by path: cat/1, cat/2, dog/1.
	if !cmp.Equal(train.y, []int{0, 0, 1}) || !cmp.Equal(test.y, []int{1}) {
		t.Fatalf("labels %v %v", train.y, test.y)
	}
	// Channels first: four red values, four green, four blue.
	if want := []byte{3, 3, 3, 3, 10, 10, 10, 10, 20, 20, 20, 20}; !cmp.Equal(train.x[12:24], want) {
		t.Fatalf("second image %v, want %v", train.x[12:24], want)
	}
	for name, files := range map[string]map[string]uint8{
		"want train/CLASS/IMAGE":             {"train/cat/x/1.png": 1, "test/cat/1.png": 1},
		`class "cow" has no training images`: {"train/cat/1.png": 1, "test/cow/1.png": 1},
		"want images under both":             {"train/cat/1.png": 1},
	} {
		if _, _, _, _, err := readImageZip(imageZip(t, files)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: error %v, want %q", files, err, name)
		}
	}
	if _, _, _, _, err := readImageZip([]byte("not a zip")); err == nil {
		t.Error("garbage accepted as a zip")
	}
}

// TestImageZipCache decodes a zip once, then loads from the cache (the zip
// is not read again) and gets the same dataset.
func TestImageZipCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	b := imageZip(t, map[string]uint8{"train/a/1.png": 1, "train/b/1.png": 2, "test/a/2.png": 3})
	dec := decodeImageZipCached("toy", strings.Repeat("ab", 32))
	first, err := dec([][]byte{b})
	if err != nil {
		t.Fatal(err)
	}
	second, err := dec([][]byte{[]byte("the cache must be used")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second, cmp.AllowUnexported(Dataset{}, imageBytes{})); diff != "" {
		t.Errorf("cached load differs (-decoded +cached):\n%s", diff)
	}
	d, _ := CacheDir()
	if m, _ := filepath.Glob(filepath.Join(d, "toy", "decoded-*.bin")); len(m) != 1 {
		t.Errorf("cache files %v", m)
	}
}

// TestCIFAR10JPEG loads the stand-in from shared/datasets when it is there.
func TestCIFAR10JPEG(t *testing.T) {
	d := loadOrSkip(t, "cifar10-jpeg")
	if d.Train.Len() != 50000 || d.Test.Len() != 10000 || d.Train.Dim != 3072 || d.Classes != 10 {
		t.Fatalf("train %d test %d dim %d classes %d", d.Train.Len(), d.Test.Len(), d.Train.Dim, d.Classes)
	}
	var counts [10]int
	for _, y := range d.Test.Y {
		counts[y]++
	}
	if counts != [10]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000} {
		t.Errorf("test classes %v", counts)
	}
}

// BenchmarkLoadCIFAR10JPEGCached measures a load once the decoded images
// are cached (the goal: under a second).
func BenchmarkLoadCIFAR10JPEGCached(b *testing.B) {
	info, _ := Lookup("cifar10-jpeg")
	if _, ok := info.Source.Find(); !ok {
		b.Skip("no cifar10-jpeg.zip here")
	}
	if _, err := info.load(context.Background(), nil); err != nil { // fills the cache
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := info.load(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzReadImageZip(f *testing.F) {
	var seed bytes.Buffer
	zw := zip.NewWriter(&seed)
	for _, name := range []string{"train/a/1.png", "test/a/1.png"} {
		w, _ := zw.Create(name)
		png.Encode(w, image.NewGray(image.Rect(0, 0, 1, 1)))
	}
	zw.Close()
	f.Add(seed.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		train, test, classes, shape, err := readImageZip(b)
		if err != nil {
			return
		}
		dim := shape[0] * shape[1] * shape[2]
		if len(train.x) != dim*len(train.y) || len(test.x) != dim*len(test.y) || len(classes) == 0 {
			t.Fatal("images and labels disagree")
		}
	})
}
