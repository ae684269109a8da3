package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// A document is where a suite's tables are written: headings, tables and
// the bullets that go with them, in the order a reader meets them.
type document interface {
	heading(title string) error
	table(rows [][]string) error // rows[0] is the header
	bullet(text string) error
	// end closes what is open (an HTML list); nothing more follows.
	end() error
}

// plain is the terminal's document, or Markdown's.
type plain struct {
	w        io.Writer
	markdown bool
	started  bool
}

func (d *plain) heading(title string) error {
	format := "%s\n\n"
	if d.markdown {
		format = "## %s\n\n"
	}
	if d.started {
		format = "\n" + format
	}
	d.started = true
	_, err := fmt.Fprintf(d.w, format, title)
	return err
}

func (d *plain) table(rows [][]string) error {
	opts := []tablewriter.Option{tablewriter.WithHeaderAutoFormat(tw.Off)}
	if d.markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tbl := tablewriter.NewTable(d.w, opts...)
	tbl.Header(rows[0])
	if err := tbl.Bulk(rows[1:]); err != nil {
		return err
	}
	if err := tbl.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(d.w)
	return err
}

func (d *plain) bullet(text string) error {
	prefix := "  * "
	if d.markdown {
		prefix = "- "
	}
	_, err := fmt.Fprintf(d.w, "%s%s\n", prefix, text)
	return err
}

func (d *plain) end() error { return nil }

// hypertext is the page's document: a fragment of HTML, every text escaped.
type hypertext struct {
	w      io.Writer
	inList bool
}

func (d *hypertext) closeList() error {
	if !d.inList {
		return nil
	}
	d.inList = false
	_, err := io.WriteString(d.w, "</ul>\n")
	return err
}

func (d *hypertext) heading(title string) error {
	if err := d.closeList(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(d.w, "<h3>%s</h3>\n", html.EscapeString(title))
	return err
}

func (d *hypertext) table(rows [][]string) error {
	if err := d.closeList(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("<table>\n<thead><tr>")
	for _, h := range rows[0] {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range rows[1:] {
		b.WriteString("<tr>")
		for i, c := range r {
			tag := "td"
			if i == 0 {
				tag = "th"
			}
			fmt.Fprintf(&b, "<%s>%s</%s>", tag, html.EscapeString(c), tag)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody>\n</table>\n")
	_, err := io.WriteString(d.w, b.String())
	return err
}

func (d *hypertext) bullet(text string) error {
	if !d.inList {
		d.inList = true
		if _, err := io.WriteString(d.w, "<ul>\n"); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(d.w, "<li>%s</li>\n", html.EscapeString(text))
	return err
}

func (d *hypertext) end() error { return d.closeList() }
