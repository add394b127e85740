package httpapi

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz says the process is serving; it checks nothing else, so a slow
// dependency never gets the pod restarted.
func (a *api) healthz(c *gin.Context) error {
	c.PureJSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

// readyz says whether to send traffic: a catalog is loaded and, if the
// binary gave one, the Ready check passes.
func (a *api) readyz(c *gin.Context) error {
	ix := a.store.Index()
	if ix == nil {
		return fmt.Errorf("%w: no catalog is loaded yet", errNotReady)
	}
	if a.ready != nil && !a.ready() {
		return fmt.Errorf("%w: the catalog loader is not ready", errNotReady)
	}
	out := gin.H{"status": "ready", "catalog_revision": ix.CatalogRevision(), "version": a.version}
	if rev := ix.Revision(); rev != ix.CatalogRevision() {
		out["store_revision"] = rev // PostgreSQL's revision number, as the admin API names it
	}
	c.PureJSON(http.StatusOK, out)
	return nil
}

//go:embed openapi.json
var openAPIDoc []byte

func serveOpenAPI(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDoc)
	return nil
}
