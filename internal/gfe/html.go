package gfe

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/clinic"
)

//go:embed templates/gfe.html
var templates embed.FS

var pageTmpl = template.Must(template.New("gfe.html").Funcs(template.FuncMap{
	"money":   Money,
	"date":    LongDate,
	"join":    strings.Join,
	"percent": Percent,
}).ParseFS(templates, "templates/gfe.html"))

// HTML renders g as a self-contained printable page: no scripts, no
// external assets, print CSS with each provider block on its own page.
func HTML(g *GFE) ([]byte, error) {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, g); err != nil {
		return nil, fmt.Errorf("render good faith estimate: %w", err)
	}
	return b.Bytes(), nil
}

// Money writes cents as dollars, e.g. $1,234.50.
func Money(cents int64) string {
	if cents < 0 {
		return "-$" + clinic.Dollars(-cents)
	}
	return "$" + clinic.Dollars(cents)
}

// LongDate writes d as e.g. "March 2, 2026".
func LongDate(d catalog.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format("January 2, 2006")
}
