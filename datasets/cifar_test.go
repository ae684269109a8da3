package datasets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// cifarRecords returns n CIFAR-100-style records (coarse, fine, pixels) with
// recognisable values.
func cifarRecords(n, labelBytes int, label func(i, b int) byte) []byte {
	var b bytes.Buffer
	for i := range n {
		for k := range labelBytes {
			b.WriteByte(label(i, k))
		}
		for p := range 3072 {
			b.WriteByte(byte((i*7 + p) % 256))
		}
	}
	return b.Bytes()
}

func tarGz(files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"cifar-100-binary/", "cifar-100-binary/train.bin", "cifar-100-binary/test.bin"} {
		body, ok := files[name]
		if !ok {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Size: int64(len(body)), Mode: 0o644})
		tw.Write(body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// TestCIFAR100FromALocalServer serves a small archive in the real format
// (tar.gz of cifar-100-binary/{train,test}.bin) and checks the download, its
// MD5, a resumed download after a cut, the extraction, and both label sets.
func TestCIFAR100FromALocalServer(t *testing.T) {
	train := cifarRecords(6, 2, func(i, k int) byte { return byte([]int{i % 20, (i * 13) % 100}[k]) })
	test := cifarRecords(2, 2, func(i, k int) byte { return byte([]int{19, 99}[k]) })
	arch := tarGz(map[string][]byte{"cifar-100-binary/train.bin": train, "cifar-100-binary/test.bin": test})
	sum := md5.Sum(arch)
	var cut atomic.Bool
	cut.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cut.Swap(false) { // the first response breaks off half way
			w.Header().Set("Content-Length", fmt.Sprint(len(arch)))
			w.Write(arch[:len(arch)/2])
			return
		}
		http.ServeContent(w, r, "a.tar.gz", fixedTime, bytes.NewReader(arch)) // honours Range
	}))
	defer srv.Close()
	t.Setenv(EnvVar, t.TempDir())
	for _, v := range []struct {
		classes, label int
		first          int
	}{{100, 1, 0}, {20, 0, 0}} {
		info := &Info{Name: "c100test", Classes: v.classes, Shape: []int{3, 32, 32},
			Source: &Source{Name: "c100test", Files: []File{{Name: "train.bin", Size: 6 * 3074}, {Name: "test.bin", Size: 2 * 3074}},
				Archive: &Archive{URLs: []string{srv.URL + "/cifar-100-binary.tar.gz"}, MD5: hex.EncodeToString(sum[:]), Prefix: "cifar-100-binary"}},
			decode: decodeCIFAR("c100test", v.classes, 2, v.label, 1)}
		d, err := info.load(context.Background(), nil)
		if v.label == 1 && err == nil {
			t.Fatal("a download cut half way was accepted")
		}
		if err != nil {
			if !strings.Contains(err.Error(), "rerun to resume") {
				t.Fatalf("first try: %v", err)
			}
			if d, err = info.load(context.Background(), nil); err != nil {
				t.Fatalf("resumed download: %v", err)
			}
		}
		if d.Train.Len() != 6 || d.Test.Len() != 2 || d.Train.Dim != 3072 {
			t.Fatalf("sizes %d %d %d", d.Train.Len(), d.Test.Len(), d.Train.Dim)
		}
		wantY := []int{0, 13, 26, 39, 52, 65}
		if v.label == 0 {
			wantY = []int{0, 1, 2, 3, 4, 5}
		}
		for i, y := range wantY {
			if d.Train.Y[i] != y {
				t.Fatalf("%d classes: train labels %v, want %v", v.classes, d.Train.Y, wantY)
			}
		}
	}
}

func TestCIFARArchiveChecksum(t *testing.T) {
	arch := tarGz(map[string][]byte{"cifar-100-binary/train.bin": nil, "cifar-100-binary/test.bin": nil})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(arch) }))
	defer srv.Close()
	t.Setenv(EnvVar, t.TempDir())
	src := &Source{Name: "bad", Files: []File{{Name: "train.bin"}},
		Archive: &Archive{URLs: []string{srv.URL + "/x.tar.gz"}, MD5: "00000000000000000000000000000000", Prefix: "cifar-100-binary"}}
	_, err := src.Ensure(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch: MD5 is") {
		t.Fatalf("error %v, want an MD5 mismatch", err)
	}
}

func TestDecodeCIFARErrors(t *testing.T) {
	dec := decodeCIFAR("c10", 10, 1, 0, 1)
	if _, err := dec([][]byte{make([]byte, 3073*2+5), nil}); err == nil || !strings.Contains(err.Error(), "whole number") {
		t.Errorf("truncated file: %v", err)
	}
	bad := cifarRecords(1, 1, func(int, int) byte { return 12 })
	if _, err := dec([][]byte{bad, bad}); err == nil || !strings.Contains(err.Error(), "label 12 is outside [0, 10)") {
		t.Errorf("bad label: %v", err)
	}
}

func FuzzDecodeCIFAR(f *testing.F) {
	f.Add(cifarRecords(1, 2, func(int, int) byte { return 3 }))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeCIFAR("f", 100, 2, 1, 1)([][]byte{b, b})
		if err == nil && (d.Train.Len()*3072 != len(d.Train.X)) {
			t.Fatal("records and pixels disagree")
		}
	})
}

var fixedTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
