// Package httpapi serves acucover's HTTP API with Gin.
package httpapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// Deps are what the API needs from its binary.
type Deps struct {
	Store        *catalog.Store
	Logger       *slog.Logger
	Version      string
	Now          func() time.Time
	MaxBodyBytes int64
	Ready        func() bool // nil: always ready
}

// New returns the API handler. (Placeholder until the router lands.)
func New(d Deps) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	return mux
}
