package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// Tomorrow's patients: a CSV of checks (an EHR export, uploaded or pasted)
// is sent to the API's own batch endpoint, in process, with the signed-in
// key, so the console's answers are the API's, column for column. The
// results are shown in a table (sortable with the script on) and can be
// downloaded as the API's CSV.

// batchPath is the API's batch endpoint.
const batchPath = "/v1/coverage/batch"

// maxBatchInput bounds the CSV the console accepts (the API has its own
// body limit, which also applies).
const maxBatchInput = 4 << 20

type batchView struct {
	CSV      string // the input, kept for the download and for another try
	Name     string // the uploaded file's name
	Header   []string
	Rows     [][]string
	Counts   []option // status → count
	TopError string
	Errors   []placedProblem
	NoAPI    bool
}

// memWriter is an in-memory http.ResponseWriter for the in-process call.
type memWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (m *memWriter) Header() http.Header { return m.h }
func (m *memWriter) Write(b []byte) (int, error) {
	if m.status == 0 {
		m.status = http.StatusOK
	}
	return m.buf.Write(b)
}
func (m *memWriter) WriteHeader(s int) {
	if m.status == 0 {
		m.status = s
	}
}
func (m *memWriter) Flush() {}

// callBatch sends input to the API's batch endpoint as the session's key
// and returns the status, content type and body of the answer.
func (s *server) callBatch(r *http.Request, x *session, input string) (int, string, []byte) {
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, batchPath, strings.NewReader(input))
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	req.Header.Set("Accept", "text/csv")
	req.Header.Set("Authorization", "Bearer "+x.secret)
	req.RemoteAddr = r.RemoteAddr // the caller's rate-limit bucket
	req.ContentLength = int64(len(input))
	w := &memWriter{h: http.Header{}}
	s.api.ServeHTTP(w, req)
	mt, _, _ := mime.ParseMediaType(w.h.Get("Content-Type"))
	return w.status, mt, w.buf.Bytes()
}

func (s *server) batchPage(w http.ResponseWriter, r *http.Request, x *session) {
	s.render(w, r, http.StatusOK, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: &batchView{NoAPI: s.api == nil}})
}

// batchInput is the uploaded file, or else the pasted text.
func batchInput(r *http.Request) (text, name string, err error) {
	if err := r.ParseMultipartForm(maxBatchInput); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return "", "", fmt.Errorf("the upload could not be read: %v", err)
	}
	if f, h, err := r.FormFile("file"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxBatchInput+1))
		if err != nil {
			return "", "", fmt.Errorf("the file could not be read: %v", err)
		}
		if len(b) > maxBatchInput {
			return "", "", fmt.Errorf("the file is larger than %d MB", maxBatchInput>>20)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			return string(b), h.Filename, nil
		}
	}
	text = r.PostFormValue("csv")
	if len(text) > maxBatchInput {
		return "", "", fmt.Errorf("the pasted text is larger than %d MB", maxBatchInput>>20)
	}
	if strings.TrimSpace(text) == "" {
		return "", "", errors.New("choose a CSV file or paste the CSV into the box")
	}
	return text, "", nil
}

func (s *server) batch(w http.ResponseWriter, r *http.Request, x *session) {
	v := &batchView{NoAPI: s.api == nil}
	if v.NoAPI {
		s.render(w, r, http.StatusServiceUnavailable, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: v})
		return
	}
	input, name, err := batchInput(r)
	if err != nil {
		v.TopError = err.Error()
		v.Errors = []placedProblem{{Target: "file", Label: "CSV", Msg: err.Error()}}
		s.render(w, r, http.StatusUnprocessableEntity, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: v})
		return
	}
	v.CSV, v.Name = input, name
	status, mt, body := s.callBatch(r, x, input)
	if status != http.StatusOK || mt != "text/csv" {
		v.TopError, v.Errors = problemText(status, body)
		code := http.StatusUnprocessableEntity
		if status >= 500 || status == http.StatusTooManyRequests {
			code = status
		}
		s.render(w, r, code, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: v})
		return
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		s.log.Error("console: the batch answer is not CSV", "error", fmt.Sprint(err))
		v.TopError = "The answer could not be read. Try again."
		s.render(w, r, http.StatusBadGateway, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: v})
		return
	}
	v.Header, v.Rows = rows[0], rows[1:]
	v.Counts = statusCounts(v.Header, v.Rows)
	s.render(w, r, http.StatusOK, "batch", page{Title: "Tomorrow's patients", Session: x, Nav: "batch", Batch: v})
}

// batchDownload answers the results as a CSV file: the API's answer for
// the CSV the results page carries.
func (s *server) batchDownload(w http.ResponseWriter, r *http.Request, x *session) {
	if s.api == nil {
		s.batch(w, r, x)
		return
	}
	input := r.PostFormValue("csv")
	status, mt, body := s.callBatch(r, x, input)
	if status != http.StatusOK || mt != "text/csv" {
		s.batch(w, r, x)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="acucover-results.csv"`)
	w.Write(body)
}

// problemText turns the API's problem answer into the page's error and
// its list.
func problemText(status int, body []byte) (string, []placedProblem) {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil || p.Detail == "" {
		return fmt.Sprintf("The checks could not be run (HTTP %d). Try again shortly.", status), nil
	}
	var out []placedProblem
	for _, e := range p.Errors {
		out = append(out, placedProblem{Label: e.Field, Msg: e.Message})
	}
	return "The file was not accepted: " + p.Detail, out
}

// statusCounts counts the rows per status, in a fixed order.
func statusCounts(header []string, rows [][]string) []option {
	col := -1
	for i, h := range header {
		if h == "status" {
			col = i
		}
	}
	if col < 0 {
		return nil
	}
	n := map[string]int{}
	for _, r := range rows {
		if col < len(r) {
			n[r[col]]++
		}
	}
	var out []option
	for _, st := range []string{"covered", "conditional", "not_covered", "unknown", "error"} {
		if n[st] > 0 {
			out = append(out, option{st, fmt.Sprint(n[st])})
		}
	}
	return out
}
