package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/acucover/acucover/internal/catalog"
)

// gap is the distance between the positions of consecutive items when a
// list is numbered afresh: an item inserted between two others takes the
// middle, so about 60 insertions at one place fit before a renumbering.
const gap = 1 << 32

// entry is one item of a revision as stored: its id, the hash of its kind
// and content, and its place in its list.
type entry struct {
	id   string
	hash [32]byte
	pos  int64
}

// manifest lists a revision's entries per kind (catalog.ItemKinds order),
// each list in catalog order. An entry is never changed once in a
// manifest, so revisions share the entries of the items an edit left
// where they were (a million entries are 56 MB).
type manifest [][]*entry

// pointers returns pointers to the entries of es, in order.
func pointers(es []entry) []*entry {
	out := make([]*entry, len(es))
	for i := range es {
		out[i] = &es[i]
	}
	return out
}

// state is a revision held in memory: its snapshot, whose lists are
// aligned with its manifest. A state is never changed once made: the
// snapshot may be served by a catalog.Store.
type state struct {
	rev  int64
	snap *catalog.Snapshot
	man  manifest
	// ix is snap's Index, when an Edit built it; base is an Index of an
	// earlier revision (held weakly), for catalog.BuildFrom to start from.
	ix   *catalog.Index
	base weak.Pointer[catalog.Index]
}

// index returns an Index of s's snapshot: ix, or one built from base (or
// from an Index recently built of the same lists), or else built whole.
func (s *state) index() (*catalog.Index, error) {
	if s.ix != nil {
		return s.ix, nil
	}
	return catalog.BuildFrom(s.base.Value(), s.snap)
}

// itemHash is the content address of an item: the SHA-256 of its kind and
// canonical JSON.
func itemHash(kind string, content []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write(content)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// contentHash is a revision's content hash: the SHA-256 of its item hashes
// in catalog order, kind by kind. Equal catalogs (catalog.Canonical) hash
// equal; it costs 32 bytes an item, not a marshalling of the catalog.
func (m manifest) contentHash() string {
	h := sha256.New()
	for k, es := range m {
		fmt.Fprintf(h, "%s:%d\n", catalog.ItemKinds[k].Name(), len(es))
		for _, e := range es {
			h.Write(e.hash[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// staged is what storing a new revision writes: item versions that end
// (closes) and begin (opens, with the content of items not known to be
// stored).
type staged struct {
	closes []closeRow
	opens  []openRow
}

type closeRow struct{ kind, id string }

type openRow struct {
	kind, id string
	pos      int64
	hash     [32]byte
	content  []byte // nil: the item is already stored
}

// plan compares next with prev (nil: nothing stored yet) and returns
// next's manifest, the rows to write and the changes by id. Items of next
// that are byte for byte those of prev are not marshalled again, so an edit
// of one item of a million costs a pass over memory, not a million
// marshallings. Items of next that change are put in canonical form in
// place: next must be the caller's own. The changes are listed only if
// listChanges is set (an edit audits them; an import does not, and each
// holds a copy of its item).
func plan(prev *state, next *catalog.Snapshot, listChanges bool) (manifest, staged, []catalog.Change, error) {
	man := make(manifest, len(catalog.ItemKinds))
	var st staged
	var changes []catalog.Change
	total := 0
	for _, k := range catalog.ItemKinds {
		total += k.Len(next)
	}
	if prev == nil {
		st.opens = make([]openRow, 0, total) // every item begins a version
	}
	empty := &catalog.Snapshot{}
	for ki, k := range catalog.ItemKinds {
		k.Form(next)
		old, olds := []*entry(nil), empty
		if prev != nil {
			old = prev.man[ki]
			if prev.snap != nil {
				olds = prev.snap
			}
		}
		before := func(i int) any {
			if olds == empty {
				return nil
			}
			return k.Item(olds, i)
		}
		n := k.Len(next)
		es := make([]*entry, n) // old's entries, or for the items in marshal nil for now
		oldAt := make([]int, n) // index in old, or -1
		// find is the index in old of id, or -1: for the first few,
		// from the Index prev holds (an edit's: a rule added or removed
		// costs a scan of pointers), then from a map of old's ids.
		var byID map[string]int
		looked := 0
		find := func(id string) int {
			if prev.ix != nil && olds != empty && looked < 64 {
				looked++
				return prev.ix.Position(olds, k.Name(), id)
			}
			if byID == nil {
				byID = make(map[string]int, len(old))
				for i, e := range old {
					byID[e.id] = i
				}
			}
			if i, ok := byID[id]; ok {
				return i
			}
			return -1
		}
		var marshal []int // items of next to marshal and hash
		// An item of next that is prev's item shift places on (as far
		// as the last item found) is taken as it is, without reading
		// it: an edit's list holds the head's very items.
		shift, kept := 0, min(len(old), k.Len(olds))
		for j := range n {
			if oi := j + shift; oi >= 0 && oi < kept && k.Same(olds, oi, next, j) {
				es[j], oldAt[j] = old[oi], oi
				continue
			}
			id := k.ID(next, j)
			oi := -1
			if g := j + shift; g >= 0 && g < len(old) && old[g].id == id {
				oi = g
			} else if len(old) > 0 {
				oi = find(id)
			}
			if oi >= 0 {
				shift = oi - j
			}
			oldAt[j] = oi
			if oi >= 0 && olds != empty && k.Same(olds, oi, next, j) {
				es[j] = old[oi]
				continue
			}
			marshal = append(marshal, j)
		}
		fresh := make([]entry, len(marshal)) // the entries of the items in marshal
		for i, j := range marshal {
			fresh[i].id = k.ID(next, j)
			es[j] = &fresh[i]
		}
		contents := make([][]byte, len(marshal)) // of marshal[i]: new content to store
		if err := parallel(len(marshal), func(i int) error {
			j := marshal[i]
			b, err := k.CanonicalJSON(next, j)
			if err != nil {
				return err
			}
			k.Canonicalize(next, j)
			es[j].hash = itemHash(k.Name(), b)
			contents[i] = b
			return nil
		}); err != nil {
			return nil, staged{}, nil, err
		}
		for i, j := range marshal {
			switch oi := oldAt[j]; {
			case oi < 0:
				if listChanges {
					changes = append(changes, catalog.Change{Kind: k.Name(), ID: es[j].id, Action: catalog.Create, After: k.Item(next, j)})
				}
			case es[j].hash != old[oi].hash:
				if listChanges {
					changes = append(changes, catalog.Change{Kind: k.Name(), ID: es[j].id, Action: catalog.Update, Before: before(oi), After: k.Item(next, j)})
				}
			default:
				contents[i] = nil // equal, not the same bytes: nothing to store
			}
		}
		place(es, oldAt, old)
		// Deletions, then versions that end because their content or
		// place changed, then versions that begin.
		alive := make([]bool, len(old))
		for _, oi := range oldAt {
			if oi >= 0 {
				alive[oi] = true
			}
		}
		for i, e := range old {
			if !alive[i] {
				st.closes = append(st.closes, closeRow{k.Name(), e.id})
				if listChanges {
					changes = append(changes, catalog.Change{Kind: k.Name(), ID: e.id, Action: catalog.Delete, Before: before(i)})
				}
			}
		}
		m := 0 // marshal[m] is the first marshalled item at j or after
		for j, oi := range oldAt {
			if oi >= 0 && es[j].hash == old[oi].hash && es[j].pos == old[oi].pos {
				continue
			}
			if oi >= 0 {
				st.closes = append(st.closes, closeRow{k.Name(), es[j].id})
			}
			for m < len(marshal) && marshal[m] < j {
				m++
			}
			var content []byte // nil: stored already (an item that only moved)
			if m < len(marshal) && marshal[m] == j {
				content = contents[m]
			}
			st.opens = append(st.opens, openRow{kind: k.Name(), id: es[j].id, pos: es[j].pos, hash: es[j].hash, content: content})
		}
		man[ki] = es
	}
	return man, st, changes, nil
}

// parallel runs fn(0) … fn(n-1) on every processor (each call must touch
// only its own data) and returns the first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/1000))
	var next atomic.Int64
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || errs[w] != nil {
					return
				}
				errs[w] = fn(i)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// place gives es positions: an item that was stored keeps its position
// while positions still increase, and the others take evenly spaced
// positions between their neighbours, so appending, replacing or removing
// an item moves no other. If there is no room left, the list is numbered
// afresh. An entry of old's that takes another position is copied first:
// old's entries are never changed.
func place(es []*entry, oldAt []int, old []*entry) {
	setPos := func(j int, pos int64) {
		if oi := oldAt[j]; oi >= 0 && es[j] == old[oi] {
			if es[j].pos == pos {
				return
			}
			e := *es[j]
			es[j] = &e
		}
		es[j].pos = pos
	}
	kept := make([]bool, len(es)) // keeps its stored position
	started := false
	last := int64(0)
	for j := range es {
		if oi := oldAt[j]; oi >= 0 && (!started || old[oi].pos > last) {
			setPos(j, old[oi].pos)
			kept[j], started, last = true, true, old[oi].pos
		}
	}
	for j := 0; j < len(es); {
		if kept[j] {
			j++
			continue
		}
		end := j
		for end < len(es) && !kept[end] {
			end++
		}
		lo := int64(0)
		if j > 0 {
			lo = es[j-1].pos
		}
		var hi int64
		if end < len(es) {
			hi = es[end].pos
		} else {
			hi = lo + int64(end-j+1)*gap
		}
		step := (hi - lo) / int64(end-j+1)
		if step < 1 {
			for i := range es {
				setPos(i, int64(i+1)*gap)
			}
			return
		}
		for i := j; i < end; i++ {
			setPos(i, lo+int64(i-j+1)*step)
		}
		j = end
	}
}

// write stores st as revision rev in tx: it ends the versions in closes
// and begins those in opens, storing content not yet stored. Rows go
// through temporary tables with COPY, so a whole catalog costs what a
// single edit does per row.
func write(ctx context.Context, tx *sqlx.Tx, rev int64, st staged, progress func(Progress)) error {
	const qTemp = `
		CREATE TEMP TABLE IF NOT EXISTS acucover_close (kind text, item_id text) ON COMMIT DROP;
		CREATE TEMP TABLE IF NOT EXISTS acucover_open (kind text, item_id text, position bigint, hash bytea, content text) ON COMMIT DROP;
		TRUNCATE acucover_close, acucover_open`
	if _, err := tx.ExecContext(ctx, qTemp); err != nil {
		return err
	}
	if len(st.closes) > 0 {
		err := copyRows(ctx, tx, "acucover_close", pq.CopyIn("acucover_close", "kind", "item_id"), len(st.closes), func(i int) []any {
			return []any{st.closes[i].kind, st.closes[i].id}
		}, nil)
		if err != nil {
			return err
		}
		const qClose = `
			UPDATE item_versions v SET to_revision = $1
			FROM acucover_close c
			WHERE v.kind = c.kind AND v.item_id = c.item_id AND v.to_revision IS NULL`
		if _, err := tx.ExecContext(ctx, qClose, rev); err != nil {
			return fmt.Errorf("end item versions: %w", err)
		}
	}
	if len(st.opens) == 0 {
		return nil
	}
	if len(st.opens) >= bulkAt {
		return writeBulk(ctx, tx, rev, st, progress)
	}
	// One COPY for every kind; progress names the kind being sent.
	counts := map[string]int{}
	for _, o := range st.opens {
		counts[o.kind]++
	}
	sent := 0
	err := copyRows(ctx, tx, "items", pq.CopyIn("acucover_open", "kind", "item_id", "position", "hash", "content"), len(st.opens), func(i int) []any {
		o := &st.opens[i]
		if progress != nil {
			if i > 0 && st.opens[i-1].kind != o.kind {
				progress(Progress{Table: st.opens[i-1].kind, Rows: sent, Total: sent, Done: true})
				sent = 0
			}
			sent++
			if sent%progressEvery == 0 {
				progress(Progress{Table: o.kind, Rows: sent, Total: counts[o.kind]})
			}
		}
		var content any
		if o.content != nil {
			content = string(o.content) // text: lib/pq sends []byte as bytea
		}
		return []any{o.kind, o.id, o.pos, o.hash[:], content}
	}, nil)
	if err != nil {
		return err
	}
	if progress != nil {
		progress(Progress{Table: st.opens[len(st.opens)-1].kind, Rows: sent, Total: sent, Done: true})
	}
	report := func(phase string) {
		if progress != nil {
			progress(Progress{Table: phase, Rows: len(st.opens), Done: true})
		}
	}
	const qItems = `
		INSERT INTO catalog_items (hash, kind, item_id, content)
		SELECT hash, kind, item_id, content::json FROM acucover_open WHERE content IS NOT NULL
		ON CONFLICT (hash) DO NOTHING`
	if _, err := tx.ExecContext(ctx, qItems); err != nil {
		return fmt.Errorf("store items: %w", err)
	}
	report("catalog_items")
	const qVersions = `
		INSERT INTO item_versions (kind, item_id, position, hash, from_revision)
		SELECT kind, item_id, position, hash, $1 FROM acucover_open`
	if _, err := tx.ExecContext(ctx, qVersions, rev); err != nil {
		return fmt.Errorf("store item versions: %w", err)
	}
	report("item_versions")
	return nil
}

// writeBulk is write for many new versions where only a transaction is at
// hand: an edit or restore of many items, or migration 0003's conversion
// (an import takes writeImport, which also encodes rows on every
// processor). Rows are copied straight into catalog_items (only content
// not stored yet) and item_versions, without a temporary table, and
// foreign keys are checked once per table: triggers checking them row by
// row would cost more than the rows. The constraints are dropped inside the
// transaction and added back before it commits, which checks every row in
// one join; nothing commits unchecked. (The drop locks item_versions until
// commit: replicas keep serving the catalog they hold.)
func writeBulk(ctx context.Context, tx *sqlx.Tx, rev int64, st staged, progress func(Progress)) error {
	if err := dropImportKeys(ctx, tx, false); err != nil {
		return err
	}
	empty, err := noItems(ctx, tx)
	if err != nil {
		return err
	}
	items, err := newContent(ctx, tx, st, empty)
	if err != nil {
		return err
	}
	sent := 0
	err = copyRows(ctx, tx, "catalog_items", pq.CopyIn("catalog_items", "hash", "kind", "item_id", "content"), len(items), func(i int) []any {
		o := &st.opens[items[i]]
		if progress != nil {
			if i > 0 && st.opens[items[i-1]].kind != o.kind {
				progress(Progress{Table: st.opens[items[i-1]].kind, Rows: sent, Total: sent, Done: true})
				sent = 0
			}
			if sent++; sent%progressEvery == 0 {
				progress(Progress{Table: o.kind, Rows: sent})
			}
		}
		return []any{o.hash[:], o.kind, o.id, string(o.content)}
	}, nil)
	if err != nil {
		return err
	}
	if progress != nil && len(items) > 0 {
		progress(Progress{Table: st.opens[items[len(items)-1]].kind, Rows: sent, Total: sent, Done: true})
		progress(Progress{Table: "catalog_items", Rows: len(items), Total: len(items), Done: true})
	}
	err = copyRows(ctx, tx, "item_versions", pq.CopyIn("item_versions", "kind", "item_id", "position", "hash", "from_revision"), len(st.opens), func(i int) []any {
		o := &st.opens[i]
		return []any{o.kind, o.id, o.pos, o.hash[:], rev}
	}, progress)
	if err != nil {
		return err
	}
	return addVersionsKeys(ctx, tx, reporter(progress))
}

// bulkAt is the number of new item versions from which write checks
// foreign keys once for the table instead of row by row.
var bulkAt = 50_000

// copyRows sends n rows to the COPY statement q, reporting progress every
// progressEvery rows as table.
func copyRows(ctx context.Context, tx *sqlx.Tx, table, q string, n int, row func(i int) []any, progress func(Progress)) error {
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	defer stmt.Close()
	for i := range n {
		if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if progress != nil && (i+1)%progressEvery == 0 {
			progress(Progress{Table: table, Rows: i + 1, Total: n})
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	if progress != nil {
		progress(Progress{Table: table, Rows: n, Total: n, Done: true})
	}
	return nil
}

// loadState reads revision rev whole. head says rev is the head revision,
// whose versions are the open ones.
func loadState(ctx context.Context, tx *sqlx.Tx, rev int64, head bool) (*state, error) {
	q := `
		SELECT v.kind, v.item_id, v.position, v.hash, i.content
		FROM item_versions v JOIN catalog_items i ON i.hash = v.hash
		WHERE v.from_revision <= $1 AND (v.to_revision IS NULL OR v.to_revision > $1)`
	if head {
		q = `
		SELECT v.kind, v.item_id, v.position, v.hash, i.content
		FROM item_versions v JOIN catalog_items i ON i.hash = v.hash
		WHERE v.to_revision IS NULL AND $1::bigint IS NOT NULL`
	}
	read := make([][]entry, len(catalog.ItemKinds))
	// Items are decoded on every processor while the rows arrive.
	items := catalog.NewItemReader()
	defer items.Close()
	err := eachVersion(ctx, tx, q, []any{rev}, func(ki int, e entry, content []byte) error {
		read[ki] = append(read[ki], e)
		items.Add(ki, content)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Rows come in no particular order: each list is put in the order of
	// its positions as the decoded items are gathered.
	orders := make([][]int, len(catalog.ItemKinds))
	man := make(manifest, len(read))
	for ki, es := range read {
		order := make([]int, len(es))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return es[order[a]].pos < es[order[b]].pos })
		sorted := make([]entry, len(es))
		for i, o := range order {
			sorted[i] = es[o]
		}
		man[ki], orders[ki] = pointers(sorted), order
	}
	s, err := items.Snapshot(orders)
	var ie *catalog.ItemError
	if errors.As(err, &ie) {
		// ie.Index counts the items as they were added, orders maps the
		// lists' places to it.
		id := "?"
		for i, o := range orders[ie.Kind] {
			if o == ie.Index {
				id = man[ie.Kind][i].id
			}
		}
		return nil, fmt.Errorf("%s %q: %w", catalog.ItemKinds[ie.Kind].Name(), id, ie.Err)
	}
	if err != nil {
		return nil, err
	}
	s.Revision = strconv.FormatInt(rev, 10)
	for _, k := range catalog.ItemKinds {
		k.Form(s)
	}
	return &state{rev: rev, snap: s, man: man}, nil
}

// eachVersion runs q and calls fn for every row of (kind, item_id,
// position, hash, content).
func eachVersion(ctx context.Context, tx *sqlx.Tx, q string, args []any, fn func(ki int, e entry, content []byte) error) error {
	kinds := map[string]int{}
	for i, k := range catalog.ItemKinds {
		kinds[k.Name()] = i
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return notMigrated(err)
	}
	defer rows.Close()
	var kind string
	var e entry
	var hash, content []byte
	for rows.Next() {
		if err := rows.Scan(&kind, &e.id, &e.pos, &hash, &content); err != nil {
			return err
		}
		ki, ok := kinds[kind]
		if !ok {
			return fmt.Errorf("the database holds items of kind %q, which this version of acucover does not know: upgrade it", kind)
		}
		copy(e.hash[:], hash)
		if err := fn(ki, e, content); err != nil {
			return fmt.Errorf("%s %q: %w", kind, e.id, err)
		}
	}
	return rows.Err()
}

// advance returns the state of revision rev, later or earlier than from's,
// by reading only the versions that began or ended in between and applying
// them to from: lists of kinds without changes, and unchanged items, are
// shared with from (so an edit that restores rev finds them untouched).
func advance(ctx context.Context, tx *sqlx.Tx, from *state, rev int64) (*state, error) {
	type goneItem struct {
		id  string
		pos int64
	}
	gone := make([][]goneItem, len(catalog.ItemKinds))
	// Forward, versions alive at from that ended by rev go, and versions
	// born after from and alive at rev come. Backward (rev older than
	// from), versions born after rev and alive at from go, and versions
	// alive at rev that ended by from come back.
	qGone := `
		SELECT kind, item_id, position FROM item_versions
		WHERE to_revision > $1 AND to_revision <= $2 AND from_revision <= $1`
	qCome := `
		SELECT v.kind, v.item_id, v.position, v.hash, i.content
		FROM item_versions v JOIN catalog_items i ON i.hash = v.hash
		WHERE v.from_revision > $1 AND v.from_revision <= $2 AND (v.to_revision IS NULL OR v.to_revision > $2)`
	if rev < from.rev {
		qGone = `
		SELECT kind, item_id, position FROM item_versions
		WHERE from_revision > $2 AND from_revision <= $1 AND (to_revision IS NULL OR to_revision > $1)`
		qCome = `
		SELECT v.kind, v.item_id, v.position, v.hash, i.content
		FROM item_versions v JOIN catalog_items i ON i.hash = v.hash
		WHERE v.from_revision <= $2 AND v.to_revision > $2 AND v.to_revision <= $1`
	}
	rows, err := tx.QueryContext(ctx, qGone, from.rev, rev)
	if err != nil {
		return nil, notMigrated(err)
	}
	idx := map[string]int{}
	for i, k := range catalog.ItemKinds {
		idx[k.Name()] = i
	}
	for rows.Next() {
		var kind string
		var g goneItem
		if err := rows.Scan(&kind, &g.id, &g.pos); err != nil {
			rows.Close()
			return nil, err
		}
		ki, ok := idx[kind]
		if !ok {
			rows.Close()
			return nil, fmt.Errorf("unknown item kind %q", kind)
		}
		gone[ki] = append(gone[ki], g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	type born struct {
		e       entry
		content []byte
	}
	added := make([][]born, len(catalog.ItemKinds))
	err = eachVersion(ctx, tx, qCome, []any{from.rev, rev}, func(ki int, e entry, content []byte) error {
		added[ki] = append(added[ki], born{e, slices.Clone(content)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := *from.snap
	s.Revision = strconv.FormatInt(rev, 10)
	man := slices.Clone(from.man)
	for ki, k := range catalog.ItemKinds {
		if len(gone[ki]) == 0 && len(added[ki]) == 0 {
			continue
		}
		slices.SortFunc(added[ki], func(a, b born) int { return cmpInt(a.e.pos, b.e.pos) })
		old := from.man[ki]
		// The items that go, found by their position (old is in
		// position order): a million entries are not looked up by id.
		skip := make([]int, 0, len(gone[ki])+1)
		for _, g := range gone[ki] {
			i, ok := slices.BinarySearchFunc(old, g.pos, func(e *entry, pos int64) int { return cmpInt(e.pos, pos) })
			if !ok || old[i].id != g.id {
				return nil, fmt.Errorf("%s %q, ended after revision %d, is not at its position %d in it", k.Name(), g.id, from.rev, g.pos)
			}
			skip = append(skip, i)
		}
		slices.Sort(skip)
		skip = append(skip, len(old))
		es := make([]*entry, 0, len(old)+len(added[ki]))
		var parts []catalog.Part
		bs := added[ki]
		// Each new entry is its own (an entry in bs would keep its
		// content alive with it).
		come := func(b *born) {
			e := b.e
			es = append(es, &e)
			parts = append(parts, catalog.Part{Old: -1, JSON: b.content})
		}
		// The kept items go in runs, between the items that go and
		// before each item that comes.
		a := 0
		for _, end := range skip {
			for a < end {
				for len(bs) > 0 && bs[0].e.pos < old[a].pos {
					come(&bs[0])
					bs = bs[1:]
				}
				b := end
				if len(bs) > 0 {
					b = a + sort.Search(end-a, func(x int) bool { return old[a+x].pos > bs[0].e.pos })
				}
				es = append(es, old[a:b]...)
				parts = append(parts, catalog.Part{Old: a, N: b - a})
				a = b
			}
			a = end + 1
		}
		for i := range bs {
			come(&bs[i])
		}
		if err := k.Splice(&s, from.snap, parts); err != nil {
			return nil, err
		}
		man[ki] = es
	}
	next := &state{rev: rev, snap: &s, man: man, base: from.base}
	if from.ix != nil {
		next.base = weak.Make(from.ix)
	}
	return next, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// headState returns the state of revision rev, the head revision as read
// in tx: the one held if it is rev, else the one held advanced to rev, else
// read whole. The result is held for the next call.
func (db *DB) headState(ctx context.Context, tx *sqlx.Tx, rev int64) (*state, error) {
	db.loadMu.Lock()
	defer db.loadMu.Unlock()
	cur := db.held.Load()
	switch {
	case cur != nil && cur.rev == rev:
		return cur, nil
	case cur != nil && cur.rev < rev:
		next, err := advance(ctx, tx, cur, rev)
		if err != nil {
			return nil, err
		}
		db.hold(next)
		return next, nil
	}
	next, err := loadState(ctx, tx, rev, true)
	if err != nil {
		return nil, err
	}
	db.hold(next)
	return next, nil
}

// hold keeps s as the state to start from, unless a later one is held.
func (db *DB) hold(s *state) {
	for {
		cur := db.held.Load()
		if cur != nil && cur.rev > s.rev {
			return
		}
		if db.held.CompareAndSwap(cur, s) {
			return
		}
	}
}
