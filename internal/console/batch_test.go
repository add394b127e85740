package console_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/acucover/acucover/internal/access"
)

// upload posts a CSV file to the batch page as a browser's multipart form.
func (b *browser) upload(path, csrf, name, content string) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", csrf)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.WriteField("csv", "")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// apiBatch is the API's own CSV answer for input, with key.
func apiBatch(t *testing.T, base, key, input string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/coverage/batch", strings.NewReader(input))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Accept", "text/csv")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("API batch = %d\n%s", res.StatusCode, b)
	}
	return string(b)
}

const scheduleCSV = `plan,state,condition,date,pain_weeks,systemic_cause,surgery_related,pregnancy_related,visits_this_year
medicare-part-b,CA,chronic_low_back_pain,2026-03-10,16,no,no,no,3
medicare-part-b,CA,neck_pain,2026-03-10,,,,,
no-such-plan,CA,neck_pain,2026-03-10,,,,,
`

// TestBatchPage: a reader uploads a schedule; the page shows one row per
// patient and the download is the API's own answer, byte for byte.
func TestBatchPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, true)
	key := e.keys.add(t, "billing-reader", access.Reader)
	b := e.browser(t)
	b.signIn(key)
	csrf := b.csrf("/console/batch")
	res := b.upload("/console/batch", csrf, "tomorrow.csv", scheduleCSV)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("upload = %d\n%s", res.StatusCode, res.body)
	}
	if n := strings.Count(res.body, "\n  <tr>"); n != 3 {
		t.Errorf("%d result rows, want 3\n%s", n, res.body)
	}
	if !strings.Contains(res.body, "Results: 3 patients from tomorrow.csv") {
		t.Error("the results heading does not name the file and count")
	}
	m := regexp.MustCompile(`action="/console/batch/download">\s*<input type="hidden" name="csrf" value="([^"]+)">\s*<input type="hidden" name="csv" value="([^"]*)">`).FindStringSubmatch(res.body)
	if m == nil {
		t.Fatal("no download form")
	}
	if got := htmlUnescape(strings.ReplaceAll(m[2], "&#10;", "\n")); got != scheduleCSV {
		t.Errorf("the download form carries %q, want the uploaded CSV", got)
	}
	dl := b.post("/console/batch/download", map[string][]string{"csrf": {m[1]}, "csv": {scheduleCSV}})
	if dl.StatusCode != http.StatusOK || !strings.HasPrefix(dl.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download = %d %q %q", dl.StatusCode, dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
	}
	if want := apiBatch(t, e.srv.URL, key, scheduleCSV); dl.body != want {
		t.Errorf("the download differs from the API's answer:\n%s\nwant\n%s", dl.body, want)
	}
	// Pasted text works the same; nothing at all is a mistake on the page.
	res = b.post("/console/batch", map[string][]string{"csrf": {csrf}, "csv": {scheduleCSV}})
	if n := strings.Count(res.body, "\n  <tr>"); res.StatusCode != http.StatusOK || n != 3 {
		t.Errorf("pasted: %d, %d rows", res.StatusCode, n)
	}
	res = b.post("/console/batch", map[string][]string{"csrf": {csrf}, "csv": {""}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "choose a CSV file or paste") {
		t.Errorf("empty: %d\n%s", res.StatusCode, res.body)
	}
	// A file the API refuses says why, from the API's problem.
	res = b.post("/console/batch", map[string][]string{"csrf": {csrf}, "csv": {"state,condition\nCA,neck_pain\n"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "The file was not accepted") || !strings.Contains(res.body, "plan") {
		t.Errorf("no plan column: %d\n%s", res.StatusCode, res.body)
	}
	// Without the token: refused.
	if r := b.upload("/console/batch", "", "x.csv", scheduleCSV); r.StatusCode != http.StatusForbidden {
		t.Errorf("upload without CSRF = %d, want 403", r.StatusCode)
	}
}
