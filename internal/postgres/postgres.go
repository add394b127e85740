// Package postgres is acucover's PostgreSQL adapter, the store of record for
// the rule catalog. It is the only package that imports the database driver.
//
// The catalog is stored as revisions: each import of new content writes a
// full copy of the catalog under a new catalog_revisions row and points
// catalog_head at it, in one transaction, then notifies listeners on the
// acucover_catalog channel. LoadCatalog reads the head revision in one
// REPEATABLE READ transaction, so a reader never sees half an import.
// Importing content that is already stored (same catalog.ContentHash) writes
// nothing new; if that content is an older revision, the head moves back to it.
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
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}()
	return fn(tx)
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
