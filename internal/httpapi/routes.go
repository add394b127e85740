package httpapi

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/apidocs"
	"github.com/acucover/acucover/internal/console"
	"github.com/acucover/acucover/internal/widget"
	"github.com/gin-gonic/gin"
)

// New returns the API handler. It panics if d.Store is nil, a wiring
// mistake no request could recover from.
func New(d Deps) http.Handler { return headAsGet(newEngine(d)) }

// newEngine is New with the concrete engine, so tests can mount extra routes
// behind the real middleware chain.
func newEngine(d Deps) *gin.Engine {
	a := newAPI(d)

	// Release mode: no route dump or debug warnings on stderr.
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true // 405 with Allow, instead of 404
	// Redirects would answer a typo with a non-problem 301/307; a 404
	// problem says what is wrong.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	// Gin trusts every proxy by default, which would let any client choose
	// its rate-limit bucket; here none is trusted unless configured, so
	// c.ClientIP is the peer address.
	if err := r.SetTrustedProxies(a.trustedProxies); err != nil {
		panic("httpapi.New: Deps.TrustedProxies: " + err.Error()) // config validates them first
	}

	// The middleware chain, in order. observe is outside recovery, so the
	// 500 a recovered panic answers is logged and counted too.
	r.Use(a.observe(), a.recoverPanics())
	if len(d.CORSOrigins) > 0 {
		r.Use(allowCrossOrigin(d.CORSOrigins))
	}
	r.Use(a.limitBody(a.bodyLimit), a.refuseInputs())
	// The rate limit comes before key verification, so a flood of bogus
	// keys is throttled by IP before it can reach the database.
	if a.limits != nil {
		r.Use(a.rateLimit())
	}
	r.Use(a.authenticate())
	r.Use(a.publicGate())
	r.NoRoute(a.handle(func(c *gin.Context) error {
		return fmt.Errorf("%w: no resource at %s (GET /openapi.json describes the API)", errNoRoute, c.Request.URL.Path)
	}))
	r.NoMethod(a.handle(func(c *gin.Context) error {
		return fmt.Errorf("%w: %s is not allowed on %s; allowed: %s", errNoMethod, c.Request.Method, c.Request.URL.Path, c.Writer.Header().Get("Allow"))
	}))
	a.routes(r)
	return r
}

// routes registers every route of the API: this is the one place to look
// for a path. Each API route is a handlerFunc wrapped by a.handle, which
// answers its error as a problem; the editing API's routes first need a key
// of role editor (admin where marked). Every route has an operation in
// openapi.json (TestOpenAPIDocumentIsValid).
func (a *api) routes(r *gin.Engine) {
	// Coverage questions and estimates (coverage.go, batch.go, estimates.go).
	r.GET("/v1/coverage", a.handle(a.getCoverage))
	r.POST("/v1/coverage", a.handle(a.postCoverage))
	r.POST("/v1/coverage/batch", a.handle(a.postBatch))
	r.POST("/v1/estimates", a.handle(a.postEstimate))

	// The catalog, read (catalog.go, summary.go).
	r.GET("/v1/plans", a.handle(a.listPlans))
	r.GET("/v1/plans/:id", a.handle(a.getPlan))
	r.GET("/v1/conditions", a.handle(a.listConditions))
	r.GET("/v1/states", a.handle(a.listStates))
	r.GET("/v1/catalog/summary", a.handle(a.getCatalogSummary))

	// The editing API (admin.go).
	editor, admin := a.require(access.Editor), a.require(access.Admin)
	r.GET("/v1/admin/plans", editor, a.handle(listResources(a, plans)))
	r.POST("/v1/admin/plans", editor, a.handle(createResource(a, plans)))
	r.GET("/v1/admin/plans/:id", editor, a.handle(getResource(a, plans)))
	r.PUT("/v1/admin/plans/:id", editor, a.handle(replaceResource(a, plans)))
	r.DELETE("/v1/admin/plans/:id", editor, a.handle(deleteResource(a, plans)))
	r.GET("/v1/admin/conditions", editor, a.handle(listResources(a, conditions)))
	r.POST("/v1/admin/conditions", editor, a.handle(createResource(a, conditions)))
	r.GET("/v1/admin/conditions/:id", editor, a.handle(getResource(a, conditions)))
	r.PUT("/v1/admin/conditions/:id", editor, a.handle(replaceResource(a, conditions)))
	r.DELETE("/v1/admin/conditions/:id", editor, a.handle(deleteResource(a, conditions)))
	r.GET("/v1/admin/rules", editor, a.handle(listResources(a, rules)))
	r.POST("/v1/admin/rules", editor, a.handle(createResource(a, rules)))
	r.GET("/v1/admin/rules/:id", editor, a.handle(getResource(a, rules)))
	r.PUT("/v1/admin/rules/:id", editor, a.handle(replaceResource(a, rules)))
	r.DELETE("/v1/admin/rules/:id", editor, a.handle(deleteResource(a, rules)))
	r.GET("/v1/admin/fee-schedules", editor, a.handle(listResources(a, feeSchedules)))
	r.POST("/v1/admin/fee-schedules", editor, a.handle(createResource(a, feeSchedules)))
	r.GET("/v1/admin/fee-schedules/:id", editor, a.handle(getResource(a, feeSchedules)))
	r.PUT("/v1/admin/fee-schedules/:id", editor, a.handle(replaceResource(a, feeSchedules)))
	r.DELETE("/v1/admin/fee-schedules/:id", editor, a.handle(deleteResource(a, feeSchedules)))
	r.GET("/v1/admin/catalog", editor, a.handle(a.getCatalog))
	r.PUT("/v1/admin/catalog", editor, admin, a.handle(a.putCatalog))
	r.GET("/v1/admin/revisions", editor, a.handle(a.listRevisions))
	r.POST("/v1/admin/revisions/:id/restore", editor, admin, a.handle(a.restoreRevision))
	r.GET("/v1/admin/audit", editor, a.handle(a.listAudit))

	// Clinics and Good Faith Estimates (clinics.go, gfe.go). A
	// clinic-scoped key reaches only its clinic: the handlers check it.
	r.GET("/v1/admin/clinics", editor, a.handle(a.listClinics))
	r.POST("/v1/admin/clinics", editor, a.handle(a.createClinic))
	r.GET("/v1/admin/clinics/:id", editor, a.handle(a.getClinic))
	r.PUT("/v1/admin/clinics/:id", editor, a.handle(a.replaceClinic))
	r.DELETE("/v1/admin/clinics/:id", editor, admin, a.handle(a.deleteClinic))
	gfeStore, reader := a.needGFEStore(), a.require(access.Reader)
	r.POST("/v1/gfe", gfeStore, reader, a.handle(a.postGFE))
	r.GET("/v1/gfe/:id", gfeStore, reader, a.handle(a.getGFE))
	r.DELETE("/v1/gfe/:id", gfeStore, editor, a.handle(a.deleteGFE))

	// Probes and documentation (probes.go).
	r.GET("/healthz", a.handle(a.healthz))
	r.GET("/readyz", a.handle(a.readyz))
	r.GET("/openapi.json", a.handle(serveOpenAPI))
	r.GET("/", gin.WrapH(apidocs.Index(openAPIDoc, a.version)))
	r.GET(apidocs.Path, gin.WrapH(apidocs.New(openAPIDoc)))

	// Pages served by their own packages: the widget and the billing console.
	r.GET(widget.ScriptPath, gin.WrapH(widget.Script))
	r.GET(widget.DemoPath, gin.WrapH(widget.Demo))
	r.Match([]string{http.MethodGet, http.MethodPost}, console.Prefix+"*page", gin.WrapH(console.New(console.Deps{Store: a.store, Keys: a.keys, Editor: a.editor, History: a.editor, API: r, Logger: a.log, Now: a.now})))
}

// newAPI checks d and fills in its defaults. It panics on a wiring mistake
// (no Store; key mode without Keys) no request could recover from; config
// validates the rest first.
func newAPI(d Deps) *api {
	if d.Store == nil {
		panic("httpapi.New: Deps.Store is nil")
	}
	if d.PublicAccess == PublicKey && d.Keys == nil {
		panic("httpapi.New: PublicAccess key needs Deps.Keys")
	}
	a := &api{store: d.Store, log: d.Logger, accessLog: d.AccessLog, version: d.Version, now: d.Now, ready: d.Ready,
		bodyLimit: d.MaxBodyBytes, keys: d.Keys, editor: d.Editor, publicAccess: d.PublicAccess, trustedProxies: d.TrustedProxies}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.bodyLimit <= 0 {
		a.bodyLimit = defaultMaxBodyBytes
	}
	a.clin = newClinicState(d)
	if a.publicAccess == "" {
		a.publicAccess = PublicOpen
	}
	if d.RateLimit > 0 {
		a.limits = newLimiters(d.RateLimit, d.RateBurst)
	}
	n := d.MaxBatches
	if n <= 0 {
		n = defaultMaxBatches()
	}
	a.batches = make(batchSlots, n)
	return a
}
