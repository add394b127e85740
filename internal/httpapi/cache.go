package httpapi

import (
	"strings"
	"sync"
	"time"

	"github.com/acucover/acucover/internal/catalog"
)

// GET /v1/coverage answers are a pure function of the catalog and the
// question, so each is encoded once per snapshot and then served as bytes,
// with a strong ETag. The cache hangs off the Index (catalog.Index.Memo): a
// snapshot swap starts an empty one, and the old one goes with the old
// Index, so an answer can never outlive the catalog it came from.

// maxCachedBytes bounds the encoded answers kept per snapshot. A full cache
// starts over: the hot questions refill it at once, and memory stays far
// inside the chart's default 128Mi limit.
const maxCachedBytes = 16 << 20

// answerKey is a GET question once normalized (state upper-cased, date
// defaulted), so "ca" and "CA" share an answer. Condition is as given: an
// ICD-10-CM code echoes back as matched_icd10.
type answerKey struct {
	plan, state, condition string
	date                   catalog.Date
}

// answer is an encoded decision and what the metrics need to know about it.
type answer struct {
	body      []byte
	etag      []string // the ETag header's value
	length    []string // the Content-Length header's value
	decisions *counter
}

type answerCache struct {
	mu    sync.RWMutex // guards m and bytes, and serializes writes to raw
	m     map[answerKey]*answer
	raw   sync.Map // raw query string → rawAnswer; read without a lock
	bytes int      // the bodies' and raw keys' sizes
}

// rawAnswer is the answer to a raw query string; today is the date the
// query left to the server's clock (zero when it gave one), for which the
// answer holds only on that day.
type rawAnswer struct {
	ans   *answer
	today catalog.Date
}

// rawEntryBytes is what a raw query's entry costs besides its key, roughly.
const rawEntryBytes = 64

type answerMemo struct{}

func answersFor(ix *catalog.Index) *answerCache {
	return ix.Memo(answerMemo{}, func() any {
		return &answerCache{m: map[answerKey]*answer{}}
	}).(*answerCache)
}

func (ac *answerCache) get(k answerKey) *answer {
	ac.mu.RLock()
	defer ac.mu.RUnlock()
	return ac.m[k]
}

func (ac *answerCache) put(k answerKey, a *answer) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	ac.makeRoomLocked(len(a.body))
	if _, ok := ac.m[k]; !ok {
		ac.m[k] = a
		ac.bytes += len(a.body)
	}
}

// byQuery returns the answer to the raw query string raw, or nil. It is
// every repeated GET's lookup, so it takes no lock: a read lock's counter is
// written by every reader, and requests on different cores would contend
// for it.
func (ac *answerCache) byQuery(raw string, now func() time.Time) *answer {
	v, ok := ac.raw.Load(raw)
	if !ok {
		return nil
	}
	r := v.(rawAnswer)
	if !r.today.IsZero() && r.today != catalog.DateOf(now().UTC()) {
		return nil
	}
	return r.ans
}

// putQuery keeps a as the answer to raw (see rawAnswer for today).
func (ac *answerCache) putQuery(raw string, a *answer, today catalog.Date) {
	ac.mu.Lock()
	defer ac.mu.Unlock()
	if _, ok := ac.raw.Load(raw); ok {
		ac.raw.Store(raw, rawAnswer{a, today}) // a new day's answer
		return
	}
	// a's body is counted where put keeps it. (Should the cache start over
	// between the two, one uncounted body stays reachable from here.)
	ac.makeRoomLocked(len(raw) + rawEntryBytes)
	ac.raw.Store(strings.Clone(raw), rawAnswer{a, today})
	ac.bytes += len(raw) + rawEntryBytes
}

// makeRoomLocked starts the cache over if n more bytes would overflow it:
// the hot questions refill it at once.
func (ac *answerCache) makeRoomLocked(n int) {
	if ac.bytes+n > maxCachedBytes {
		clear(ac.m)
		ac.raw.Clear()
		ac.bytes = 0
	}
}
