package suggest

import "testing"

func TestNearest(t *testing.T) {
	words := []string{"ftp", "bp", "dtp", "batch_size", "epochs"}
	for _, tc := range []struct{ in, want string }{
		{"ftpp", "ftp"},
		{"batchsize", "batch_size"},
		{"epoch", "epochs"},
		{"xylophone", ""},
	} {
		if got := Nearest(tc.in, words); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
