package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin"
)

// GET /v1/coverage answers are a pure function of the catalog and the
// question, so each is encoded once per snapshot and then served as bytes,
// with a strong ETag. The cache hangs off the Index (catalog.Index.Memo): a
// snapshot swap starts an empty one, and the old one goes with the old
// Index, so an answer can never outlive the catalog it came from.

// getCacheControl lets browsers and shared caches keep a GET answer for a
// minute. The answer holds no patient data (facts go by POST, which is
// no-store) and is the same for every caller; a minute bounds how long a
// client may show an answer from a catalog that has since been replaced,
// and the ETag makes revalidating after that a cheap 304.
var getCacheControl = []string{"public, max-age=60"}

// privateCacheControl replaces it in key mode (PublicKey): the answer is
// only for a caller with a key, so no shared cache may keep it, and the
// answers vary with Authorization (publicGate says so).
var privateCacheControl = []string{"private, max-age=60"}

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

// encodeAnswer encodes d exactly as gin's PureJSON does (HTML characters
// unescaped, a trailing newline; see Decision.AppendJSON) and derives its
// strong ETag from the bytes, which carry the catalog revision.
func encodeAnswer(d coverage.Decision) *answer {
	jb := newJSONBody()
	jb.b = append(d.AppendJSON(jb.b), '\n')
	body := bytes.Clone(jb.b) // kept per snapshot: exactly sized
	jb.release()
	sum := sha256.Sum256(body)
	return &answer{
		body:      body,
		etag:      []string{`"` + hex.EncodeToString(sum[:12]) + `"`},
		length:    []string{strconv.Itoa(len(body))},
		decisions: decisionCounters.get(decisionLabels{string(d.Status), string(d.Plan.Type)}),
	}
}

// cachedGet answers a GET question from the snapshot's encoded answers by
// its raw query string alone, if it has been answered before: no parsing,
// no checks, no clock unless the question left the date to today. It
// reports false on a miss.
func (a *api) cachedGet(c *gin.Context, ix *catalog.Index) bool {
	ans := answersFor(ix).byQuery(c.Request.URL.RawQuery, a.now)
	if ans == nil {
		return false
	}
	a.sendAnswer(c, ans)
	return true
}

// answerGet answers a GET question (raw is its query string) from the
// snapshot's encoded answers, deciding and encoding it on a miss. Errors
// are never cached.
func (a *api) answerGet(c *gin.Context, ix *catalog.Index, raw string, req coverageRequest) error {
	q, err := a.toQuery(req)
	if err != nil {
		return err
	}
	cache := answersFor(ix)
	k := answerKey{q.Plan, q.State, q.Condition, q.Date}
	ans := cache.get(k)
	if ans == nil {
		d, err := coverage.Decide(ix, q)
		if err != nil {
			return withField(err)
		}
		ans = encodeAnswer(d)
		cache.put(k, ans)
	}
	var today catalog.Date
	if req.Date == nil {
		today = q.Date
	}
	cache.putQuery(raw, ans, today)
	a.sendAnswer(c, ans)
	return nil
}

// sendAnswer writes a cached answer, or 304 if the client has it.
func (a *api) sendAnswer(c *gin.Context, ans *answer) {
	ans.decisions.inc()
	// Shared, never modified header values: set without allocating.
	h := c.Writer.Header()
	h["Cache-Control"] = getCacheControl
	if a.publicAccess == PublicKey {
		h["Cache-Control"] = privateCacheControl
	}
	h["Etag"] = ans.etag
	if etagMatches(header(c, "If-None-Match"), ans.etag[0]) {
		c.Status(http.StatusNotModified)
		return
	}
	writeJSON(c, http.StatusOK, ans.body, ans.length)
}

// etagMatches reports whether an If-None-Match header value matches etag,
// by the weak comparison RFC 9110 §13.1.2 prescribes for it: "*", or any
// listed tag equal to etag with W/ ignored.
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
