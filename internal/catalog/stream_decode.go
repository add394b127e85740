package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"unsafe"

	"gopkg.in/yaml.v3"
)

// A document's items are decoded on every processor: the reader splits the
// text into items (cheap: a scan) and hands them over in batches; the
// batches come back decoded and shared (see sharer: one for the whole
// document, so repeated strings and lists die with the batch that read
// them), in order, and each list is made once, at its final size, from
// them.

// batchItems is the number of items decoded together.
const batchItems = 512

// batch is a run of one kind's items to decode: the items' text, one after
// another, each ending at ends[i].
type batch struct {
	kind   streamKind
	yaml   bool // YAML list items, else JSON values
	stored bool // JSON a store wrote (see ItemReader), else a document's
	text   []byte
	ends   []int
	out    chan decoded
}

// decoded is a batch's items ([]T), or the error of its first item that
// does not decode (at index bad).
type decoded struct {
	items any
	bad   int
	err   error
}

// decoders runs workers that decode batches, until closed.
type decoders struct {
	jobs chan *batch
	sh   *sharer
	// texts holds the text of decoded batches (nothing decoded refers to
	// it) for the next batches to reuse.
	texts chan []byte
}

func newDecoders() *decoders {
	workers := max(1, runtime.GOMAXPROCS(0))
	d := &decoders{jobs: make(chan *batch), sh: newSharer(), texts: make(chan []byte, 2*workers)}
	for range workers {
		go func() {
			for b := range d.jobs {
				decode := b.kind.decodeBatch
				switch {
				case b.yaml:
					decode = b.kind.decodeYAMLBatch
				case b.stored:
					decode = b.kind.decodeStoredBatch
				}
				items, bad, err := decode(b.text, b.ends)
				if err == nil {
					b.kind.shareBatch(d.sh, items)
				}
				select {
				case d.texts <- b.text[:0]:
				default:
				}
				b.text = nil
				b.out <- decoded{items, bad, err}
			}
		}()
	}
	return d
}

func (d *decoders) close() { close(d.jobs) }

// list collects one list's batches in order while they decode.
type list struct {
	d       *decoders
	kind    streamKind
	yaml    bool
	stored  bool
	cur     *batch
	pending []*batch
	done    []any
	size    int // the text of the last full batch, in bytes
}

// text returns the batch text that the next item's text is to be appended
// to, then passed to added; itemSize is the size expected of items (0 if
// not known).
func (l *list) text(itemSize int) []byte {
	if l.cur == nil {
		// Room for a batch like the last one, or for items like the
		// first one.
		size := l.size + l.size/8
		if size == 0 {
			size = batchItems * max(itemSize+itemSize/2, 256)
		}
		l.cur = &batch{kind: l.kind, yaml: l.yaml, stored: l.stored, out: make(chan decoded, 1), ends: make([]int, 0, batchItems)}
		select {
		case t := <-l.d.texts:
			if cap(t) >= size {
				l.cur.text = t
			}
		default:
		}
		if l.cur.text == nil {
			l.cur.text = make([]byte, 0, size)
		}
	}
	return l.cur.text
}

// added takes back the batch text with one more item at its end.
func (l *list) added(text []byte) {
	// A newline between items: two literals must not run together.
	l.cur.text = append(text, '\n')
	l.cur.ends = append(l.cur.ends, len(l.cur.text))
	if len(l.cur.ends) == batchItems {
		l.size = len(l.cur.text)
		l.send()
	}
}

// add queues one item's text (copied).
func (l *list) add(item []byte) { l.added(append(l.text(len(item)), item...)) }

func (l *list) send() {
	if l.cur == nil {
		return
	}
	l.d.jobs <- l.cur
	l.pending = append(l.pending, l.cur)
	l.cur = nil
}

// wait returns the decoded items in order, or the first item's error with
// its index in the list.
func (l *list) wait() (first int, err error) {
	l.send()
	n := 0
	for _, b := range l.pending {
		r := <-b.out
		if r.err != nil && err == nil {
			first, err = n+r.bad, r.err
		}
		n += len(b.ends)
		l.done = append(l.done, r.items)
	}
	l.pending = nil
	return first, err
}

// decodeBatch decodes a batch's items as decodeJSON does, strictly.
func (k *itemKind[T, E]) decodeBatch(text []byte, ends []int) (any, int, error) {
	vs := make([]T, len(ends))
	prefault(vs)
	// The items are JSON values one after another: one decoder reads them
	// all.
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	for i := range ends {
		if err := dec.Decode(&vs[i]); err != nil {
			return nil, i, err
		}
	}
	return vs, 0, nil
}

// decodeStoredBatch decodes a batch of items as AppendJSON does: not
// strictly (a store's items are the catalog's own), in canonical form.
func (k *itemKind[T, E]) decodeStoredBatch(text []byte, ends []int) (any, int, error) {
	vs := make([]T, len(ends))
	prefault(vs)
	start := 0
	for i, end := range ends {
		if err := json.Unmarshal(text[start:end], &vs[i]); err != nil {
			return nil, i, err
		}
		k.canonical(&vs[i])
		start = end
	}
	return vs, 0, nil
}

// decodeYAMLBatch decodes a batch of YAML list items ("- …", each a
// document of its own), strictly, as Parse does.
func (k *itemKind[T, E]) decodeYAMLBatch(text []byte, ends []int) (any, int, error) {
	out := make([]T, 0, len(ends))
	start := 0
	for i, end := range ends {
		dec := yaml.NewDecoder(bytes.NewReader(text[start:end]))
		dec.KnownFields(true)
		var vs []T
		if err := dec.Decode(&vs); err != nil && !errors.Is(err, io.EOF) {
			return nil, i, err
		}
		if len(vs) == 0 {
			vs = make([]T, 1) // a null item: an empty one, as Parse reads it
		}
		out = append(out, vs...)
		start = end
	}
	return out, 0, nil
}

// shareBatch shares a decoded batch's items ([]T) with the document's.
func (k *itemKind[T, E]) shareBatch(sh *sharer, items any) { shareItems(sh, items.([]T)) }

// appendBatches appends the items of decoded batches ([]T each) to s's
// list, growing it once (a pointer kind's elements point into the
// batches); it drops each batch from batches once done.
func (k *itemKind[T, E]) appendBatches(s *Snapshot, batches []any) {
	l := k.list(s)
	n := len(*l)
	for _, b := range batches {
		n += len(b.([]T))
	}
	out := make([]E, 0, n)
	out = append(out, *l...)
	for i, b := range batches {
		vs := b.([]T)
		for j := range vs {
			out = append(out, k.hold(&vs[j]))
		}
		batches[i] = nil
	}
	*l = out
}

// gatherBatches sets s's list to the items of batches ([]T each, full
// but for the last) in order: item order[0] of them first, and so on (a
// pointer kind's elements point into the batches).
func (k *itemKind[T, E]) gatherBatches(s *Snapshot, batches []any, order []int) {
	out := make([]E, len(order))
	for i, o := range order {
		out[i] = k.hold(&batches[o/batchItems].([]T)[o%batchItems])
	}
	clear(batches)
	*k.list(s) = out
}

// prefault writes a zero byte to every page of vs (zero already), so a
// fresh page is mapped by one write fault: the decoder's first access is
// a read (a list's length) that would map the zero page, then fault again
// on the write.
func prefault[T any](vs []T) {
	if len(vs) == 0 {
		return
	}
	size := uintptr(len(vs)) * unsafe.Sizeof(vs[0])
	p := unsafe.Pointer(unsafe.SliceData(vs))
	for off := uintptr(0); off < size; off += 4096 {
		*(*byte)(unsafe.Add(p, off)) = 0
	}
}

// ItemReader decodes a store's items into a snapshot on every processor:
// what AppendJSON and Share do item by item, for a million items at once.
// Equal strings, lists and pointed-to values of the items share one copy,
// as Share makes them.
type ItemReader struct {
	d     *decoders
	lists []*list
	done  bool
}

// NewItemReader returns a reader; call Snapshot or Close to stop its
// workers.
func NewItemReader() *ItemReader {
	r := &ItemReader{d: newDecoders()}
	for _, k := range ItemKinds {
		r.lists = append(r.lists, &list{d: r.d, kind: k.(streamKind), stored: true})
	}
	return r
}

// Add queues b (copied), the JSON of an item of kind ItemKinds[ki]; a
// kind's items keep the order they are added in.
func (r *ItemReader) Add(ki int, b []byte) { r.lists[ki].add(b) }

// ItemError is an item an ItemReader could not decode: the Index-th item
// added of kind ItemKinds[Kind].
type ItemError struct {
	Kind, Index int
	Err         error
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("%s item %d: %v", ItemKinds[e.Kind].Name(), e.Index, e.Err)
}

func (e *ItemError) Unwrap() error { return e.Err }

// Snapshot waits for the items added and returns them as a snapshot's
// lists, or an *ItemError for the first item that does not decode. The
// reader is done. A kind's list is in the order its items were added, or,
// if orders[ki] is not nil, item orders[ki][0] added first, then item
// orders[ki][1], …: a permutation of the items added.
func (r *ItemReader) Snapshot(orders [][]int) (*Snapshot, error) {
	defer r.Close()
	s := &Snapshot{}
	var first error
	for ki, l := range r.lists {
		bad, err := l.wait()
		if err != nil && first == nil {
			first = &ItemError{Kind: ki, Index: bad, Err: err}
		}
		switch {
		case first != nil:
		case ki < len(orders) && orders[ki] != nil:
			l.kind.gatherBatches(s, l.done, orders[ki])
		default:
			l.kind.appendBatches(s, l.done)
		}
		l.done = nil
	}
	if first != nil {
		return nil, first
	}
	shareLists(s)
	return s, nil
}

// Close stops the reader's workers, if Snapshot has not.
func (r *ItemReader) Close() {
	if !r.done {
		r.done = true
		r.d.close()
	}
}
