// Package apidocs renders the API's OpenAPI document for people: a single
// server-rendered HTML page at /docs (no JavaScript, no fonts, images or
// styles from anywhere else), and the short JSON index the API answers at
// /. It reads the document it is given and knows nothing else of the API.
package apidocs

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Path is where the page is served.
const Path = "/docs"

// document is the part of an OpenAPI 3.0 document the page shows.
type document struct {
	Info struct {
		Title       string `json:"title"`
		Version     string `json:"version"`
		Description string `json:"description"`
		License     struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"license"`
	} `json:"info"`
	Paths      json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]*schema   `json:"schemas"`
		Responses       map[string]*response `json:"responses"`
		SecuritySchemes map[string]struct {
			Description string `json:"description"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type operation struct {
	Method      string
	Path        string
	OperationID string              `json:"operationId"`
	Summary     string              `json:"summary"`
	Description string              `json:"description"`
	Parameters  []parameter         `json:"parameters"`
	RequestBody *body               `json:"requestBody"`
	Responses   map[string]response `json:"responses"`
	Security    []map[string]any    `json:"security"`
}

type parameter struct {
	Name        string  `json:"name"`
	In          string  `json:"in"`
	Required    bool    `json:"required"`
	Description string  `json:"description"`
	Schema      *schema `json:"schema"`
}

type body struct {
	Description string           `json:"description"`
	Required    bool             `json:"required"`
	Content     map[string]media `json:"content"`
}

type response struct {
	Ref         string           `json:"$ref"`
	Description string           `json:"description"`
	Content     map[string]media `json:"content"`
}

type media struct {
	Schema *schema `json:"schema"`
}

type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Description          string             `json:"description"`
	Enum                 []any              `json:"enum"`
	Items                *schema            `json:"items"`
	Properties           map[string]*schema `json:"properties"`
	Required             []string           `json:"required"`
	OneOf                []*schema          `json:"oneOf"`
	AnyOf                []*schema          `json:"anyOf"`
	AllOf                []*schema          `json:"allOf"`
	Nullable             bool               `json:"nullable"`
	AdditionalProperties json.RawMessage    `json:"additionalProperties"`
}

// methods is the order operations of one path are shown in.
var methods = []string{"get", "head", "post", "put", "patch", "delete", "options"}

// parse reads the document and its operations in the document's order.
func parse(spec []byte) (*document, []operation, error) {
	var d document
	if err := json.Unmarshal(spec, &d); err != nil {
		return nil, nil, fmt.Errorf("apidocs: read OpenAPI document: %w", err)
	}
	var ops []operation
	if len(d.Paths) == 0 {
		return &d, nil, nil
	}
	// A map would lose the document's order of paths; read the keys as
	// tokens instead.
	dec := json.NewDecoder(bytes.NewReader(d.Paths))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, fmt.Errorf("apidocs: paths is not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("apidocs: read paths: %w", err)
		}
		path, _ := t.(string)
		var item map[string]json.RawMessage
		if err := dec.Decode(&item); err != nil {
			return nil, nil, fmt.Errorf("apidocs: path %s: %w", path, err)
		}
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, nil, fmt.Errorf("apidocs: %s %s: %w", strings.ToUpper(m), path, err)
			}
			op.Method, op.Path = strings.ToUpper(m), path
			ops = append(ops, op)
		}
	}
	return &d, ops, nil
}

// New returns the handler of the /docs page for the OpenAPI 3.0 document
// spec, rendered once, here. A document that cannot be read (a build
// mistake, which the tests of the embedding package catch) gives a handler
// that answers 500 with the reason in plain text.
func New(spec []byte) http.Handler {
	page, err := render(spec)
	if err != nil {
		msg := err.Error()
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, msg, http.StatusInternalServerError)
		})
	}
	etag := fmt.Sprintf(`"%x"`, sha256.Sum256(page))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// Nothing but this page's own style may load or run.
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write(page)
	})
}

// Index returns the handler of the API's root: a short JSON index naming
// the API, its version (the running server's, and the document's), the
// links a newcomer needs (the docs page, the document, the widget demo,
// health) and the public routes with one line each. Admin routes are
// summed up in one line; the docs list them all.
func Index(spec []byte, version string) http.Handler {
	d, ops, err := parse(spec)
	if err != nil {
		msg := err.Error()
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, msg, http.StatusInternalServerError)
		})
	}
	type route struct {
		Method  string `json:"method"`
		Path    string `json:"path"`
		Summary string `json:"summary"`
	}
	idx := struct {
		Name        string            `json:"name"`
		Version     string            `json:"version"`
		APIVersion  string            `json:"api_version"`
		Description string            `json:"description"`
		Links       map[string]string `json:"links"`
		Routes      []route           `json:"routes"`
		Admin       string            `json:"admin"`
	}{
		Name:        d.Info.Title,
		Version:     version,
		APIVersion:  d.Info.Version,
		Description: firstSentence(d.Info.Description),
		Links: map[string]string{
			"docs": Path, "openapi": "/openapi.json", "widget": "/widget/",
			"health": "/healthz", "ready": "/readyz",
		},
		Admin: "/v1/admin/… edits the catalog and needs an API key with a role (see " + Path + ")",
	}
	for _, op := range ops {
		if strings.HasPrefix(op.Path, "/v1/") && !strings.HasPrefix(op.Path, "/v1/admin/") {
			idx.Routes = append(idx.Routes, route{op.Method, op.Path, op.Summary})
		}
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		panic(err) // strings and maps of strings always marshal
	}
	b = append(b, '\n')
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(b)
	})
}

// firstSentence returns s up to and including its first ". ".
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// view is what the template shows.
type view struct {
	Doc      *document
	Ops      []operation
	Schemas  []string
	Security []string
}

func render(spec []byte) ([]byte, error) {
	d, ops, err := parse(spec)
	if err != nil {
		return nil, err
	}
	v := view{Doc: d, Ops: ops, Schemas: slices.Sorted(maps.Keys(d.Components.Schemas))}
	for _, name := range slices.Sorted(maps.Keys(d.Components.SecuritySchemes)) {
		v.Security = append(v.Security, name+": "+d.Components.SecuritySchemes[name].Description)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("apidocs: render: %w", err)
	}
	return b.Bytes(), nil
}

// anchor makes an id for an element: lower-case letters and digits, runs
// of anything else as one '-' ("GET", "/v1/plans/{id}" → get-v1-plans-id).
func anchor(parts ...string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.Join(parts, "-")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// refName is the last part of a local $ref ("#/components/schemas/Decision").
func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// typeHTML describes a schema in a few words, linking named schemas to
// their section. It builds HTML, so every name it writes is escaped.
func typeHTML(s *schema) template.HTML {
	if s == nil {
		return ""
	}
	esc := template.HTMLEscapeString
	var t string
	switch {
	case s.Ref != "":
		n := refName(s.Ref)
		t = `<a href="#` + anchor("schema", n) + `">` + esc(n) + `</a>`
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0:
		alts, sep := s.OneOf, " or "
		if len(alts) == 0 {
			alts = s.AnyOf
		}
		if len(alts) == 0 {
			alts, sep = s.AllOf, " and "
		}
		parts := make([]string, len(alts))
		for i, a := range alts {
			parts[i] = string(typeHTML(a))
		}
		t = strings.Join(parts, sep)
	case s.Type == "array":
		t = "array of " + string(typeHTML(s.Items))
	case s.Type == "object" && len(s.Properties) == 0 && len(s.AdditionalProperties) > 0 && string(s.AdditionalProperties) != "false":
		var ap schema
		if json.Unmarshal(s.AdditionalProperties, &ap) == nil && (ap.Type != "" || ap.Ref != "") {
			t = "map of " + string(typeHTML(&ap))
		} else {
			t = "object"
		}
	default:
		t = esc(s.Type)
		if s.Format != "" {
			t += " (" + esc(s.Format) + ")"
		}
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = "<code>" + esc(fmt.Sprint(e)) + "</code>"
		}
		t += ": one of " + strings.Join(vals, ", ")
	}
	if s.Nullable {
		t += " or null"
	}
	return template.HTML(t)
}

// KeyNote says whether the operation needs an API key: "" when it names
// no security, optional when one of its requirements is empty.
func (o operation) KeyNote() string {
	if len(o.Security) == 0 {
		return ""
	}
	for _, req := range o.Security {
		if len(req) == 0 {
			return "An API key is optional here; a server run with --public-access key requires one."
		}
	}
	return "Needs an API key."
}

// Response resolves a response that is a $ref to components.responses.
func (v view) Response(r response) response {
	if r.Ref != "" {
		if c, ok := v.Doc.Components.Responses[refName(r.Ref)]; ok && c != nil {
			return *c
		}
	}
	return r
}

type property struct {
	Name     string
	Required bool
	Schema   *schema
}

func properties(s *schema) []property {
	if s == nil {
		return nil
	}
	out := make([]property, 0, len(s.Properties))
	for _, n := range slices.Sorted(maps.Keys(s.Properties)) {
		out = append(out, property{n, slices.Contains(s.Required, n), s.Properties[n]})
	}
	return out
}

const css = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a;overflow-wrap:anywhere}
h1{margin-bottom:0}h2{margin-top:2.5rem;border-bottom:1px solid #ccc}h3{margin-bottom:.25rem}
code,.path{font-family:ui-monospace,monospace;font-size:.92em}
.m{display:inline-block;min-width:4.2em;font:bold .8em ui-monospace,monospace;padding:.1em .4em;border-radius:3px;background:#e8eef7;margin-right:.4em}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;vertical-align:top;padding:.3em .5em;border-bottom:1px solid #eee}
th{font-weight:600;background:#f6f6f6}nav ul{columns:2;padding-left:1.2rem}.muted{color:#555}section.op{margin-bottom:1.5rem}
@media (max-width:40rem){nav ul{columns:1}table{font-size:.9em}}`

var csp = "default-src 'none'; style-src 'sha256-" + func() string {
	sum := sha256.Sum256([]byte(css))
	return base64.StdEncoding.EncodeToString(sum[:])
}() + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var page = template.Must(template.New("docs").Funcs(template.FuncMap{
	"anchor":     anchor,
	"type":       typeHTML,
	"properties": properties,
	"css":        func() template.CSS { return template.CSS(css) },
}).Parse(pageHTML))
