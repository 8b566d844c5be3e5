package charts

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/go-echarts/go-echarts/v2/render"
)

// refreshSeconds is how often the page of a running run reloads itself.
const refreshSeconds = 10

// chartHTML is one chart placed in a page: its container and the script
// that draws it.
type chartHTML struct {
	ID string
	// CSV is the file name its "download CSV" link saves the data as.
	CSV string
	// Zoom is true for a chart that zooms (ctrl + wheel, see
	// zoomOnCtrlWheel): its tools say so.
	Zoom    bool
	Element template.HTML
	Script  template.HTML
}

// snippet renders a go-echarts chart as a container and a script for one
// of our pages. The chart options are JSON that go-echarts writes without
// HTML escaping, so a class or run name holding "</script>" would end the
// script early; inside the script the "<" of "</" and "<!--" becomes
// \u003c, which means the same in JSON and JavaScript strings (the only
// place go-echarts' scripts can hold them).
// go-echarts panics if its own templates fail; that becomes an error here.
func snippet(id string, c render.Renderer) (h chartHTML, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render chart %s: %v", id, r)
		}
	}()
	s := c.RenderSnippet()
	return chartHTML{ID: id, CSV: strings.TrimPrefix(id, "chart_") + ".csv", Zoom: strings.Contains(s.Script, "zoomOnMouseWheel"), Element: template.HTML(s.Element), Script: template.HTML(safeScript(s.Script))}, nil
}

// namedChart is a chart and the ID its builder gave it.
type namedChart struct {
	id string
	c  render.Renderer
}

// renderCharts renders charts for a page.
func renderCharts(cs ...namedChart) ([]chartHTML, error) {
	out := make([]chartHTML, 0, len(cs))
	for _, c := range cs {
		h, err := snippet(c.id, c.c)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func safeScript(s string) string {
	const open, closing = ">", "</script>"
	i := strings.Index(s, open)
	j := strings.LastIndex(s, closing)
	if i < 0 || j < i {
		return s
	}
	body := s[i+1 : j]
	body = strings.ReplaceAll(body, "</", `\u003c/`)
	body = strings.ReplaceAll(body, "<!--", `\u003c!--`)
	return s[:i+1] + body + s[j:]
}

// page is what the layout template needs; Body is the page-specific
// content, rendered by the template named after the page kind.
type page struct {
	Title   string
	Refresh int // seconds; 0: no auto-refresh
	// Echarts is the src of echarts.min.js; empty on pages with no chart.
	Echarts string
	// Warning is shown at the top of the page (e.g. echarts taken from the
	// internet because the local copy is missing).
	Warning string
	Nav     []link
	Charts  []chartHTML
	Body    any
}

type link struct {
	Href template.URL
	Text string
}

// chartByID returns the chart with that ID, for the body templates.
func (p page) Chart(id string) *chartHTML {
	for i := range p.Charts {
		if p.Charts[i].ID == id {
			return &p.Charts[i]
		}
	}
	return nil
}

// templateFiles are the pages' HTML, CSS and JavaScript. The files at the
// top of templates/ are shared: the layout every page is framed by (it
// defines "layout" and calls "body"), the pieces it and the bodies
// include, and the scripts and styles, which a page inlines rather than
// links so that a page saved alone, or opened as file://, still works.
// templates/pages/ holds one body per page kind, each defining "body".
//
//go:embed templates
var templateFiles embed.FS

// sharedTemplates are the globs of the shared files; a glob of
// templates/* would also match the pages/ folder.
var sharedTemplates = []string{"templates/*.tmpl", "templates/*.css", "templates/*.js"}

// newPageTemplate parses the shared templates with one page's body,
// templates/pages/<page>. A template that does not parse is a bug in the
// embedded files, found by any test that renders a page, hence the panic
// at start-up.
func newPageTemplate(page string) *template.Template {
	return template.Must(template.New(page).ParseFS(templateFiles, append(sharedTemplates, "templates/pages/"+page)...))
}

// render writes p with t.
func (p page) render(t *template.Template, w io.Writer) error {
	return t.ExecuteTemplate(w, "layout", p)
}
