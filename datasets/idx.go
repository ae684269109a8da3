package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
)

// IDX is an array read from an IDX file, the format of MNIST and
// Fashion-MNIST: a 4-byte magic (0, 0, type 0x08 for unsigned bytes, number of
// dimensions), one big-endian uint32 per dimension, then the data.
type IDX struct {
	Dims []int
	Data []byte
}

// maxIDXBytes bounds the size a header may claim, so that a corrupt header
// cannot make the reader allocate without limit.
const maxIDXBytes = 1 << 32

// ReadIDX reads an IDX file, gunzipping it first when it starts with the gzip
// magic. Only unsigned-byte data (type 0x08) is accepted.
func ReadIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("idx: bad gzip header: %v", err)
		}
		defer zr.Close()
		br = bufio.NewReader(zr)
	}
	var magic [4]byte
	if n, err := io.ReadFull(br, magic[:]); err != nil {
		return nil, fmt.Errorf("idx: truncated: %d of 4 magic bytes", n)
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("idx: wrong magic % x: an IDX file starts with 00 00", magic)
	}
	if magic[2] != 0x08 {
		return nil, fmt.Errorf("idx: data type 0x%02x is not supported (accepted: 0x08, unsigned byte)", magic[2])
	}
	nd := int(magic[3])
	if nd == 0 || nd > 4 {
		return nil, fmt.Errorf("idx: %d dimensions (accepted: 1 to 4)", nd)
	}
	dims := make([]int, nd)
	size := int64(1)
	for i := range dims {
		var d uint32
		if err := binary.Read(br, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("idx: truncated header: dimension %d of %d missing", i+1, nd)
		}
		dims[i] = int(d)
		if d != 0 && size > maxIDXBytes/int64(d) {
			return nil, fmt.Errorf("idx: header claims dimensions %v, over %d bytes", dims[:i+1], int64(maxIDXBytes))
		}
		size *= int64(d)
		if size > maxIDXBytes {
			return nil, fmt.Errorf("idx: header claims dimensions %v, over %d bytes", dims[:i+1], int64(maxIDXBytes))
		}
	}
	// Read what is there rather than allocate what the header claims, so a
	// corrupt header costs no more memory than the file.
	data, err := io.ReadAll(io.LimitReader(br, size))
	if int64(len(data)) < size || err != nil { // a cut gzip stream ends in an error
		return nil, fmt.Errorf("idx: truncated: header %v needs %d data bytes, file has %d", dims, size, len(data))
	}
	switch _, err := br.ReadByte(); err {
	case io.EOF:
		return &IDX{Dims: dims, Data: data}, nil
	case nil:
		return nil, fmt.Errorf("idx: trailing bytes after the %d data bytes of %v", size, dims)
	default:
		return nil, fmt.Errorf("idx: %v", err) // a gzip checksum or length error
	}
}

func readIDXBytes(b []byte) (*IDX, error) { return ReadIDX(bytes.NewReader(b)) }
