package apidocs

// pageHTML is the /docs page. It shows every operation of the document in
// its order, then every schema; names link to their sections.
const pageHTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Doc.Info.Title}} {{.Doc.Info.Version}}</title>
<style>{{css}}</style>
</head>
<body>
<header>
<h1>{{.Doc.Info.Title}}</h1>
<p class="muted">Version {{.Doc.Info.Version}}{{with .Doc.Info.License.Name}} · {{.}}{{end}} · the same description as JSON: <a href="/openapi.json">/openapi.json</a></p>
<p>{{.Doc.Info.Description}}</p>
{{range .Security}}<p class="muted">Authentication — {{.}}</p>{{end}}
</header>
<nav aria-label="Operations">
<h2>Operations</h2>
<ul>
{{range .Ops}}<li><a href="#{{anchor .Method .Path}}"><span class="m">{{.Method}}</span><span class="path">{{.Path}}</span></a></li>
{{end}}</ul>
</nav>
<main>
{{range .Ops}}<section class="op" id="{{anchor .Method .Path}}">
<h2><span class="m">{{.Method}}</span><span class="path">{{.Path}}</span></h2>
{{with .Summary}}<p><strong>{{.}}</strong></p>{{end}}
{{with .Description}}<p>{{.}}</p>{{end}}
{{with .KeyNote}}<p class="muted">{{.}}</p>{{end}}
{{with .Parameters}}<h3>Parameters</h3>
<table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>
{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <small>(required)</small>{{end}}</td><td>{{.In}}</td><td>{{type .Schema}}</td><td>{{.Description}}</td></tr>
{{end}}</tbody></table>{{end}}
{{with .RequestBody}}<h3>Request body{{if .Required}} <small>(required)</small>{{end}}</h3>
{{with .Description}}<p>{{.}}</p>{{end}}
<ul>{{range $ct, $m := .Content}}<li><code>{{$ct}}</code>: {{type $m.Schema}}</li>{{end}}</ul>{{end}}
<h3>Responses</h3>
<table><thead><tr><th>Status</th><th>Description</th><th>Body</th></tr></thead><tbody>
{{range $code, $r := .Responses}}{{with $.Response $r}}<tr><td>{{$code}}</td><td>{{.Description}}</td><td>{{range $ct, $m := .Content}}<code>{{$ct}}</code> {{type $m.Schema}}<br>{{end}}</td></tr>
{{end}}{{end}}</tbody></table>
</section>
{{end}}
<h2 id="schemas">Schemas</h2>
{{range .Schemas}}{{$s := index $.Doc.Components.Schemas .}}<section id="{{anchor "schema" .}}">
<h3>{{.}}</h3>
<p class="muted">{{type $s}}</p>
{{with $s.Description}}<p>{{.}}</p>{{end}}
{{with properties $s}}<table><thead><tr><th>Field</th><th>Type</th><th>Description</th></tr></thead><tbody>
{{range .}}<tr><td><code>{{.Name}}</code>{{if .Required}} <small>(required)</small>{{end}}</td><td>{{type .Schema}}</td><td>{{with .Schema}}{{.Description}}{{end}}</td></tr>
{{end}}</tbody></table>{{end}}
</section>
{{end}}
</main>
</body>
</html>
`
