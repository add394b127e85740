package httpapi

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/acucover/acucover/internal/coverage"
	"github.com/gin-gonic/gin"
)

// maxBatch is the most checks one batch may hold: a day's schedule for a
// large clinic, answered in well under a second.
const maxBatch = 1000

// csvColumns are the columns a CSV batch may have, in any order; plan,
// state and condition are required, an empty cell is "not answered".
var csvColumns = []string{"plan", "state", "condition", "date", "pain_weeks", "systemic_cause", "surgery_related",
	"pregnancy_related", "improving", "visits_this_year", "visits_last_90_days", "visits_this_month",
	"provider_type", "provider_supervised", "flags"}

// csvResultColumns are the columns of a CSV answer.
var csvResultColumns = []string{"row", "status", "visits_remaining", "prior_authorization", "referral_required", "reason", "rule_id", "error"}

// batchItem is one result: a decision, or the problem that check had.
type batchItem struct {
	Decision *coverage.Decision `json:"decision,omitempty"`
	Problem  *problem           `json:"problem,omitempty"`
}

// postBatch answers up to maxBatch coverage checks in order. A check that is
// invalid gets its own problem; it does not fail the others.
//
// A batch's memory is bounded, whoever sends it: the checks are parsed
// first (a bad batch is still a 4xx before anything is written), then each
// is decided and written out in turn through a small buffer, so a client
// that reads nothing holds the parsed checks and one buffer, never 1,000
// answers. At most Deps.MaxBatches batches run at once; past that a batch
// gets 503 with Retry-After. The rate limiter is charged one token per
// check (chargeBatch).
func (a *api) postBatch(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	if _, err := queryParams(c); err != nil {
		return err
	}
	release, err := a.batches.acquire()
	if err != nil {
		c.Header("Retry-After", "1")
		return err
	}
	defer release()
	ct := c.GetHeader("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	var reqs []batchRequest
	if mt == "text/csv" {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return fmt.Errorf("%w: charset %q is not supported; send UTF-8 CSV", errUnsupportedMedia, cs)
		}
		reqs, err = readCSVBatch(c)
	} else {
		if err := requireJSON(ct); err != nil {
			return fmt.Errorf("%w: send the checks as application/json or text/csv", errUnsupportedMedia)
		}
		reqs, err = readJSONBatch(c)
	}
	if err != nil {
		return err
	}
	if err := a.chargeBatch(c, len(reqs)); err != nil {
		return err
	}
	out := batchWriter{c: c, csv: wantsCSV(c.GetHeader("Accept"))}
	out.start()
	for i, r := range reqs {
		if c.Request.Context().Err() != nil {
			return nil // the client is gone; observe records the abort
		}
		var item batchItem
		err := r.err
		if err == nil {
			var d coverage.Decision
			if _, d, err = a.answerCoverage(a.store.Index(), r.req); err == nil {
				countDecision(d)
				item.Decision = &d
			}
		}
		if err != nil {
			item.Problem = a.newProblem(c, err, c.Request.URL.Path+"#/checks/"+strconv.Itoa(i), "checks["+strconv.Itoa(i)+"]")
		}
		reqs[i] = batchRequest{} // its answer is on its way; let it go
		if err := out.item(i, &item); err != nil {
			return nil // a failed write is the client's loss, as in writeJSON
		}
	}
	return out.finish()
}

// batchFlushBytes is how much of a batch answer is buffered before it is
// written to the client.
const batchFlushBytes = 16 << 10

// batchWriter streams a batch answer, JSON ({"results":[...]}, as
// appendBatchJSON writes it whole) or CSV, one item at a time.
type batchWriter struct {
	c   *gin.Context
	csv bool
	buf []byte
	n   int
	pb  bytes.Buffer
	enc *json.Encoder
}

func (w *batchWriter) start() {
	h := w.c.Writer.Header()
	w.buf = make([]byte, 0, batchFlushBytes+4<<10)
	if w.csv {
		h["Content-Type"] = []string{"text/csv; charset=utf-8"}
		w.buf = appendCSVRow(w.buf, csvResultColumns)
	} else {
		h["Content-Type"] = jsonContentTypeHeader
		w.enc = json.NewEncoder(&w.pb)
		w.enc.SetEscapeHTML(false)
		w.buf = append(w.buf, `{"results":[`...)
	}
	w.c.Status(http.StatusOK)
}

func (w *batchWriter) item(i int, r *batchItem) error {
	if w.csv {
		w.buf = appendCSVRow(w.buf, csvResultRow(i, r))
	} else {
		if w.n > 0 {
			w.buf = append(w.buf, ',')
		}
		w.n++
		var err error
		if w.buf, err = appendBatchItem(w.buf, r, w.enc, &w.pb); err != nil {
			return err
		}
	}
	if len(w.buf) >= batchFlushBytes {
		return w.flush()
	}
	return nil
}

func (w *batchWriter) flush() error {
	_, err := w.c.Writer.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		noteWriteFailed(w.c, err)
		return err
	}
	w.c.Writer.Flush()
	return nil
}

func (w *batchWriter) finish() error {
	if !w.csv {
		w.buf = append(w.buf, "]}\n"...)
	}
	return w.flush()
}

// batchRequest is one parsed check, or why it could not be parsed.
type batchRequest struct {
	req coverageRequest
	err error
}

func tooMany(n int) error {
	return fmt.Errorf("%w: the batch has %d checks; at most %d are allowed per request", errTooLarge, n, maxBatch)
}

func readJSONBatch(c *gin.Context) ([]batchRequest, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	var env struct {
		Checks *[]json.RawMessage `json:"checks"`
	}
	if err := decodeStrict(body, &env); err != nil {
		return nil, err
	}
	if env.Checks == nil {
		return nil, fieldErr("checks", "is required: send {\"checks\": [ … ]}", errInvalidRequest)
	}
	if len(*env.Checks) > maxBatch {
		return nil, tooMany(len(*env.Checks))
	}
	out := make([]batchRequest, len(*env.Checks))
	for i, raw := range *env.Checks {
		out[i].err = decodeStrict(raw, &out[i].req)
	}
	return out, nil
}

func readCSVBatch(c *gin.Context) ([]batchRequest, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // spreadsheets write a BOM
	r := csv.NewReader(bytes.NewReader(body))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: the CSV is empty; the first row must name the columns (%s)", errInvalidRequest, strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the CSV header cannot be read: %v", errInvalidRequest, err)
	}
	var e requestError
	cols := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(csvColumns, h):
			e.add(h, "is not a column of a batch (columns: "+strings.Join(csvColumns, ",")+")", errInvalidRequest)
		case cols[h] != 0:
			e.add(h, "is given twice", errInvalidRequest)
		default:
			cols[h] = i + 1 // 0 is "absent"
		}
	}
	for _, req := range []string{"plan", "state", "condition"} {
		if cols[req] == 0 {
			e.add(req, "column is required", errInvalidRequest)
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	var out []batchRequest
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			out = append(out, batchRequest{err: fmt.Errorf("%w: the row has %d cells; the header has %d", errInvalidRequest, len(rec), len(header))})
		} else if err != nil {
			// Past a quoting error the rows cannot be told apart reliably.
			return nil, fmt.Errorf("%w: the CSV cannot be read: %v", errInvalidRequest, err)
		} else {
			req, err := csvRequest(rec, cols)
			out = append(out, batchRequest{req: req, err: err})
		}
		if len(out) > maxBatch {
			return nil, fmt.Errorf("%w: the batch has more than %d rows; at most %d are allowed per request", errTooLarge, maxBatch, maxBatch)
		}
	}
	return out, nil
}

// csvRequest builds one check from a CSV row; every bad cell is reported.
func csvRequest(rec []string, cols map[string]int) (coverageRequest, error) {
	cell := func(name string) (string, bool) {
		i := cols[name]
		if i == 0 || strings.TrimSpace(rec[i-1]) == "" {
			return "", false
		}
		return strings.TrimSpace(rec[i-1]), true
	}
	var e requestError
	intCell := func(name string) *int {
		v, ok := cell(name)
		if !ok {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			e.add(name, fmt.Sprintf("%q is not a whole number", v), errInvalidRequest)
			return nil
		}
		return &n
	}
	boolCell := func(name string) *bool {
		v, ok := cell(name)
		if !ok {
			return nil
		}
		var b bool
		switch strings.ToLower(v) {
		case "true", "yes", "y":
			b = true
		case "false", "no", "n":
		default:
			e.add(name, fmt.Sprintf("%q is not true/false (or yes/no)", v), errInvalidRequest)
			return nil
		}
		return &b
	}
	req := coverageRequest{}
	req.Plan, _ = cell("plan")
	req.State, _ = cell("state")
	req.Condition, _ = cell("condition")
	if d, ok := cell("date"); ok {
		req.Date = &d
	}
	p := coverage.Patient{PainWeeks: intCell("pain_weeks"), SystemicCause: boolCell("systemic_cause"),
		SurgeryRelated: boolCell("surgery_related"), PregnancyRelated: boolCell("pregnancy_related"), Improving: boolCell("improving")}
	if f, ok := cell("flags"); ok {
		for flag := range strings.SplitSeq(f, ";") {
			if flag = strings.TrimSpace(flag); flag != "" {
				p.Flags = append(p.Flags, flag)
			}
		}
	}
	if p.PainWeeks != nil || p.SystemicCause != nil || p.SurgeryRelated != nil || p.PregnancyRelated != nil || p.Improving != nil || p.Flags != nil {
		req.Patient = &p
	}
	u := coverage.Usage{VisitsThisYear: intCell("visits_this_year"), VisitsLast90Days: intCell("visits_last_90_days"), VisitsThisMonth: intCell("visits_this_month")}
	if u != (coverage.Usage{}) {
		req.Usage = &u
	}
	sup := boolCell("provider_supervised")
	if t, ok := cell("provider_type"); ok {
		req.Provider = &coverage.Provider{Type: t, Supervised: sup}
	} else if sup != nil {
		e.add("provider_supervised", "needs provider_type", errInvalidRequest)
	}
	return req, e.err()
}

func wantsCSV(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		if mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); mt == "text/csv" {
			return true
		}
	}
	return false
}

// csvSafe defuses spreadsheet formulas (CSV injection): a cell a spreadsheet
// would evaluate starts with ' instead. Catalog text and echoed input are
// not trusted.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvSeparators are the characters some spreadsheet splits a cell at, or
// that end a row: a cell holding one is quoted, so that no locale (";" in
// much of Europe, tab or "|" on import) can split a formula out of it.
const csvSeparators = ",;\t|\"\r\n"

// appendCSVRow appends one CSV row (RFC 4180, CRLF-free: "\n" ends a row,
// as encoding/csv writes by default). Cells with a separator, a quote or
// edge spaces are quoted, quotes doubled.
func appendCSVRow(b []byte, row []string) []byte {
	for i, cell := range row {
		if i > 0 {
			b = append(b, ',')
		}
		if !strings.ContainsAny(cell, csvSeparators) && strings.TrimSpace(cell) == cell {
			b = append(b, cell...)
			continue
		}
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(cell, `"`, `""`)...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// csvResultRow is check i's row of a CSV answer, every cell defused
// (csvSafe).
func csvResultRow(i int, r *batchItem) []string {
	row := make([]string, len(csvResultColumns))
	row[0] = strconv.Itoa(i + 1)
	if d := r.Decision; d != nil {
		row[1] = string(d.Status)
		if d.VisitsRemaining != nil {
			row[2] = strconv.Itoa(*d.VisitsRemaining)
		}
		if pa := d.PriorAuthorization; pa != nil {
			row[3] = string(pa.Required)
			if pa.RequiredNow != nil {
				row[3] = map[bool]string{true: "yes", false: "no"}[*pa.RequiredNow]
			}
		}
		row[4] = strconv.FormatBool(d.ReferralRequired)
		if len(d.Reasons) > 0 {
			row[5], row[6] = d.Reasons[0].Text, d.Reasons[0].RuleID
		}
	} else {
		row[1] = "error"
		row[7] = r.Problem.Detail
	}
	for j := range row {
		row[j] = csvSafe(row[j])
	}
	return row
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
