package main

import (
	"io"
	"sync"
	"time"
)

// logWriter batches log lines: serve logs one line per request, and one
// write(2) per line cost a large share of a cached lookup's throughput under
// load (README, Performance). Lines are appended to a buffer and written by
// a background flusher every logFlushEvery, as soon as logFlushBytes are
// pending, and on Close; the write happens outside the lock request goroutines append
// under, so a slow stderr never stalls a request, until logMaxPending bytes
// are waiting: then the writer that finds them flushes itself (back
// pressure, bounding memory). A crash can lose at most the last
// logFlushEvery of lines.
type logWriter struct {
	mu  sync.Mutex // guards buf
	buf []byte

	wmu   sync.Mutex // serializes writes to w, in order; guards spare
	spare []byte
	w     io.Writer

	kick chan struct{} // asks the flusher to flush now
	stop chan struct{}
	done chan struct{}
}

const (
	logFlushEvery  = 100 * time.Millisecond
	logFlushBytes  = 64 << 10
	logMaxPending  = 4 << 20
	logKeepBufSize = 1 << 20 // larger buffers are not kept for reuse
)

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{w: w, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(logFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
			case <-l.kick:
			}
			l.flush()
		}
	}()
	return l
}

// Write keeps p (one log line: slog and the access log write each line with
// one call) for the next flush. It never fails; a failed flush drops the
// lines, as an unwritable stderr would.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf = append(l.buf, p...)
	n := len(l.buf)
	l.mu.Unlock()
	switch {
	case n >= logMaxPending:
		l.flush()
	case n >= logFlushBytes:
		select {
		case l.kick <- struct{}{}:
		default: // a flush is already due
		}
	}
	return len(p), nil
}

// flush writes what is pending. Lines appended while it writes wait for the
// next flush, so lines reach w in the order they were written.
func (l *logWriter) flush() {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.mu.Lock()
	out := l.buf
	l.buf = l.spare[:0]
	l.mu.Unlock()
	if len(out) > 0 {
		_, _ = l.w.Write(out)
	}
	if cap(out) > logKeepBufSize {
		out = nil
	}
	l.spare = out
}

// Close stops the flusher and writes what is pending.
func (l *logWriter) Close() {
	close(l.stop)
	<-l.done
	l.flush()
}
