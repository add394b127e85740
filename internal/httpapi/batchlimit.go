package httpapi

import (
	"fmt"
	"math"
	"runtime"
	"strconv"

	"github.com/gin-gonic/gin"
)

// defaultMaxBatches is Deps.MaxBatches when unset: two per core, at least
// four. A batch holds at most its body, its parsed checks and one write
// buffer, so this bounds the memory batches take (the figures are in the
// package README, Batch checks; TestDrillBatchMemory checks the bound).
func defaultMaxBatches() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// batchSlots bounds the batches in progress.
type batchSlots chan struct{}

// acquire takes a slot, or fails at once with errBusy when none is free:
// waiting would only pile up bodies in memory.
func (s batchSlots) acquire() (release func(), err error) {
	select {
	case s <- struct{}{}:
		return func() { <-s }, nil
	default:
		batchBusy.inc()
		return nil, fmt.Errorf("%w: %d batches are already being answered; retry in a second", errBusy, cap(s))
	}
}

// chargeBatch charges the rate limiter for a batch of n checks: one token
// per check (the request itself paid for the first). A client whose bucket
// held enough tokens for the batch, or a full bucket when the batch is
// larger than the burst, is answered, and what its bucket lacked becomes a
// debt its next requests wait out; any other client gets 429.
func (a *api) chargeBatch(c *gin.Context, n int) error {
	if a.limits == nil || n <= 1 {
		return nil
	}
	id := a.clientID(c)
	if wait := a.limits.charge(id, n-1, a.now()); wait > 0 {
		rateLimited.get(rateLimitedLabels{bucketKind(id), "batch"}).inc()
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		return fmt.Errorf("%w: a batch of %d checks costs %d requests of this client's rate limit; retry in %d s", errRateLimited, n, n, secs)
	}
	return nil
}
