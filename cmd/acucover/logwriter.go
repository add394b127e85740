package main

import (
	"io"
	"sync"
	"time"
)

// logWriter batches log lines: serve logs one line per request, and one
// write(2) per line cost a fifth of a cached lookup's throughput under load
// (make load). Lines are written every logFlushEvery, as soon as
// logFlushBytes are pending, and on Close; a crash can lose at most the
// last logFlushEvery of lines.
type logWriter struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

const (
	logFlushEvery = 100 * time.Millisecond
	logFlushBytes = 64 << 10
)

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(logFlushEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				l.flushLocked()
				l.mu.Unlock()
			}
		}
	}()
	return l
}

// Write keeps p (one log line: slog writes each record with one call) for
// the next flush. It never fails; a failed flush drops the lines, as an
// unwritable stderr would.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) >= logFlushBytes {
		l.flushLocked()
	}
	return len(p), nil
}

func (l *logWriter) flushLocked() {
	if len(l.buf) > 0 {
		_, _ = l.w.Write(l.buf)
		l.buf = l.buf[:0]
	}
}

// Close stops the flusher and writes what is pending.
func (l *logWriter) Close() {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	l.flushLocked()
}
