// Package postgres is acucover's PostgreSQL adapter, the store of record for
// the rule catalog. It is the only package that imports the database driver.
//
// # Storage: content-addressed items, linear revisions
//
// A catalog is stored as items: each element of a top-level list of
// catalog.Snapshot (a plan, condition, rule, fee schedule, cash price or
// licensure entry; catalog.ItemKinds lists them) is one row of
// catalog_items, stored once per distinct content as its canonical JSON
// under the SHA-256 of its kind and content. A revision is the set of item
// versions alive in it: an item_versions row says item (kind, id) had
// content hash at position from revision from_revision until to_revision
// (NULL: still alive). Revisions are linear, so the head is the open rows.
//
// The content column is json, which checks its input and keeps the text as
// given: the stored bytes are the canonical JSON that was hashed, so
// hash = sha256(kind || '\x00' || content) can be checked in SQL for every
// item written since migration 0005. Items written before it were stored as
// jsonb and converted, keeping jsonb's rendering of the same JSON: for them
// the equation does not hold, though they read back the same.
//
// Why: the version-1 schema kept a full relational copy of the catalog per
// revision in some 30 tables, so every edit copied O(catalog) rows (a
// 200,000-rule catalog grew 500 MB per edit), and every field of the model
// was written out four times (migration, COPY list, SELECT list, scan). With
// items, an edit or a restore writes O(change) rows (one item, one version,
// one ended version per changed item), any revision can still be read
// (LoadRevision), diffed and restored, and a new field of the model, or a
// new list added to catalog.ItemKinds, round-trips with no schema work (a new
// list adds its kind to item_kinds in a migration). The database still
// checks what it can: keys, the content hash's form, that content is an
// object, kinds (item_kinds), revision references, one live version per item
// and per position, and ranges that end after they begin. catalog.Validate
// remains the gate for meaning, before anything is written.
//
// Moving back to older content is a new revision with that content (writes
// only the items that differ); Import refuses it without AllowRollback, and
// a restore through Edit writes one audit entry listing the ids it changed.
//
// # Reads and writes at scale
//
// A DB holds the last revision it loaded or wrote in memory. LoadCatalog and
// Edit read only the item versions that began or ended since then (indexes
// on from_revision and to_revision) and apply them to it, sharing the lists
// of kinds that did not change, so a replica follows a one-rule edit of a
// million-rule catalog without reading a million rows; the catalog.Store
// still builds its Index off to the side and swaps it. Edit finds what fn
// changed by comparing items byte for byte with the head's and marshals only
// those that differ. Writes go through temporary tables with COPY, so a
// whole catalog and a single edit take the same path, except a large
// import: it copies straight into the tables, with foreign keys (and, into
// an empty store, catalog_items' key) dropped and added back, so checked,
// before the transaction commits; a first one prepares each item (canonical
// form, JSON, hash) on every processor while the server stores those
// already sent (writeImport, importFirst).
//
// Writers are serialized by an advisory lock taken with a bounded wait
// (LockWait, or less before the context's deadline); a writer that cannot
// get it, or whose deadline leaves no time to answer, writes nothing and
// returns a *BusyError, which the HTTP API answers 503 with Retry-After.
// Every change notifies listeners on the acucover_catalog channel on
// commit; LoadCatalog reads in one REPEATABLE READ transaction, so a reader
// never sees half a change.
package postgres

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/access"
)

// Channel is the LISTEN/NOTIFY channel on which Import announces a new head
// revision; the payload is the revision id.
const Channel = "acucover_catalog"

// Errors returned by loads, matched with errors.Is.
var (
	// ErrNoCatalog: the schema exists but no catalog has been imported yet.
	ErrNoCatalog = errors.New("no catalog in the database: run acucover migrate up and acucover import --default")
	// ErrNotMigrated: the catalog tables do not exist.
	ErrNotMigrated = errors.New("the database has no acucover schema: run acucover migrate up and acucover import --default")
	// ErrUnknownRevision: the requested revision id does not exist.
	ErrUnknownRevision = errors.New("unknown catalog revision")
)

// DB is an open connection pool to acucover's database. It is safe for
// concurrent use.
type DB struct {
	db   *sqlx.DB
	url  string           // kept for the dedicated LISTEN connections
	keys *access.KeyCache // recent key verifications (keys.go)
	now  func() time.Time // the key cache's clock

	// held is the last revision this DB loaded or wrote, kept in memory so
	// the next load or edit reads only what changed since (see headState).
	// loadMu serializes making states, so two loads do not both read.
	held   atomic.Pointer[state]
	loadMu sync.Mutex
}

// pingTimeout bounds Open's connectivity check, so a black-holed host fails
// fast and the caller's retry loop (serve) decides how long to keep trying.
const pingTimeout = 5 * time.Second

// Open connects to the database at url (a postgres:// URL or key=value DSN)
// and checks that it answers within a few seconds. It does not check the
// schema; LoadCatalog reports ErrNotMigrated for that. The error never
// contains the URL, which may hold a password.
func Open(ctx context.Context, url string) (*DB, error) {
	c, err := pq.NewConnector(url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", urlFree(err))
	}
	c.Dialer(bufferedDialer{})
	x := sqlx.NewDb(sql.OpenDB(c), "postgres")
	// A catalog service needs few connections: one reload at a time, plus
	// imports and migrations run from the CLI. Bounded lifetimes let the pool
	// follow a failover or a DNS change instead of holding dead servers.
	x.SetMaxOpenConns(8)
	x.SetMaxIdleConns(4)
	x.SetConnMaxLifetime(30 * time.Minute)
	x.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return &DB{db: x, url: url, keys: access.NewKeyCache(), now: time.Now}, nil
}

// Redact returns a connection string fit for logs: the password of a
// postgres:// URL's user and the password and sslpassword parameters (in a
// URL's query, or in a key=value DSN) read "xxxxx". A URL that does not
// parse is replaced whole.
func Redact(dsn string) string {
	if dsn == "" {
		return ""
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsnSecret.ReplaceAllString(dsn, "${1}=xxxxx")
	}
	u, err := neturl.Parse(dsn)
	if err != nil {
		return "(a postgres:// URL that does not parse)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = neturl.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	masked := false
	for k := range q {
		if secretParams[strings.ToLower(k)] {
			q[k] = []string{"xxxxx"}
			masked = true
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// secretParams are the connection parameters that hold secrets.
var secretParams = map[string]bool{"password": true, "sslpassword": true}

// dsnSecret finds them in a key=value DSN: a quoted value (with \' and \\
// escapes) or a bare one.
var dsnSecret = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)`)

// urlFree returns a connection string's parse error without the string:
// net/url's errors quote the whole URL, password included, and an invalid
// %-escape quotes part of it.
func urlFree(err error) error {
	var ue *neturl.Error
	if !errors.As(err, &ue) {
		return err // lib/pq's own: names an option or a key, not the password
	}
	var esc neturl.EscapeError
	if errors.As(ue.Err, &esc) {
		return errors.New("the URL does not parse: an invalid %-escape (percent-encode a '%' in the password as %25)")
	}
	return fmt.Errorf("the URL does not parse: %v", ue.Err)
}

// bufferedDialer dials like lib/pq's default dialer and reads through a
// 64 KiB buffer. lib/pq reads a connection through a 4 KiB bufio.Reader, so
// a load, which receives hundreds of megabytes, would otherwise make a read
// system call every 4 KiB.
type bufferedDialer struct{ d net.Dialer }

func (b bufferedDialer) Dial(network, address string) (net.Conn, error) {
	return b.DialContext(context.Background(), network, address)
}

func (b bufferedDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return b.DialContext(ctx, network, address)
}

func (b bufferedDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := b.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &bufferedConn{Conn: c, r: bufio.NewReaderSize(c, 64<<10)}, nil
}

type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Close closes the pool. Listeners started with Listen have their own
// connection and stop with their context.
func (db *DB) Close() error { return db.db.Close() }

// SQL returns the underlying pool, e.g. for a Prometheus DBStatsCollector.
// Callers must not close it.
func (db *DB) SQL() *sql.DB { return db.db.DB }

// URL returns the connection string the DB was opened with.
func (db *DB) URL() string { return db.url }

// readSnapshot is how whole-catalog reads run: one consistent view across
// every table.
var readSnapshot = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// inTx runs fn in a transaction. It commits if fn returns nil, and rolls back
// if fn returns an error or panics (re-panicking after the rollback).
func (db *DB) inTx(ctx context.Context, opts *sql.TxOptions, fn func(*sqlx.Tx) error) (err error) {
	tx, err := db.db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer endTx(ctx, tx, &err)
	return fn(tx)
}

// endTx ends tx as inTx promises, deferred right after it begins: it
// commits if *err is nil, and rolls back if *err is set or the function
// panicked (re-panicking after the rollback).
func endTx(ctx context.Context, tx *sqlx.Tx, err *error) {
	if p := recover(); p != nil {
		_ = tx.Rollback()
		panic(p)
	}
	if *err != nil {
		_ = tx.Rollback()
		// A statement cut short by the caller's deadline or cancel can
		// surface as a driver error ("bad connection"); say it was the
		// context, so callers answer "busy" or "client gone", not 500.
		// Nothing was committed.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(*err, cerr) {
			*err = fmt.Errorf("%w: %w", *err, cerr)
		}
		return
	}
	if cerr := tx.Commit(); cerr != nil {
		*err = fmt.Errorf("commit: %w", cerr)
	}
}

// ConstraintError is a row the database refused because it breaks a
// constraint of the schema (a CHECK, foreign key, uniqueness or NOT NULL).
// Constraint names say what is wrong, e.g.
// plan_cost_sharing_coinsurance_percent_0_100.
type ConstraintError struct {
	Table      string
	Constraint string // empty for NOT NULL, which names Column instead
	Column     string
	Detail     string // the server's detail, e.g. the failing row
	Err        *pq.Error
}

func (e *ConstraintError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s: ", e.Table)
	switch {
	case e.Constraint != "":
		fmt.Fprintf(&b, "constraint %s refused a row", e.Constraint)
	case e.Column != "":
		fmt.Fprintf(&b, "column %s must not be null", e.Column)
	default:
		b.WriteString(e.Err.Message)
	}
	if e.Detail != "" {
		fmt.Fprintf(&b, " (%s)", e.Detail)
	}
	return b.String()
}

// Unwrap returns the driver error.
func (e *ConstraintError) Unwrap() error { return e.Err }

// describe turns an integrity-constraint violation (SQLSTATE class 23) into a
// ConstraintError and leaves other errors alone.
func describe(err error) error {
	pe := pq.As(err)
	if pe == nil || !strings.HasPrefix(string(pe.Code), "23") {
		return err
	}
	return &ConstraintError{Table: pe.Table, Constraint: pe.Constraint, Column: pe.Column, Detail: pe.Detail, Err: pe}
}

// undefinedTable reports whether err is "relation does not exist", i.e. the
// schema has not been migrated.
func undefinedTable(err error) bool {
	pe := pq.As(err)
	return pe != nil && pe.Code == "42P01"
}
