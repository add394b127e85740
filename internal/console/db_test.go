package console_test

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/console"
	"github.com/acucover/acucover/internal/httpapi"
	"github.com/acucover/acucover/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestSignInWithPostgresKeys signs in with a key from the real store of
// record, the one acucover serve wires in, and sees its revocation end the
// session.
func TestSignInWithPostgresKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.Open(t)
	secret, _, err := db.CreateKey(ctx, "billing-pat", access.Editor, "test")
	if err != nil {
		t.Fatal(err)
	}
	ix, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	e := &env{clock: clk, ix: ix}
	e.srv = httptest.NewServer(httpapi.New(httpapi.Deps{Store: catalog.NewStore(ix), Keys: db, Editor: db, Now: clk.Now}))
	t.Cleanup(e.srv.Close)

	b := e.browser(t)
	b.signIn(secret)
	if r := b.get("/console/check"); !strings.Contains(r.body, "billing-pat (editor)") {
		t.Fatalf("signed in with a PostgreSQL key, the page does not name it:\n%s", r.body)
	}
	if err := db.RevokeKey(ctx, "billing-pat", "test"); err != nil {
		t.Fatal(err)
	}
	clk.advance(console.ReverifyEvery)
	wantRedirect(t, b.get("/console/check"), "/console/signin?ended=revoked")
}
