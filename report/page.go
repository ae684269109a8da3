package report

import (
	"fmt"
	"html"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/creditbench/creditbench/results"
)

// Page is the report's one page: every suite's tables and figures, the MAC
// sheet and the environments the runs ran in.
type Page struct {
	Tables []*Table
	// Figures are, by suite, the image files drawn for it, relative to the
	// page.
	Figures map[string][]string
}

// figureCaptions say what a figure of each kind shows, by the last part of
// its file name.
var figureCaptions = map[string]string{
	"curves":     "Learning curves: the test figure per epoch at each rule's selected point, the mean over seeds in a band of ± one standard deviation.",
	"angles":     "The angle between each layer's update and the BP gradient per epoch, a panel per layer.",
	"profiles":   "Test accuracy against the precision or noise profile, from the least to the most demanding.",
	"efficiency": "The efficiency frontier: the test figure against the whole training's MACs and against its training seconds, a point per rule and sweep point; the dashed line joins the points no cheaper one beats.",
	"cost":       "Training seconds per epoch and peak Go heap per rule, a group of bars per experiment.",
	"length":     "The test figure against the sequence length T, with the task's trivial baseline.",
}

// pageStyle keeps the page readable offline and in print: no fonts or
// scripts from elsewhere.
const pageStyle = `body{font-family:system-ui,sans-serif;margin:2em auto;max-width:80em;padding:0 1em;color:#222;line-height:1.4}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{font-size:1.05em;margin-top:1.5em}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}thead th{border-bottom:2px solid #888}
li{font-size:.9em}nav a{margin-right:1em}figure{display:inline-block;vertical-align:top;width:49%;margin:1em 0}figure img{width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}#problems{background:#fdd;border:1px solid #c00;padding:.5em;white-space:pre-wrap}`

// pageCheck runs when the page has loaded: it lists broken images, empty
// tables and script errors in the body's data-check attribute ("ok" when
// there are none), for a headless browser to read, and shows them on the
// page, for a reader to see.
const pageCheck = `(function(){
var problems=[];
window.addEventListener('error',function(e){problems.push('script error: '+e.message)});
window.addEventListener('load',function(){
for(var i=0;i<document.images.length;i++){var im=document.images[i];if(!im.complete||im.naturalWidth===0)problems.push('broken image: '+im.getAttribute('src'))}
var ts=document.querySelectorAll('table');
for(var j=0;j<ts.length;j++){var b=ts[j].tBodies;if(b.length===0||b[0].rows.length===0)problems.push('empty table: '+ts[j].id)}
document.body.setAttribute('data-check',problems.length?problems.join('\n'):'ok');
if(problems.length){var d=document.createElement('div');d.id='problems';d.textContent='This page is incomplete:\n'+problems.join('\n');document.body.insertBefore(d,document.body.firstChild)}
});
})();`

// WritePage writes p as one static HTML page.
func WritePage(w io.Writer, p Page) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>creditbench report</title>\n")
	fmt.Fprintf(&b, "<style>%s</style>\n<script>%s</script>\n</head>\n<body>\n<h1>creditbench report</h1>\n", pageStyle, pageCheck)
	var recs []*results.Record
	var names []string
	for _, t := range p.Tables {
		recs = append(recs, t.Records...)
		names = append(names, t.Suite)
	}
	fmt.Fprintf(&b, "<p>%d runs of %d suites: %s.</p>\n<nav>", len(recs), len(p.Tables), html.EscapeString(strings.Join(names, ", ")))
	for _, n := range names {
		fmt.Fprintf(&b, "<a href=\"#%s\">%s</a>", anchor(n), html.EscapeString(n))
	}
	b.WriteString("<a href=\"#mac-sheet\">MAC sheet</a><a href=\"#environment\">environment</a></nav>\n")
	for _, t := range p.Tables {
		fmt.Fprintf(&b, "<section id=\"%s\">\n<h2>Suite %s</h2>\n", anchor(t.Suite), html.EscapeString(t.Suite))
		if err := t.write(&hypertext{w: &b}); err != nil {
			return err
		}
		for _, f := range p.Figures[t.Suite] {
			fmt.Fprintf(&b, "<figure><img src=\"%s\" alt=\"%s\" loading=\"eager\"><figcaption>%s %s</figcaption></figure>\n",
				html.EscapeString(filepath.ToSlash(f)), html.EscapeString(filepath.Base(f)),
				html.EscapeString(figureCaption(t.Suite, f)), html.EscapeString(filepath.Base(f)))
		}
		b.WriteString("</section>\n")
	}
	b.WriteString("<section id=\"mac-sheet\">\n<h2>Efficiency accounting</h2>\n")
	if err := WriteSheet(&b, "html"); err != nil {
		return err
	}
	b.WriteString("</section>\n<section id=\"environment\">\n<h2>Environment</h2>\n")
	d := &hypertext{w: &b}
	if err := d.table(environmentRows(recs)); err != nil {
		return err
	}
	b.WriteString("</section>\n</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// figureCaption describes figure file f of suite.
func figureCaption(suite, f string) string {
	name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
	name = strings.TrimPrefix(name, suite+"-")
	i := strings.LastIndex(name, "-")
	kind, subject := name[i+1:], ""
	if i > 0 {
		subject = name[:i] + ": "
	}
	if c, ok := figureCaptions[kind]; ok {
		return subject + c
	}
	return subject
}

// environmentRows lists the environments the runs ran in: code version, Go,
// platform, BLAS and its threads, CPU, and how many runs each.
func environmentRows(recs []*results.Record) [][]string {
	rows := [][]string{{"code version", "Go", "platform", "BLAS", "CPU", "runs"}}
	count := map[string]int{}
	var order []string
	for _, r := range recs {
		e := r.Env
		k := strings.Join([]string{e.Version, e.Go, e.GOOS + "/" + e.GOARCH, fmt.Sprintf("%s×%d", e.BLAS, e.Threads), e.CPU}, "\x00")
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	slices.Sort(order)
	for _, k := range order {
		rows = append(rows, append(strings.Split(k, "\x00"), fmt.Sprint(count[k])))
	}
	return rows
}

// anchor makes s an HTML id.
func anchor(s string) string {
	return "suite-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, s)
}
