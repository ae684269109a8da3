package datasets

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func idxBytes(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		b.Write([]byte{byte(d >> 24), byte(d >> 16), byte(d >> 8), byte(d)})
	}
	b.Write(data)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestReadIDX(t *testing.T) {
	good := idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	for _, tc := range []struct {
		name    string
		in      []byte
		wantErr string // empty: must succeed
	}{
		{"plain", good, ""},
		{"gzipped", gz(good), ""},
		{"wrong magic", append([]byte{0x12, 0x34}, good[2:]...), "wrong magic"},
		{"float data", append([]byte{0, 0, 0x0d}, good[3:]...), "not supported"},
		{"truncated data", good[:len(good)-2], "truncated: header [2 3] needs 6 data bytes, file has 4"},
		{"truncated header", good[:6], "truncated header"},
		{"truncated gzip", gz(good)[:20], "truncated"},
		{"empty", nil, "truncated: 0 of 4 magic bytes"},
		{"trailing bytes", append(append([]byte{}, good...), 9), "trailing bytes"},
		{"huge header", idxBytes([]uint32{1 << 20, 1 << 20, 1 << 20}, nil), "over"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ReadIDX(bytes.NewReader(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(a.Dims) != 2 || a.Dims[1] != 3 || !bytes.Equal(a.Data, []byte{1, 2, 3, 4, 5, 6}) {
					t.Fatalf("got %v %v", a.Dims, a.Data)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes([]uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(gz(idxBytes([]uint32{1}, []byte{7})))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Dims {
			n *= d
		}
		if n != len(a.Data) {
			t.Fatalf("dims %v but %d data bytes", a.Dims, len(a.Data))
		}
	})
}
