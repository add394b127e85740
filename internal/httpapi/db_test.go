package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/postgres"
	"github.com/acucover/acucover/internal/postgres/pgtest"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// The admin tests need the real store of record; the other tests of this
// package run without one, as before.
func TestMain(m *testing.M) {
	// Bodies the document declares as text (CSV, YAML) are validated as
	// strings.
	for _, ct := range []string{"text/csv", "application/yaml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
	os.Exit(pgtest.Main(m))
}

// dbServer is the real router over a fresh database holding the default
// catalog, with one key per role plus a revoked one.
type dbServer struct {
	*testServer
	db   *postgres.DB
	keys map[string]string // "reader", "editor", "admin", "revoked" → secret
}

func newDBServer(t *testing.T, edit ...func(*Deps)) *dbServer {
	t.Helper()
	ctx := context.Background()
	db := pgtest.Open(t)
	snap, _, err := catalog.Parse(catalog.DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Import(ctx, snap, "seed", "seed"); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, k := range []struct {
		name string
		role access.Role
	}{{"reader", access.Reader}, {"editor", access.Editor}, {"admin", access.Admin}, {"revoked", access.Admin}} {
		secret, _, err := db.CreateKey(ctx, k.name, k.role, "test")
		if err != nil {
			t.Fatal(err)
		}
		keys[k.name] = secret
	}
	if err := db.RevokeKey(ctx, "revoked", "test"); err != nil {
		t.Fatal(err)
	}
	loaded, err := db.LoadCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := catalog.Build(loaded)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d := Deps{
		Store:        catalog.NewStore(ix),
		Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		Version:      "test",
		Now:          func() time.Time { return testNow },
		MaxBodyBytes: 1 << 20,
		Keys:         db,
		Editor:       db,
	}
	for _, e := range edit {
		e(&d)
	}
	s := &dbServer{testServer: &testServer{engine: newEngine(d), logs: logs}, db: db, keys: keys}
	t.Cleanup(func() {
		// Keys must never reach the logs.
		for name, k := range keys {
			if strings.Contains(logs.String(), k) {
				t.Errorf("the logs contain the %s key", name)
			}
		}
	})
	return s
}

// call is one request to a dbServer.
type call struct {
	method, target string
	key            string // a role name of dbServer.keys, or a literal Authorization value after "raw:"
	body           string
	contentType    string
	header         map[string]string
}

// do sends c and validates the answer against openapi.json.
func (s *dbServer) call(t testing.TB, c call) *httptest.ResponseRecorder {
	t.Helper()
	req := request{method: c.method, target: c.target, body: c.body, contentType: c.contentType}.build()
	switch {
	case strings.HasPrefix(c.key, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(c.key, "raw:"))
	case c.key != "":
		req.Header.Set("Authorization", "Bearer "+s.keys[c.key])
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	rec := s.serve(req)
	checkResponse(t, req, rec)
	return rec
}

func etag(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	tag := rec.Header().Get("ETag")
	if rec.Code != http.StatusOK || !strings.HasPrefix(tag, `"`) {
		t.Fatalf("no ETag: %d %q\n%s", rec.Code, tag, rec.Body)
	}
	return tag
}
