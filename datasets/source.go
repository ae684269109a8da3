package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// File is one file of a dataset.
type File struct {
	Name string // file name, such as "train-images-idx3-ubyte.gz"
	// SHA256 is the hex SHA-256 of the file's content after gunzip (of the
	// file itself when it is not gzipped). Empty for the members of an
	// archive whose own checksum is the published one: Size is checked then.
	SHA256 string
	Size   int64
}

// Source says where a dataset's files are: besides $CREDITBENCH_DATA/Name and
// the cache, the local mirrors in order, then the download addresses.
type Source struct {
	Name  string // folder name under $CREDITBENCH_DATA and the cache
	Files []File
	// Mirrors return local folders that may hold the files; an empty string
	// means the mirror is absent on this machine.
	Mirrors []Mirror
	// URLs are base addresses, tried in order; a file's address is the base
	// followed by its name.
	URLs []string
	// Archive, when set, is where the files come from instead: one archive
	// whose members are the files.
	Archive *Archive
}

// Mirror is a named local folder finder.
type Mirror struct {
	Name string
	Dir  func() string
}

// EnvVar names the environment variable of the data folder.
const EnvVar = "CREDITBENCH_DATA"

// CacheDir returns the folder where downloads are kept.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("datasets: no cache folder (set $%s): %v", EnvVar, err)
	}
	return filepath.Join(d, "creditbench"), nil
}

// Location is a folder that may hold a dataset's files.
type Location struct {
	Kind string // env, cache, or a mirror's name
	Dir  string
}

// Locations lists where s's files are looked for, in order.
func (s *Source) Locations() []Location {
	var locs []Location
	if d := os.Getenv(EnvVar); d != "" {
		locs = append(locs, Location{"$" + EnvVar, filepath.Join(d, s.Name)})
	}
	if d, err := CacheDir(); err == nil {
		locs = append(locs, Location{"cache", filepath.Join(d, s.Name)})
	}
	for _, m := range s.Mirrors {
		if d := m.Dir(); d != "" {
			locs = append(locs, Location{m.Name, d})
		}
	}
	return locs
}

// Find returns the first location that holds every file of s, or ok false.
func (s *Source) Find() (loc Location, ok bool) {
	for _, l := range s.Locations() {
		all := true
		for _, f := range s.Files {
			if _, err := os.Stat(filepath.Join(l.Dir, f.Name)); err != nil {
				all = false
				break
			}
		}
		if all {
			return l, true
		}
	}
	return Location{}, false
}

// Ensure returns a location holding every file of s, downloading the files
// into the cache (or $CREDITBENCH_DATA when set) when no location has them.
func (s *Source) Ensure(ctx context.Context, log io.Writer) (Location, error) {
	if l, ok := s.Find(); ok {
		return l, nil
	}
	if len(s.URLs) == 0 && s.Archive == nil {
		return Location{}, fmt.Errorf("datasets: %s: no local copy in %s, and no download address", s.Name, describe(s.Locations()))
	}
	dest := Location{Kind: "cache"}
	if d := os.Getenv(EnvVar); d != "" {
		dest = Location{"$" + EnvVar, filepath.Join(d, s.Name)}
	} else {
		d, err := CacheDir()
		if err != nil {
			return Location{}, err
		}
		dest.Dir = filepath.Join(d, s.Name)
	}
	if err := os.MkdirAll(dest.Dir, 0o755); err != nil {
		return Location{}, fmt.Errorf("datasets: %s: %v", s.Name, err)
	}
	if s.Archive != nil {
		if err := s.Archive.fetch(ctx, dest.Dir, s.Files, log); err != nil {
			return Location{}, fmt.Errorf("datasets: %s: no local copy in %s, and the archive failed: %w",
				s.Name, describe(s.Locations()), err)
		}
		return dest, nil
	}
	for _, f := range s.Files {
		path := filepath.Join(dest.Dir, f.Name)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		var errs []error
		for _, base := range s.URLs {
			if log != nil {
				fmt.Fprintf(log, "downloading %s%s\n", base, f.Name)
			}
			err := Download(ctx, base+f.Name, path, func(p string) error { _, err := ReadVerified(p, f); return err })
			if err == nil {
				errs = nil
				break
			}
			errs = append(errs, err)
		}
		if errs != nil {
			return Location{}, fmt.Errorf("datasets: %s: no local copy in %s, and every download failed: %w",
				s.Name, describe(s.Locations()), errors.Join(errs...))
		}
	}
	return dest, nil
}

func describe(locs []Location) string {
	var b bytes.Buffer
	for i, l := range locs {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", l.Dir, l.Kind)
	}
	return b.String()
}

// ReadVerified returns the content of the file at path, gunzipped when it is
// gzipped, after checking its SHA-256 (or, for an archive member, its size)
// against f.
func ReadVerified(path string, f File) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("datasets: %v", err)
	}
	content, err := gunzipIfNeeded(raw)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %v", path, err)
	}
	if f.SHA256 == "" {
		if int64(len(content)) != f.Size {
			return nil, fmt.Errorf("datasets: %s: %d bytes, want %d (the file is truncated or not the expected one; delete it to fetch it again)", path, len(content), f.Size)
		}
		return content, nil
	}
	if got := sum(content); got != f.SHA256 {
		return nil, fmt.Errorf("datasets: %s: checksum mismatch: content SHA-256 is %s, want %s (the file is corrupt or not the expected one; delete it to fetch it again)", path, got, f.SHA256)
	}
	return content, nil
}

func gunzipIfNeeded(raw []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("bad gzip data: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("bad gzip data: %v", err)
	}
	return out, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Download fetches url into path, atomically and resumably: the body goes to
// path+".part" (continuing a .part left by an interrupted download, where
// the server honours ranges), is checked by check, and only then renamed to
// path. A download that fails its check is deleted; one cut off is kept for
// the next try.
func Download(ctx context.Context, url, path string, check func(part string) error) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
	defer cancel()
	part := path + ".part"
	var have int64
	if st, err := os.Stat(part); err == nil {
		have = st.Size()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	defer resp.Body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		flags |= os.O_APPEND
	case resp.StatusCode == http.StatusOK:
		flags |= os.O_TRUNC
	default:
		return fmt.Errorf("datasets: GET %s: %s", url, resp.Status)
	}
	f, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("datasets: %v", err)
	}
	_, err = io.Copy(f, resp.Body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("datasets: GET %s: %v (rerun to resume)", url, err)
	}
	if err := check(part); err != nil {
		os.Remove(part)
		return fmt.Errorf("%v (downloaded from %s)", err, url)
	}
	return os.Rename(part, path)
}
