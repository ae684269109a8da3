package datasets

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnsureDownloadsAndVerifies serves a small dataset in the real IDX.gz
// format from a local server and checks that Ensure downloads it into
// $CREDITBENCH_DATA, that a second call finds it without the network, and
// that a corrupt download leaves no file behind.
func TestEnsureDownloadsAndVerifies(t *testing.T) {
	img := gz(idxBytes([]uint32{2, 2, 2}, []byte{0, 255, 128, 1, 2, 3, 4, 5}))
	lab := gz(idxBytes([]uint32{2}, []byte{1, 0}))
	served := map[string][]byte{"/d/img.gz": img, "/d/lab.gz": lab}
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		b, ok := served[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()

	root := t.TempDir()
	t.Setenv(EnvVar, root)
	content := func(b []byte) string { c, _ := gunzipIfNeeded(b); return sum(c) }
	src := &Source{Name: "toy", URLs: []string{srv.URL + "/missing/", srv.URL + "/d/"},
		Files: []File{{Name: "img.gz", SHA256: content(img)}, {Name: "lab.gz", SHA256: content(lab)}}}

	loc, err := src.Ensure(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if loc.Dir != filepath.Join(root, "toy") {
		t.Fatalf("downloaded to %s", loc.Dir)
	}
	for _, f := range src.Files {
		if _, err := ReadVerified(filepath.Join(loc.Dir, f.Name), f); err != nil {
			t.Fatal(err)
		}
	}
	before := hits
	if _, err := src.Ensure(context.Background(), nil); err != nil || hits != before {
		t.Fatalf("second Ensure: err %v, %d new requests", err, hits-before)
	}

	// A server that serves the wrong bytes: the checksum fails, nothing is kept.
	bad := &Source{Name: "bad", URLs: []string{srv.URL + "/d/"},
		Files: []File{{Name: "img.gz", SHA256: content(lab)}}}
	_, err = bad.Ensure(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("error %v, want a checksum mismatch", err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, "bad"))
	if len(entries) != 0 {
		t.Fatalf("a failed download left %v", entries)
	}
}
