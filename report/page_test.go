package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creditbench/creditbench/results"
)

// pageEnv names a page for TestPageInBrowser to check as well, such as a
// reproduction's out/report/index.html; its screenshot is written beside it.
const pageEnv = "CREDITBENCH_PAGE"

// TestPageInBrowser opens the report page in a real headless browser
// (Debian's chromium), takes a screenshot, and fails on a broken image, an
// empty table or a console message. It checks a page drawn here from a
// small suite, and the page that CREDITBENCH_PAGE names.
func TestPageInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	var recs []*results.Record
	for seed := int64(1); seed <= 2; seed++ {
		for _, m := range []string{"bp", "ftp"} {
			r := rec(m, seed, 0, 0.9, 0.9+0.01*float64(seed), "ok")
			r.Epochs[0].AngleToBP = []results.Float{40, 0}
			r.Epochs[1].AngleToBP = []results.Float{35, 0}
			recs = append(recs, r)
		}
	}
	table := Build(recs)[0]
	page := Page{Tables: []*Table{table}, Figures: map[string][]string{}}
	for _, plot := range Plots {
		files, err := plot(table, dir, "png")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			page.Figures[table.Suite] = append(page.Figures[table.Suite], filepath.Base(f))
		}
	}
	if n := len(page.Figures[table.Suite]); n < 4 {
		t.Fatalf("%d figures drawn (%q), want curves, efficiency, cost and angles", n, page.Figures[table.Suite])
	}
	var b bytes.Buffer
	if err := WritePage(&b, page); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, "index.html")
	if err := os.WriteFile(index, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if problems := openPage(t, browser, index, filepath.Join(dir, "index.png")); problems != "" {
		t.Fatalf("the page: %s", problems)
	}

	// The check sees what a reader would: a figure gone is a broken image.
	os.Remove(filepath.Join(dir, page.Figures[table.Suite][0]))
	if problems := openPage(t, browser, index, ""); !strings.Contains(problems, "broken image: "+page.Figures[table.Suite][0]) {
		t.Errorf("a missing figure: the check says %q, want a broken image", problems)
	}

	if p := os.Getenv(pageEnv); p != "" {
		shot := strings.TrimSuffix(p, filepath.Ext(p)) + ".png"
		if problems := openPage(t, browser, p, shot); problems != "" {
			t.Errorf("%s: %s", p, problems)
		}
		t.Logf("%s: checked; screenshot %s", p, shot)
	}
}

// chromium finds Debian's headless browser, or skips the test.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (make test-deps installs it): the report page is not checked in a browser")
	return ""
}

var (
	checkAttr = regexp.MustCompile(`<body[^>]*data-check="([^"]*)"`)
	console   = regexp.MustCompile(`:CONSOLE[:(][^\n]*`)
)

// openPage loads page in browser and returns its problems: those the page's
// own check lists once loaded, and every console message (the page logs
// none). With shot, it also saves a screenshot there and checks that it
// shows something.
func openPage(t *testing.T, browser, page, shot string) string {
	t.Helper()
	abs, err := filepath.Abs(page)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + abs
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--user-data-dir=" + t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, browser, append(args, "--dump-dom", url)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --dump-dom: %v\n%s", browser, err, stderr.String())
	}
	var problems []string
	m := checkAttr.FindSubmatch(stdout.Bytes())
	switch {
	case m == nil:
		problems = append(problems, "the page's check did not run")
	case string(m[1]) != "ok":
		problems = append(problems, strings.ReplaceAll(string(m[1]), "\n", "; "))
	}
	for _, c := range console.FindAll(stderr.Bytes(), -1) {
		problems = append(problems, "console"+string(c[len(":CONSOLE"):]))
	}
	if shot != "" {
		cmd := exec.CommandContext(ctx, browser, append(args, "--window-size=1280,2400", "--screenshot="+shot, url)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s --screenshot: %v\n%s", browser, err, out)
		}
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("screenshot %s: %v", shot, err)
		}
		bounds, first, blank := img.Bounds(), img.At(0, 0), true
		for y := bounds.Min.Y; y < bounds.Max.Y && blank; y += 7 {
			for x := bounds.Min.X; x < bounds.Max.X && blank; x += 7 {
				blank = img.At(x, y) == first
			}
		}
		if blank {
			problems = append(problems, "the screenshot is blank")
		}
	}
	return strings.Join(problems, "; ")
}
