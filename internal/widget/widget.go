// Package widget serves the benefit-check web component, <acucover-check>,
// and its demo page. Both are embedded in the binary: Script is the module a
// clinic's page loads with one script tag, Demo shows it working with the
// embed snippet.
//
// The script's path carries only the major version (/widget/v1/), so it is
// not immutable: it is served with a short max-age and a strong ETag of its
// content, and answers a matching If-None-Match with 304.
package widget

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed assets/acucover.js assets/index.html
var assets embed.FS

// Paths the router mounts the handlers at.
const (
	ScriptPath = "/widget/v1/acucover.js"
	DemoPath   = "/widget/"
)

// Script serves the web component's JavaScript module. Any site may load it
// (Access-Control-Allow-Origin: *, as a module script from another origin
// needs): it is public code. Which sites may call the API is the CORS setting
// of the API routes; a page the API refuses gets the widget's fallback.
var Script = mustAsset("assets/acucover.js", "text/javascript; charset=utf-8", "public, max-age=3600")

// Demo serves the demo page. It revalidates every time (no-cache) so a new
// release shows at once; the ETag keeps that cheap.
var Demo = mustAsset("assets/index.html", "text/html; charset=utf-8", "no-cache")

// asset is one embedded file with its precomputed strong ETag.
type asset struct {
	name, contentType, cacheControl, etag string
	body                                  []byte
}

func mustAsset(name, contentType, cacheControl string) http.Handler {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err) // the embed directive above guarantees the file
	}
	sum := sha256.Sum256(b)
	return &asset{
		name: name, contentType: contentType, cacheControl: cacheControl, body: b,
		etag: `"` + hex.EncodeToString(sum[:16]) + `"`,
	}
}

// ServeHTTP answers GET and HEAD; http.ServeContent handles If-None-Match
// (304) and ranges against the ETag set here.
func (a *asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", a.cacheControl)
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	if a.name == "assets/acucover.js" && h.Get("Access-Control-Allow-Origin") == "" {
		// A listed origin was already answered by the API's CORS setting.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(a.body))
}
