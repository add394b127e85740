package postgres

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
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
//   - into an empty catalog_items, its primary key and foreign key are
//     dropped too and added back after the rows: building the unique index
//     once from sorted hashes costs a fraction of a million random
//     insertions, and of the write-ahead log they would write (a first
//     import takes importFirst instead, which does the same);
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
	report := reporter(progress)
	empty, err := noItems(ctx, tx)
	if err != nil {
		return err
	}
	if err := dropImportKeys(ctx, tx, empty); err != nil {
		return err
	}
	items, err := newContent(ctx, tx, st, empty)
	if err != nil {
		return err
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
		err := copyText(ctx, conn, qCopyItems, len(part), func(b []byte, i int) ([]byte, error) {
			o := &st.opens[part[i]]
			return appendItemRow(b, o.hash, o.kind, o.id, o.content), nil
		}, func(n int) { report(Progress{Table: kind, Rows: n, Total: len(part)}) })
		if err != nil {
			return fmt.Errorf("catalog_items: %w", err)
		}
		report(Progress{Table: kind, Rows: len(part), Total: len(part), Done: true})
		lo = hi
	}
	if empty {
		if err := addItemsKeys(ctx, tx, len(items), report); err != nil {
			return err
		}
	}
	err = copyVersions(ctx, conn, rev, len(st.opens), func(i int) (string, *entry) {
		o := &st.opens[i]
		return o.kind, &entry{id: o.id, hash: o.hash, pos: o.pos}
	}, report)
	if err != nil {
		return err
	}
	return addVersionsKeys(ctx, tx, report)
}

// importFirst stores next, the first catalog of a store without items, as
// a new revision by author and returns its manifest, its id and the number
// of item versions written. It writes as writeImport does into an empty
// catalog_items, except that items are put in canonical form, marshalled
// and hashed while they are sent (on every processor, in order), instead of
// all of them first: the server stores the items already sent while the
// next are being prepared, and the canonical JSON of a million items is
// never held at once. So there is no "prepare" phase: each kind's phase
// includes it. next must be the caller's own, as for plan.
//
// Items of one kind have distinct ids, which their content holds, so their
// hashes are distinct: catalog_items' primary key, built after the rows,
// would refuse the import otherwise.
func importFirst(ctx context.Context, conn *sqlx.Conn, tx *sqlx.Tx, next *catalog.Snapshot, author, comment string, progress func(Progress)) (manifest, int64, int, error) {
	report := reporter(progress)
	if err := dropImportKeys(ctx, tx, true); err != nil {
		return nil, 0, 0, err
	}
	man := make(manifest, len(catalog.ItemKinds))
	total := 0
	for ki, k := range catalog.ItemKinds {
		k.Form(next)
		name, n := k.Name(), k.Len(next)
		es := make([]entry, n)
		if n > 0 {
			report(Progress{Table: name, Total: n})
			err := copyText(ctx, conn, qCopyItems, n, func(b []byte, j int) ([]byte, error) {
				e := &es[j]
				e.id = k.ID(next, j)
				content, err := k.CanonicalJSON(next, j)
				if err != nil {
					return b, fmt.Errorf("%s %q: %w", name, e.id, err)
				}
				k.Canonicalize(next, j)
				e.hash = itemHash(name, content)
				return appendItemRow(b, e.hash, name, e.id, content), nil
			}, func(rows int) { report(Progress{Table: name, Rows: rows, Total: n}) })
			if err != nil {
				return nil, 0, 0, fmt.Errorf("catalog_items: %w", err)
			}
			report(Progress{Table: name, Rows: n, Total: n, Done: true})
		}
		oldAt := make([]int, n)
		for j := range oldAt {
			oldAt[j] = -1
		}
		man[ki] = pointers(es)
		place(man[ki], oldAt, nil)
		total += n
	}
	id, err := newRevision(ctx, tx, author, comment, man.contentHash())
	if err != nil {
		return nil, 0, 0, err
	}
	if err := addItemsKeys(ctx, tx, total, report); err != nil {
		return nil, 0, 0, err
	}
	// Item versions in manifest order: kind by kind, each in catalog order.
	starts := make([]int, len(man)+1)
	for ki, es := range man {
		starts[ki+1] = starts[ki] + len(es)
	}
	err = copyVersions(ctx, conn, id, total, func(i int) (string, *entry) {
		ki := sort.SearchInts(starts, i+1) - 1
		return catalog.ItemKinds[ki].Name(), man[ki][i-starts[ki]]
	}, report)
	if err != nil {
		return nil, 0, 0, err
	}
	if err := addVersionsKeys(ctx, tx, report); err != nil {
		return nil, 0, 0, err
	}
	return man, id, total, nil
}

// reporter returns a function that passes progress to fn, if any.
func reporter(fn func(Progress)) func(Progress) {
	return func(p Progress) {
		if fn != nil {
			fn(p)
		}
	}
}

// noItems reports whether catalog_items is empty.
func noItems(ctx context.Context, tx *sqlx.Tx) (bool, error) {
	var empty bool
	err := tx.GetContext(ctx, &empty, `SELECT NOT EXISTS (SELECT 1 FROM catalog_items)`)
	return empty, notMigrated(err)
}

// dropImportKeys drops the foreign keys of item_versions and, if items is
// set, catalog_items' primary and foreign key, for addItemsKeys and
// addVersionsKeys to add back before the transaction commits.
func dropImportKeys(ctx context.Context, tx *sqlx.Tx, items bool) error {
	const qDrop = `
		ALTER TABLE item_versions DROP CONSTRAINT item_versions_hash_fkey,
			DROP CONSTRAINT item_versions_kind_fkey, DROP CONSTRAINT item_versions_from_revision_fkey`
	if _, err := tx.ExecContext(ctx, qDrop); err != nil {
		return err
	}
	if !items {
		return nil
	}
	const qDropItems = `ALTER TABLE catalog_items DROP CONSTRAINT catalog_items_pkey, DROP CONSTRAINT catalog_items_kind_fkey`
	_, err := tx.ExecContext(ctx, qDropItems)
	return err
}

// qCopyItems takes rows that appendItemRow encodes.
const qCopyItems = `COPY catalog_items (hash, kind, item_id, content) FROM STDIN`

// appendItemRow appends a catalog_items row for qCopyItems.
func appendItemRow(b []byte, hash [32]byte, kind, id string, content []byte) []byte {
	b = appendBytea(b, hash[:])
	b = append(b, '\t')
	b = appendText(b, kind)
	b = append(b, '\t')
	b = appendText(b, id)
	b = append(b, '\t')
	return appendText(b, unsafe.String(unsafe.SliceData(content), len(content))) // read only
}

// addItemsKeys adds back catalog_items' primary key (n rows) and foreign
// key, the phase "catalog_items index".
func addItemsKeys(ctx context.Context, tx *sqlx.Tx, n int, report func(Progress)) error {
	report(Progress{Table: "catalog_items index", Total: n})
	const qAddItems = `
		SET LOCAL maintenance_work_mem = '256MB';
		ALTER TABLE catalog_items ADD CONSTRAINT catalog_items_pkey PRIMARY KEY (hash),
			ADD CONSTRAINT catalog_items_kind_fkey FOREIGN KEY (kind) REFERENCES item_kinds (kind)`
	if _, err := tx.ExecContext(ctx, qAddItems); err != nil {
		return err
	}
	report(Progress{Table: "catalog_items index", Rows: n, Total: n, Done: true})
	return nil
}

// copyVersions copies n item versions of revision rev, row(i) giving the
// kind and entry of the i-th, the phase "item_versions".
func copyVersions(ctx context.Context, conn *sqlx.Conn, rev int64, n int, row func(i int) (string, *entry), report func(Progress)) error {
	report(Progress{Table: "item_versions", Total: n})
	revText := strconv.FormatInt(rev, 10)
	err := copyText(ctx, conn, `COPY item_versions (kind, item_id, position, hash, from_revision) FROM STDIN`, n, func(b []byte, i int) ([]byte, error) {
		kind, e := row(i)
		b = appendText(b, kind)
		b = append(b, '\t')
		b = appendText(b, e.id)
		b = append(b, '\t')
		b = strconv.AppendInt(b, e.pos, 10)
		b = append(b, '\t')
		b = appendBytea(b, e.hash[:])
		b = append(b, '\t')
		return append(b, revText...), nil
	}, func(rows int) { report(Progress{Table: "item_versions", Rows: rows, Total: n}) })
	if err != nil {
		return fmt.Errorf("item_versions: %w", err)
	}
	report(Progress{Table: "item_versions", Rows: n, Total: n, Done: true})
	return nil
}

// addVersionsKeys adds back item_versions' foreign keys, checking every
// row, the phase "constraints".
func addVersionsKeys(ctx context.Context, tx *sqlx.Tx, report func(Progress)) error {
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

// newContent returns the indexes in st.opens of the content to store: each
// distinct content once, unless catalog_items (empty: known to be empty)
// already holds it (content of an older revision is not sent again).
func newContent(ctx context.Context, tx *sqlx.Tx, st staged, empty bool) ([]int, error) {
	known := map[[32]byte]bool{}
	if !empty {
		if err := knownItems(ctx, tx, st, known); err != nil {
			return nil, err
		}
	}
	var items []int
	for i, o := range st.opens {
		if o.content != nil && !known[o.hash] {
			known[o.hash] = true
			items = append(items, i)
		}
	}
	return items, nil
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
// hand-over costs nothing, small enough to keep a few in flight. A
// variable for tests.
var copyChunk = 2_000

// copyData is what lib/pq's COPY statement offers for data already in COPY
// text format.
type copyData interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
	Exec(args []driver.Value) (driver.Result, error)
}

// copyText runs the COPY … FROM STDIN statement q on conn, sending n rows
// that encode appends (in COPY text format, without the newline). Rows are
// encoded in chunks on every processor and sent in order; sent is told the
// rows sent every progressEvery rows. The first error of encode ends the
// COPY with it. copyText returns once no encode runs any more.
func copyText(ctx context.Context, conn *sqlx.Conn, q string, n int, encode func(b []byte, i int) ([]byte, error), sent func(n int)) error {
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: no encode outlives the call
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Chunks are encoded by workers and handed over in order: each job
	// carries the channel its chunk comes back on. Chunk buffers go round
	// through free once sent.
	workers := max(1, runtime.GOMAXPROCS(0))
	type chunk struct {
		b   []byte
		err error
	}
	type job struct {
		lo, hi int
		out    chan chunk
	}
	jobs := make(chan job)
	queue := make(chan chan chunk, 2*workers)
	free := make(chan []byte, 3*workers+1)
	wg.Go(func() {
		defer close(queue)
		defer close(jobs)
		for lo := 0; lo < n; lo += copyChunk {
			// A job goes to the workers before its channel is queued, so
			// every queued channel is answered.
			j := job{lo, min(n, lo+copyChunk), make(chan chunk, 1)}
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
	})
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				var b []byte
				select {
				case b = <-free:
				default:
				}
				b = b[:0]
				var err error
				for i := j.lo; i < j.hi && err == nil && ctx.Err() == nil; i++ {
					if i > j.lo {
						b = append(b, '\n')
					}
					b, err = encode(b, i)
				}
				j.out <- chunk{b, err}
			}
		})
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
			c := <-out
			if c.err != nil {
				return c.err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			// lib/pq copies the data into its own buffer before CopyData
			// returns, so the chunk's buffer is lent, not copied, and
			// reused after.
			if _, err := cp.CopyData(ctx, unsafe.String(unsafe.SliceData(c.b), len(c.b))); err != nil {
				return err
			}
			select {
			case free <- c.b:
			default:
			}
			done = min(n, done+copyChunk)
			if sent != nil && done >= next {
				sent(done)
				next += progressEvery
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
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\t') < 0 &&
		strings.IndexByte(s, '\n') < 0 && strings.IndexByte(s, '\r') < 0 {
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
