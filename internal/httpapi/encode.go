package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
)

// Decisions and estimates are encoded by their hand-written AppendJSON
// (byte for byte what gin's PureJSON wrote, see the equality tests in
// internal/coverage and internal/cost) into a pooled buffer, and written
// with the Content-Type PureJSON sets.

const jsonContentType = "application/json; charset=utf-8"

var jsonContentTypeHeader = []string{jsonContentType}

// maxPooledBody bounds the buffers kept for reuse: a year-long estimate is
// a few hundred KiB; anything larger goes to the garbage collector.
const maxPooledBody = 1 << 20

// jsonBody is a pooled response buffer.
type jsonBody struct{ b []byte }

var jsonBodies = sync.Pool{New: func() any { return &jsonBody{b: make([]byte, 0, 16<<10)} }}

// newJSONBody returns an empty buffer from the pool; append the body to its
// b, then send it.
func newJSONBody() *jsonBody {
	jb := jsonBodies.Get().(*jsonBody)
	jb.b = jb.b[:0]
	return jb
}

// send writes jb's bytes as a JSON response with status and returns jb to
// the pool (the ResponseWriter does not keep them: io.Writer may not retain
// p).
func (jb *jsonBody) send(c *gin.Context, status int) {
	writeJSON(c, status, jb.b, nil)
	jb.release()
}

// flushAfter is the body size from which writeJSON flushes the answer.
// net/http writes a connection's output through a 4 KiB buffer, so an
// answer that does not fit in it with its header leaves Write with its
// first 4 KiB sent and its tail buffered; the tail would then wait for the
// request's bookkeeping (metrics, access log) and any preemption on the
// way, with the client already woken for the first part (make load measures
// the difference: README, Performance). Smaller answers go out in one write
// either way.
const flushAfter = 3 << 10

// writeJSON writes body as c.Data(status, jsonContentType, body) does,
// without its per-call allocations: the Content-Type value is shared, and
// length, if not nil, is the Content-Length header's value. An answer of
// flushAfter bytes or more is sent whole before writeJSON returns.
func writeJSON(c *gin.Context, status int, body []byte, length []string) {
	h := c.Writer.Header()
	h["Content-Type"] = jsonContentTypeHeader
	if length == nil {
		length = []string{strconv.Itoa(len(body))}
	}
	h["Content-Length"] = length
	c.Status(status)
	_, _ = c.Writer.Write(body) // a failed write is the client's loss
	if len(body) >= flushAfter {
		c.Writer.Flush() // with Content-Length set, no chunking
	}
}

// release returns jb to the pool; its bytes must no longer be used.
func (jb *jsonBody) release() {
	if cap(jb.b) <= maxPooledBody {
		jsonBodies.Put(jb)
	}
}

// appendBatchJSON appends the batch answer {"results":[...]} as PureJSON
// wrote it, newline included: decisions by AppendJSON, problems (rare and
// small) by encoding/json with HTML escaping off, as PureJSON encoded them.
func appendBatchJSON(dst []byte, results []batchItem) ([]byte, error) {
	dst = append(dst, `{"results":`...)
	if results == nil {
		return append(dst, "null}\n"...), nil
	}
	var pb bytes.Buffer
	enc := json.NewEncoder(&pb)
	enc.SetEscapeHTML(false)
	dst = append(dst, '[')
	for i := range results {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendBatchItem(dst, &results[i], enc, &pb); err != nil {
			return dst, err
		}
	}
	return append(dst, "]}\n"...), nil
}

// appendBatchItem appends one result of a batch answer; enc writes into pb
// (HTML escaping off), for the rare problem.
func appendBatchItem(dst []byte, r *batchItem, enc *json.Encoder, pb *bytes.Buffer) ([]byte, error) {
	dst = append(dst, '{')
	if r.Decision != nil {
		dst = append(dst, `"decision":`...)
		dst = r.Decision.AppendJSON(dst)
	}
	if r.Problem != nil {
		if r.Decision != nil {
			dst = append(dst, ',')
		}
		dst = append(dst, `"problem":`...)
		pb.Reset()
		if err := enc.Encode(r.Problem); err != nil {
			return dst, err
		}
		dst = append(dst, bytes.TrimSuffix(pb.Bytes(), []byte("\n"))...)
	}
	return append(dst, '}'), nil
}
