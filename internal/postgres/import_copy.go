package postgres

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// inConnTx is inTx on a connection of its own, so fn can also reach the
// driver's connection (conn.Raw) inside the transaction: writeImport sends
// COPY data it encoded itself, in parallel, instead of a row at a time
// through database/sql. The transaction's rules are inTx's: any error or
// panic rolls everything back.
func (db *DB) inConnTx(ctx context.Context, fn func(conn *sqlx.Conn, tx *sqlx.Tx) error) (err error) {
	conn, err := db.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer endTx(ctx, tx, &err)
	return fn(conn, tx)
}

// writeImport is write for an import: below bulkAt new versions it is
// write; above, it writes the way a bulk load is fastest and still checks
// every constraint before the transaction commits:
//
//   - the foreign keys of item_versions are dropped and added back after
//     the rows, which checks them in one join each instead of a trigger per
//     row (as writeBulk does);
//   - into an empty catalog_items (a first import), its primary key and
//     foreign key are dropped too and added back after the rows: building
//     the unique index once from sorted hashes costs a fraction of a million
//     random insertions, and of the write-ahead log they would write;
//   - rows are encoded as COPY text on every processor and sent in large
//     pieces, while the server stores the previous ones.
//
// The drops lock catalog_items and item_versions until commit, as writeBulk
// already does: readers wait for the import, and replicas keep serving the
// catalog they hold.
func writeImport(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, rev int64, st staged, progress func(Progress)) error {
	if len(st.opens) < bulkAt {
		return write(ctx, tx, rev, st, progress)
	}
	if len(st.closes) > 0 {
		if err := write(ctx, tx, rev, staged{closes: st.closes}, nil); err != nil {
			return err
		}
	}
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	const qDrop = `
		ALTER TABLE item_versions DROP CONSTRAINT item_versions_hash_fkey,
			DROP CONSTRAINT item_versions_kind_fkey, DROP CONSTRAINT item_versions_from_revision_fkey`
	if _, err := tx.ExecContext(ctx, qDrop); err != nil {
		return err
	}
	var empty bool
	if err := tx.GetContext(ctx, &empty, `SELECT NOT EXISTS (SELECT 1 FROM catalog_items)`); err != nil {
		return err
	}
	known := map[[32]byte]bool{}
	if empty {
		const qDropItems = `ALTER TABLE catalog_items DROP CONSTRAINT catalog_items_pkey, DROP CONSTRAINT catalog_items_kind_fkey`
		if _, err := tx.ExecContext(ctx, qDropItems); err != nil {
			return err
		}
	} else if err := knownItems(ctx, tx, st, known); err != nil {
		return err
	}
	var items []int
	for i, o := range st.opens {
		if o.content != nil && !known[o.hash] {
			known[o.hash] = true
			items = append(items, i)
		}
	}
	// catalog_items, one phase per kind (opens are in kind order).
	for lo := 0; lo < len(items); {
		kind := st.opens[items[lo]].kind
		hi := lo
		for hi < len(items) && st.opens[items[hi]].kind == kind {
			hi++
		}
		part := items[lo:hi]
		report(Progress{Table: kind, Total: len(part)})
		err := copyText(ctx, conn, `COPY catalog_items (hash, kind, item_id, content) FROM STDIN`, len(part), func(b []byte, i int) []byte {
			o := &st.opens[part[i]]
			b = appendBytea(b, o.hash[:])
			b = append(b, '\t')
			b = appendText(b, o.kind)
			b = append(b, '\t')
			b = appendText(b, o.id)
			b = append(b, '\t')
			return appendText(b, string(o.content))
		}, func(n int) { report(Progress{Table: kind, Rows: n, Total: len(part)}) })
		if err != nil {
			return fmt.Errorf("catalog_items: %w", err)
		}
		report(Progress{Table: kind, Rows: len(part), Total: len(part), Done: true})
		lo = hi
	}
	if empty {
		report(Progress{Table: "catalog_items index", Total: len(items)})
		const qAddItems = `
			SET LOCAL maintenance_work_mem = '256MB';
			ALTER TABLE catalog_items ADD CONSTRAINT catalog_items_pkey PRIMARY KEY (hash),
				ADD CONSTRAINT catalog_items_kind_fkey FOREIGN KEY (kind) REFERENCES item_kinds (kind)`
		if _, err := tx.ExecContext(ctx, qAddItems); err != nil {
			return err
		}
		report(Progress{Table: "catalog_items index", Rows: len(items), Total: len(items), Done: true})
	}
	report(Progress{Table: "item_versions", Total: len(st.opens)})
	revText := strconv.FormatInt(rev, 10)
	err := copyText(ctx, conn, `COPY item_versions (kind, item_id, position, hash, from_revision) FROM STDIN`, len(st.opens), func(b []byte, i int) []byte {
		o := &st.opens[i]
		b = appendText(b, o.kind)
		b = append(b, '\t')
		b = appendText(b, o.id)
		b = append(b, '\t')
		b = strconv.AppendInt(b, o.pos, 10)
		b = append(b, '\t')
		b = appendBytea(b, o.hash[:])
		b = append(b, '\t')
		return append(b, revText...)
	}, func(n int) { report(Progress{Table: "item_versions", Rows: n, Total: len(st.opens)}) })
	if err != nil {
		return fmt.Errorf("item_versions: %w", err)
	}
	report(Progress{Table: "item_versions", Rows: len(st.opens), Total: len(st.opens), Done: true})
	report(Progress{Table: "constraints"})
	const qAdd = `
		ALTER TABLE item_versions
			ADD CONSTRAINT item_versions_hash_fkey FOREIGN KEY (hash) REFERENCES catalog_items (hash),
			ADD CONSTRAINT item_versions_kind_fkey FOREIGN KEY (kind) REFERENCES item_kinds (kind),
			ADD CONSTRAINT item_versions_from_revision_fkey FOREIGN KEY (from_revision) REFERENCES catalog_revisions (id)`
	if _, err := tx.ExecContext(ctx, qAdd); err != nil {
		return err
	}
	report(Progress{Table: "constraints", Done: true})
	return nil
}

// knownItems marks in known the hashes of st's new content that
// catalog_items already holds, asking 50,000 at a time.
func knownItems(ctx context.Context, tx *sqlx.Tx, st staged, known map[[32]byte]bool) error {
	var batch pq.ByteaArray
	flush := func() error {
		var found pq.ByteaArray
		const q = `SELECT coalesce(array_agg(hash), '{}') FROM catalog_items WHERE hash = ANY($1)`
		if err := tx.QueryRowContext(ctx, q, batch).Scan(&found); err != nil {
			return err
		}
		for _, h := range found {
			known[[32]byte(h)] = true
		}
		batch = batch[:0]
		return nil
	}
	for i := range st.opens {
		if st.opens[i].content == nil {
			continue
		}
		batch = append(batch, st.opens[i].hash[:])
		if len(batch) == 50_000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// copyChunk is the number of rows encoded together: large enough that the
// hand-over costs nothing, small enough to keep a few in flight.
const copyChunk = 2_000

// copyData is what lib/pq's COPY statement offers for data already in COPY
// text format.
type copyData interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
	Exec(args []driver.Value) (driver.Result, error)
}

// copyText runs the COPY … FROM STDIN statement q on conn, sending n rows
// that encode appends (in COPY text format, without the newline). Rows are
// encoded in chunks on every processor and sent in order; sent is told the
// rows sent every progressEvery rows.
func copyText(ctx context.Context, conn *sqlx.Conn, q string, n int, encode func(b []byte, i int) []byte, sent func(n int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Chunks are encoded by workers and handed over in order: each job
	// carries the channel its chunk comes back on.
	workers := max(1, runtime.GOMAXPROCS(0))
	type job struct {
		lo, hi int
		out    chan string
	}
	jobs := make(chan job)
	queue := make(chan chan string, 2*workers)
	go func() {
		defer close(queue)
		defer close(jobs)
		for lo := 0; lo < n; lo += copyChunk {
			// A job goes to the workers before its channel is queued, so
			// every queued channel is answered.
			j := job{lo, min(n, lo+copyChunk), make(chan string, 1)}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
			select {
			case queue <- j.out:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			var b []byte
			for j := range jobs {
				b = b[:0]
				for i := j.lo; i < j.hi; i++ {
					if i > j.lo {
						b = append(b, '\n')
					}
					b = encode(b, i)
				}
				j.out <- string(b)
			}
		}()
	}
	return conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("the PostgreSQL driver cannot prepare COPY")
		}
		stmt, err := prep.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		cp, ok := stmt.(copyData)
		if !ok {
			return errors.New("the PostgreSQL driver does not take COPY data")
		}
		done, next := 0, progressEvery
		for out := range queue {
			chunk := <-out
			if _, err := cp.CopyData(ctx, chunk); err != nil {
				return err
			}
			done = min(n, done+copyChunk)
			if sent != nil && done >= next {
				sent(done)
				next += progressEvery
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err = cp.Exec(nil)
		return err
	})
}

// appendText appends s as a COPY text field.
func appendText(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\t\n\r") {
		return append(b, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b = append(b, '\\', '\\')
		case '\t':
			b = append(b, '\\', 't')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendBytea appends v as a COPY text bytea field (hex format).
func appendBytea(b []byte, v []byte) []byte {
	b = append(b, '\\', '\\', 'x')
	return hex.AppendEncode(b, v)
}
