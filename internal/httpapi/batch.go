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

	"github.com/acucover/acucover/internal/catalog"
	"github.com/acucover/acucover/internal/coverage"
	"github.com/acucover/acucover/internal/suggest"
	"github.com/gin-gonic/gin"
)

// maxBatch is the most checks one batch may hold: a day's schedule for a
// large clinic, answered in well under a second.
const maxBatch = 1000

// csvColumns are the columns a CSV batch reads, in any order; plan, state
// and condition are required, an empty cell is "not answered". Header names
// are matched ignoring case, edge spaces, and spaces or hyphens for
// underscores ("Pain Weeks" is pain_weeks). Any other column (an EHR
// export's MRN, name, appointment time) is passed through to the answer.
var csvColumns = []string{"plan", "state", "condition", "date", "pain_weeks", "systemic_cause", "surgery_related",
	"pregnancy_related", "improving", "visits_this_year", "visits_last_90_days", "visits_this_month",
	"provider_type", "provider_supervised", "flags"}

// csvAliases name a column by another name an export may use; a column
// with the canonical name wins.
var csvAliases = map[string]string{
	"icd10": "condition", "icd_10": "condition", "icd10_code": "condition", "icd_10_code": "condition",
	"diagnosis": "condition", "diagnosis_code": "condition", "dx": "condition", "dx_code": "condition",
	"primary_diagnosis": "condition", "primary_dx": "condition",
	"plan_id": "plan",
}

// csvResultColumns are the columns a CSV answer adds after the input's own
// columns (which come first, as sent, after row). Yes/no cells are "yes" or
// "no"; money is dollars with cents ("283.00").
var csvResultColumns = []string{"status", "status_text", "checked_plan", "checked_state", "checked_condition", "checked_date",
	"visits_remaining", "prior_authorization_now", "referral_required", "abn_needed", "modifiers", "cpt_codes",
	"copay", "coinsurance_percent", "deductible", "deductible_applies", "safety", "reason", "rule_id", "error"}

// batchItem is one result: a decision, or the problem that check had.
type batchItem struct {
	// Row is a CSV check's row in the spreadsheet (the header is row 1).
	Row      int                `json:"row,omitempty"`
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
	var header []string
	if mt == "text/csv" {
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			return fmt.Errorf("%w: charset %q is not supported; send UTF-8 CSV", errUnsupportedMedia, cs)
		}
		header, reqs, err = readCSVBatch(c)
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
	out := batchWriter{c: c, csv: wantsCSV(c.GetHeader("Accept")), header: header}
	out.start()
	for i, r := range reqs {
		if c.Request.Context().Err() != nil {
			return nil // the client is gone; observe records the abort
		}
		item := batchItem{Row: r.row}
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
		cells := r.cells
		reqs[i] = batchRequest{} // its answer is on its way; let it go
		if err := out.item(&item, cells); err != nil {
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
	// header is a CSV batch's own header, echoed before the result columns.
	header []string
	buf    []byte
	n      int
	pb     bytes.Buffer
	enc    *json.Encoder
}

func (w *batchWriter) start() {
	h := w.c.Writer.Header()
	w.buf = make([]byte, 0, batchFlushBytes+4<<10)
	if w.csv {
		h["Content-Type"] = []string{"text/csv; charset=utf-8"}
		w.buf = appendCSVRow(w.buf, csvAnswerHeader(w.header))
	} else {
		h["Content-Type"] = jsonContentTypeHeader
		w.enc = json.NewEncoder(&w.pb)
		w.enc.SetEscapeHTML(false)
		w.buf = append(w.buf, `{"results":[`...)
	}
	w.c.Status(http.StatusOK)
}

func (w *batchWriter) item(r *batchItem, cells []string) error {
	if w.csv {
		w.buf = appendCSVRow(w.buf, csvResultRow(r, len(w.header), cells))
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
	// row and cells are a CSV row's spreadsheet row number and cells.
	row   int
	cells []string
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

// readCSVBatch reads a CSV batch: its header as sent and one check per row,
// numbered as a spreadsheet shows it (the header is row 1; a blank line is
// a row too).
func readCSVBatch(c *gin.Context) ([]string, []batchRequest, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, nil, err
	}
	return parseCSVBatch(body)
}

// csvHeaderName is a header cell as a column name: "Pain Weeks" → pain_weeks.
func csvHeaderName(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, h)
}

// misspeltColumn names a header cell that looks like a misspelling of the
// required column name (an EHR export's "Conditon"), which would otherwise
// be passed through as one of the file's own columns, or "".
func misspeltColumn(header []string, name string) string {
	for _, h := range header {
		n := csvHeaderName(h)
		if slices.Contains(csvColumns, n) || csvAliases[n] != "" {
			continue // the column is one of ours already
		}
		if _, ok := suggest.Closest(n, []string{name}); ok {
			return fmt.Sprintf("; is the column %q meant to be %s?", h, name)
		}
	}
	return ""
}

func parseCSVBatch(body []byte) ([]string, []batchRequest, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // spreadsheets write a BOM
	r := csv.NewReader(bytes.NewReader(body))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("%w: the CSV is empty; the first row must name the columns (%s)", errInvalidRequest, strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: the CSV header cannot be read: %v", errInvalidRequest, err)
	}
	header = slices.Clone(header)
	var e requestError
	cols := map[string]int{}
	aliased := map[string]int{}
	for i, h := range header {
		name := csvHeaderName(h)
		switch {
		case slices.Contains(csvColumns, name):
			if cols[name] != 0 {
				e.add(name, "is given twice", errInvalidRequest)
			}
			cols[name] = i + 1 // 0 is "absent"
		case csvAliases[name] != "" && aliased[csvAliases[name]] == 0:
			aliased[csvAliases[name]] = i + 1
		}
		// Any other column is passed through.
	}
	for name, i := range aliased {
		if cols[name] == 0 {
			cols[name] = i
		}
	}
	for _, req := range []string{"plan", "state", "condition"} {
		if cols[req] == 0 {
			e.add(req, "column is required (the header has: "+strings.Join(header, ",")+")"+misspeltColumn(header, req), errInvalidRequest)
		}
	}
	if err := e.err(); err != nil {
		return nil, nil, err
	}
	var out []batchRequest
	row := 1 // the header
	for {
		start := r.InputOffset()
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		// A spreadsheet shows each blank line the reader skipped as a row.
		row += 1 + blankLines(body[start:r.InputOffset()])
		var pe *csv.ParseError
		if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) {
			out = append(out, batchRequest{row: row, cells: rec, err: fmt.Errorf("%w: the row has %d cells; the header has %d", errInvalidRequest, len(rec), len(header))})
		} else if err != nil {
			// Past a quoting error the rows cannot be told apart reliably.
			return nil, nil, fmt.Errorf("%w: the CSV cannot be read: %v", errInvalidRequest, err)
		} else {
			req, err := csvRequest(rec, cols)
			out = append(out, batchRequest{row: row, cells: rec, req: req, err: err})
		}
		if len(out) > maxBatch {
			return nil, nil, fmt.Errorf("%w: the batch has more than %d rows; at most %d are allowed per request", errTooLarge, maxBatch, maxBatch)
		}
	}
	return header, out, nil
}

// blankLines counts the empty lines that start b.
func blankLines(b []byte) int {
	n := 0
	for {
		switch {
		case bytes.HasPrefix(b, []byte("\r\n")):
			b = b[2:]
		case bytes.HasPrefix(b, []byte("\n")):
			b = b[1:]
		default:
			return n
		}
		n++
	}
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
		case "yes", "y", "true", "1":
			b = true
		case "no", "n", "false", "0":
		default:
			e.add(name, fmt.Sprintf("%q is not yes or no", v), errInvalidRequest)
			return nil
		}
		return &b
	}
	req := coverageRequest{}
	req.Plan, _ = cell("plan")
	req.State, _ = cell("state")
	req.Condition, _ = cell("condition")
	if d, ok := cell("date"); ok {
		d = isoDate(d)
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
		// A defused formula (an echoed input cell such as '=1+1) is quoted
		// too: nothing formula-like is left outside quotes.
		if !strings.ContainsAny(cell, csvSeparators+"=") && strings.TrimSpace(cell) == cell {
			b = append(b, cell...)
			continue
		}
		b = append(b, '"')
		b = append(b, strings.ReplaceAll(cell, `"`, `""`)...)
		b = append(b, '"')
	}
	return append(b, '\n')
}

// csvAnswerHeader is the header of a CSV answer: row, the batch's own
// columns as sent, then the result columns.
func csvAnswerHeader(in []string) []string {
	out := make([]string, 0, 1+len(in)+len(csvResultColumns))
	out = append(out, "row")
	for _, h := range in {
		out = append(out, csvSafe(h))
	}
	return append(out, csvResultColumns...)
}

// csvResultRow is one row of a CSV answer: the row number, the row's own n
// cells as sent (padded or cut to the header), then the result; every cell
// defused (csvSafe).
func csvResultRow(r *batchItem, n int, cells []string) []string {
	row := make([]string, 0, 1+n+len(csvResultColumns))
	if r.Row > 0 {
		row = append(row, strconv.Itoa(r.Row))
	} else {
		row = append(row, "")
	}
	for i := range n {
		v := ""
		if i < len(cells) {
			v = cells[i]
		}
		row = append(row, csvSafe(v))
	}
	res := make([]string, len(csvResultColumns))
	if d := r.Decision; d != nil {
		decisionCells(res, d)
	} else if p := r.Problem; p != nil {
		res[0], res[1] = "error", "Not checked: see error"
		msg := p.Detail
		for _, fe := range p.Errors {
			if !strings.Contains(msg, fe.Message) {
				msg += "; " + fe.Field + ": " + fe.Message
			}
		}
		res[len(res)-1] = msg
	}
	for _, v := range res {
		row = append(row, csvSafe(v))
	}
	return row
}

// decisionCells fills the result columns of a decision, in
// csvResultColumns order.
func decisionCells(res []string, d *coverage.Decision) {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	res[0], res[1] = string(d.Status), statusWords[d.Status]
	res[2], res[3], res[4], res[5] = d.Plan.ID, d.State, d.Condition.ID, d.Date.String()
	if d.VisitsRemaining != nil {
		res[6] = strconv.Itoa(*d.VisitsRemaining)
	}
	if pa := d.PriorAuthorization; pa != nil {
		switch {
		case pa.RequiredNow != nil:
			res[7] = yn(*pa.RequiredNow)
		case pa.Required == catalog.AuthNever || pa.Required == "":
			res[7] = "no"
		case pa.Required == catalog.AuthAlways:
			res[7] = "yes"
		default:
			res[7] = "depends on visits used"
		}
	} else if d.Status == catalog.NotCovered {
		res[7] = "no"
	}
	res[8] = yn(d.ReferralRequired)
	res[9] = abnNeeded(d)
	var mods []string
	for _, m := range d.Billing.Modifiers {
		mods = append(mods, m.Code+": "+m.When)
	}
	res[10] = strings.Join(mods, " | ")
	res[11] = strings.Join(d.Billing.CPT, " ")
	if cs := d.CostSharing; cs != nil {
		res[12] = centsText(cs.CopayCents)
		res[13] = strconv.Itoa(cs.CoinsurancePercent)
		res[14] = centsText(cs.DeductibleCents)
		res[15] = yn(cs.DeductibleApplies)
	}
	var safety []string
	for _, s := range d.Safety {
		safety = append(safety, s.Text)
	}
	res[16] = strings.Join(safety, " | ")
	var why []string
	for _, r := range d.Reasons {
		why = append(why, r.Text)
	}
	res[17] = strings.Join(why, " | ")
	if len(d.Reasons) > 0 {
		res[18] = d.Reasons[0].RuleID
	}
}

// statusWords say a status in plain words, as the console does.
var statusWords = map[catalog.Status]string{
	catalog.Covered:     "Covered",
	catalog.NotCovered:  "Not covered",
	catalog.Conditional: "Depends on answers still missing",
	catalog.Unknown:     "Unknown: the catalog does not know",
}

// abnNeeded says whether to give an Advance Beneficiary Notice: "yes" for a
// visit expected to be denied when the plan's billing guidance calls for
// one (Original Medicare), "if not covered" while the answer is still
// conditional, else "no".
func abnNeeded(d *coverage.Decision) string {
	abn := false
	for _, n := range d.Billing.Notes {
		abn = abn || strings.Contains(n, "ABN")
	}
	for _, m := range d.Billing.Modifiers {
		abn = abn || strings.Contains(m.When, "ABN")
	}
	switch {
	case !abn:
		return "no"
	case d.Status == catalog.NotCovered:
		return "yes"
	case d.Status == catalog.Conditional || d.Status == catalog.Unknown:
		return "if not covered"
	}
	return "no"
}

// centsText writes cents as dollars with cents: 28300 → "283.00".
func centsText(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// isoDate turns a US date (3/10/2026 or 03/10/2026), as EHR exports write
// them, into 2026-03-10, and drops a time of day after a date ("2026-03-10
// 09:30", "2026-03-10T09:30:00", "3/10/2026 9:30 AM"); anything else is
// returned as is for the date check to judge.
func isoDate(s string) string {
	if d, _, ok := strings.Cut(s, " "); ok && strings.ContainsAny(d, "/-") {
		s = d
	}
	if len(s) > 10 && s[4] == '-' && s[7] == '-' && s[10] == 'T' {
		s = s[:10]
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[2]) != 4 {
		return s
	}
	m, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.Atoi(parts[1])
	y, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return s
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
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
	sep := false
	if r.Row > 0 {
		dst = append(dst, `"row":`...)
		dst = strconv.AppendInt(dst, int64(r.Row), 10)
		sep = true
	}
	if r.Decision != nil {
		if sep {
			dst = append(dst, ',')
		}
		dst = append(dst, `"decision":`...)
		dst = r.Decision.AppendJSON(dst)
		sep = true
	}
	if r.Problem != nil {
		if sep {
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
