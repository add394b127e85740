package httpapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acucover/acucover/internal/access"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// maxLimiters bounds the limiter map: past it, idle clients are dropped
// first, then the least recently seen, so a flood of new addresses (IPv6
// makes them cheap) cannot grow memory without bound.
const maxLimiters = 10_000

// limiters is one token bucket per client: the key name for requests with
// a key verified lately (billing staff behind one NAT share nothing), else
// the client IP — also for keys not yet verified, so bogus keys are
// throttled before they reach the key store.
type limiters struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	idle    time.Duration // a bucket idle this long is full again: dropping it loses nothing
	clients map[string]*client
	max     int
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters(perSecond float64, burst int) *limiters {
	if burst < 1 {
		burst = 1
	}
	refill := time.Duration(float64(burst) / perSecond * float64(time.Second))
	return &limiters{every: rate.Limit(perSecond), burst: burst, idle: max(refill, time.Minute),
		clients: map[string]*client{}, max: maxLimiters}
}

// reserve takes a token for id at now; if none is left it returns how long
// until one is.
func (l *limiters) reserve(id string, now time.Time) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := l.clients[id]
	if cl == nil {
		if len(l.clients) >= l.max {
			l.evict(now)
		}
		cl = &client{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[id] = cl
	}
	cl.seen = now
	r := cl.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		// Refused requests do not queue up future tokens.
		r.CancelAt(now)
		return d
	}
	return 0
}

// charge takes n more tokens for id at now, for a batch whose request took
// one already: if the bucket holds fewer than min(n, burst-1) it takes none and returns how long until it
// would; otherwise it takes all n, the part beyond the bucket's tokens as a
// debt (reservations in the future) that delays id's next requests.
func (l *limiters) charge(id string, n int, now time.Time) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := l.clients[id]
	if cl == nil {
		if len(l.clients) >= l.max {
			l.evict(now)
		}
		cl = &client{lim: rate.NewLimiter(l.every, l.burst)}
		l.clients[id] = cl
	}
	cl.seen = now
	first := min(n, l.burst-1)
	if r := cl.lim.ReserveN(now, first); !r.OK() {
		return time.Second // cannot happen: first < burst
	} else if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	for left := n - first; left > 0; {
		k := min(left, l.burst)
		cl.lim.ReserveN(now, k) // never refused for k <= burst: it only queues
		left -= k
	}
	return 0
}

// evict drops idle clients, or else the least recently seen one.
func (l *limiters) evict(now time.Time) {
	var oldest string
	var oldestSeen time.Time
	for id, cl := range l.clients {
		if now.Sub(cl.seen) >= l.idle {
			delete(l.clients, id)
			continue
		}
		if oldest == "" || cl.seen.Before(oldestSeen) {
			oldest, oldestSeen = id, cl.seen
		}
	}
	if len(l.clients) >= l.max {
		delete(l.clients, oldest)
	}
}

func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientID names the rate limiter's bucket for c: its key's when the key
// is verified (or was, recently: VerifiedKeys), else its IP's. It runs
// before verification, so an unverified key costs its IP.
func (a *api) clientID(c *gin.Context) string {
	if p := authOf(c).principal; p.Name != "" {
		return "key:" + p.Name
	}
	if v, ok := a.keys.(VerifiedKeys); ok {
		if tok, ok := access.BearerToken(header(c, "Authorization")); ok {
			if p, ok := v.Verified(tok); ok {
				return "key:" + p.Name
			}
		}
	}
	return "ip:" + c.ClientIP()
}

// bucketKind is the client label of a bucket id: "ip" or "key".
func bucketKind(id string) string {
	if strings.HasPrefix(id, "key:") {
		return "key"
	}
	return "ip"
}

// VerifiedKeys is implemented by a KeyStore that caches verifications
// (*postgres.DB): Verified returns the principal of a key verified lately,
// without a lookup.
type VerifiedKeys interface {
	Verified(secret string) (access.Principal, bool)
}

// rateLimit answers 429 with Retry-After (whole seconds, rounded up) once a
// client has used its burst. Probes are exempt: a kubelet must never be
// throttled into restarting the pod.
func (a *api) rateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		if a.limits == nil || c.FullPath() == "/healthz" || c.FullPath() == "/readyz" {
			c.Next()
			return
		}
		id := a.clientID(c)
		if wait := a.limits.reserve(id, a.now()); wait > 0 {
			rateLimited.get(rateLimitedLabels{bucketKind(id), "request"}).inc()
			secs := int(math.Ceil(wait.Seconds()))
			c.Header("Retry-After", strconv.Itoa(secs))
			a.abort(c, fmt.Errorf("%w: too many requests from this client; retry in %d s", errRateLimited, secs))
			return
		}
		c.Next()
	}
}
