package datasets

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
)

// Archive is a .tar.gz that holds a dataset's files, checked by the checksum
// its publisher gives (MD5 for the CIFAR archives).
type Archive struct {
	URLs []string // full addresses, tried in order
	MD5  string   // hex MD5 of the whole archive
	// Prefix is the folder of the members inside the archive.
	Prefix string
}

// fetch downloads the archive into dir (resumably), checks it, and extracts
// the members named by files, each atomically; the archive is then removed.
func (a *Archive) fetch(ctx context.Context, dir string, files []File, log io.Writer) error {
	arch := filepath.Join(dir, path.Base(a.URLs[0]))
	if _, err := os.Stat(arch); err != nil {
		var errs []error
		for _, url := range a.URLs {
			if log != nil {
				fmt.Fprintf(log, "downloading %s\n", url)
			}
			if err := Download(ctx, url, arch, a.check); err != nil {
				errs = append(errs, err)
				continue
			}
			errs = nil
			break
		}
		if errs != nil {
			return errors.Join(errs...)
		}
	}
	if err := a.extract(arch, dir, files); err != nil {
		return err
	}
	return os.Remove(arch)
}

// check compares the MD5 of the file at p with the published one.
func (a *Archive) check(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("datasets: %s: %v", p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != a.MD5 {
		return fmt.Errorf("datasets: %s: checksum mismatch: MD5 is %s, the published one %s", p, got, a.MD5)
	}
	return nil
}

// extract writes the wanted members of the archive at p into dir.
func (a *Archive) extract(p, dir string, files []File) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("datasets: %s: %v", p, err)
	}
	want := map[string]File{}
	for _, fl := range files {
		want[path.Join(a.Prefix, fl.Name)] = fl
	}
	tr := tar.NewReader(zr)
	for len(want) > 0 {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("datasets: %s: %v", p, err)
		}
		fl, ok := want[path.Clean(h.Name)]
		if !ok {
			continue
		}
		delete(want, path.Clean(h.Name))
		dst := filepath.Join(dir, fl.Name)
		out, err := os.Create(dst + ".part")
		if err != nil {
			return fmt.Errorf("datasets: %v", err)
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			_, err = ReadVerified(dst+".part", fl)
		}
		if err != nil {
			os.Remove(dst + ".part")
			return fmt.Errorf("datasets: extracting %s: %v", h.Name, err)
		}
		if err := os.Rename(dst+".part", dst); err != nil {
			return fmt.Errorf("datasets: %v", err)
		}
	}
	for name := range want {
		return fmt.Errorf("datasets: %s has no member %s", p, name)
	}
	return nil
}
