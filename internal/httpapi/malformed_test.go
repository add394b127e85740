package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"
)

// validQuery is a coverage question that succeeds; malformedRequests breaks
// it one or two ways at a time.
var validQuery = [][2]string{{"plan", "medicare-part-b"}, {"state", "CA"}, {"condition", "neck_pain"}, {"date", "2026-01-01"}}

// badQueryValues are values that each make their parameter invalid (raw,
// already URL-encoded).
var badQueryValues = map[string][]string{
	"plan":      {"", "nope", "MEDICARE-PART-B", strings.Repeat("p", 129), "%FF", "%C0%AF", "%00", "medicare-part-b%00", "%E2%80%8Bmedicare-part-b"},
	"state":     {"", "ZZ", "C", "CAL", "c%20a", "%FF", "%00", "PR", "GU", "12", "%D0%A1A", strings.Repeat("s", 200)},
	"condition": {"", "X", "M5", "M99.99", "Z", "%FF%FE", "neck%20pain", "NECK_PAIN", "M54.5%0A", "M54.5", strings.Repeat("c", 129), "%E2%98%83", "..", "M5X.X.X"},
	"date":      {"", "2026-02-30", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-1", "today", "2026-01-01T00:00:00Z", "2026/01/01", "%FF", "0000-00-00", "2026-01-32", "+2026-01-01", "1e9"},
}

// badQueries are whole query strings that are malformed on their own.
var badQueries = []string{
	"", "plan", "=x", "&&&", "%", "%G1=x", "plan=%", "plan=medicare-part-b;state=CA", "a=1;b=2",
	"plan=medicare-part-b&state=CA", "plan=medicare-part-b&condition=neck_pain", "state=CA&condition=neck_pain",
	"foo=bar", "plan=medicare-part-b&state=CA&condition=neck_pain&pain_weeks=20",
	"plan=medicare-part-b&plan=medicaid&state=CA&condition=neck_pain",
	"plan=medicare-part-b&state=CA&state=CA&condition=neck_pain",
	"plan=medicare-part-b&state=CA&condition=neck_pain&date=2026-01-01&date=2026-01-01",
	"PLAN=medicare-part-b&STATE=CA&CONDITION=neck_pain",
	"%FF=1&plan=medicare-part-b&state=CA&condition=neck_pain",
	"plan=medicare-part-b&state=CA&condition=M54.5&date=2022-01-01",
	"plan=example-hmo-copay&state=TX&condition=neck_pain",
}

// badBodies are POST bodies that are invalid whatever else is right.
var badBodies = []string{
	"", " ", "\n\t", "{", "}", "[", "[]", "null", "nul", "true", "1", `"plan"`, "{}", `{"plan":}`, `{'plan':'medicaid'}`,
	`{"plan":"medicaid",}`, `{"plan":"medicaid" "state":"CA"}`, "\x00", "\xef\xbb\xbf{}", "\xff\xfe{\x00}\x00",
	`{"plan":"medicaid","state":"CA","condition":"neck_pain"} {}`, `{"plan":"medicaid","state":"CA","condition":"neck_pain"}x`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain"}]`, `{"plan":"medicaid","state":"CA","condition":"neck_pain"`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","date":"2026-02-30"}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"flags":["levitation"]}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"flags":[null]}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","provider":{"type":"wizard"}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","provider":{}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","usage":{"visits_this_year":2,"visits_this_month":3}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","usage":{"visits_last_90_days":1,"visits_this_month":3}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","usage":{"visits_this_year":1001}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"pain_weeks":-1}}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":{"pain_weeks":5201}}`,
	"{\"plan\":\"medic\xffaid\",\"state\":\"CA\",\"condition\":\"neck_pain\"}",
	"{\"plan\":\"medicaid\",\"state\":\"C\xc0\",\"condition\":\"neck_pain\"}",
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","patient":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	`{"plan":"medicaid","state":"CA","condition":"neck_pain","date":"` + strings.Repeat("9", 500) + `"}`,
}

// typeMutations are values of the wrong JSON type (or out of range) for
// each body field; each one alone makes the request invalid.
var typeMutations = map[string][]string{
	"plan":                        {`1`, `true`, `[]`, `{}`, `1.5`, `"nope"`, `""`},
	"state":                       {`1`, `true`, `["CA"]`, `{}`, `"ZZ"`, `""`, `"California"`},
	"condition":                   {`1`, `false`, `["neck_pain"]`, `{}`, `"X"`, `"M99.99"`, `""`},
	"date":                        {`1`, `true`, `[]`, `{}`, `"2026-02-30"`, `"2026-1-1"`, `20260101`, `""`},
	"patient":                     {`1`, `"x"`, `[]`, `true`, `{"x":1}`},
	"usage":                       {`1`, `"x"`, `[]`, `true`, `{"visits":1}`},
	"provider":                    {`1`, `"physician"`, `[]`, `true`, `{"type":"physician","x":1}`},
	"patient.pain_weeks":          {`"12"`, `true`, `1.5`, `[]`, `{}`, `1e400`, `99999999999999999999`, `-99999999999999999999`, `-1`, `5201`, `1e2`},
	"patient.systemic_cause":      {`"false"`, `0`, `1`, `[]`, `{}`, `"no"`},
	"patient.surgery_related":     {`"false"`, `0`, `[]`, `{}`},
	"patient.pregnancy_related":   {`"false"`, `1`, `[]`, `{}`},
	"patient.improving":           {`"true"`, `1`, `[]`, `{}`},
	"patient.flags":               {`"pacemaker"`, `1`, `{}`, `[1]`, `["pacemaker",2]`, `["nope"]`, `[""]`, `[true]`},
	"usage.visits_this_year":      {`"3"`, `true`, `3.5`, `[]`, `{}`, `-1`, `1001`, `1e400`, `9223372036854775808`},
	"usage.visits_last_90_days":   {`"3"`, `false`, `0.1`, `[]`, `{}`, `-5`, `100000`},
	"usage.visits_this_month":     {`"3"`, `null,"x":1`, `2.5`, `[]`, `{}`, `-1`, `1e3000`},
	"provider.type":               {`1`, `true`, `[]`, `{}`, `""`, `"Physician"`, `"acupuncturist"`},
	"provider.supervised":         {`"true"`, `1`, `[]`, `{}`},
	"unknown":                     {`1`, `"x"`, `null`, `{}`},
	"patient.unknown":             {`1`, `null`},
	"usage.visits_this_quarter":   {`1`, `null`},
	"provider.license":            {`"x"`, `null`},
	"patient.pain_weeks.nested":   {`1`},
	"usage.visits_this_year.more": {`1`},
}

// bodyWith returns a valid POST body with field (a dotted path) set to the
// raw JSON value v.
func bodyWith(field, v string) string {
	top := map[string]string{"plan": `"medicare-part-b"`, "state": `"CA"`, "condition": `"chronic_low_back_pain"`, "date": `"2026-03-01"`}
	nested := map[string]map[string]string{}
	parent, child, isNested := strings.Cut(field, ".")
	if isNested {
		if grand, rest, deep := strings.Cut(child, "."); deep {
			// A value where an object is not allowed: "pain_weeks": {"nested": 1}.
			child, v = grand, `{"`+rest+`":`+v+`}`
		}
		nested[parent] = map[string]string{child: v}
	} else {
		top[field] = v
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	write := func(k, v string) {
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	for _, k := range []string{"plan", "state", "condition", "date", "patient", "usage", "provider", "unknown"} {
		if v, ok := top[k]; ok {
			write(k, v)
		}
		if m, ok := nested[k]; ok {
			var o []string
			for ck, cv := range m {
				o = append(o, fmt.Sprintf("%q:%s", ck, cv))
			}
			write(k, "{"+strings.Join(o, ",")+"}")
		}
	}
	b.WriteString("}")
	return b.String()
}

var badContentTypes = []string{
	"-", "text/plain", "application/xml", "application/json; charset=latin1", "application/json; charset=utf-16",
	"multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "garbage;;", "application/jsonx",
	"json", "application/", "text/json", "application/json; charset", "*/*",
}

// malformedRequests generates the malformed requests: every entry is wrong
// in at least one way the API must answer with a 4xx problem.
func malformedRequests() []request {
	var out []request
	query := func(params [][2]string) string {
		parts := make([]string, 0, len(params))
		for _, p := range params {
			parts = append(parts, p[0]+"="+p[1])
		}
		return "/v1/coverage?" + strings.Join(parts, "&")
	}
	replace := func(base [][2]string, name, v string) [][2]string {
		out := make([][2]string, 0, len(base))
		for _, p := range base {
			if p[0] == name {
				p[1] = v
			}
			out = append(out, p)
		}
		return out
	}
	// One bad value, and every pair of bad values in two parameters.
	names := []string{"plan", "state", "condition", "date"}
	for i, a := range names {
		for _, va := range badQueryValues[a] {
			out = append(out, get(query(replace(validQuery, a, va))))
			for _, b := range names[i+1:] {
				for _, vb := range badQueryValues[b] {
					out = append(out, get(query(replace(replace(validQuery, a, va), b, vb))))
				}
			}
		}
	}
	for _, q := range badQueries {
		out = append(out, get("/v1/coverage?"+q))
	}
	for _, q := range []string{"state=ZZ", "type=hmo", "q=a&q=b", "x=1", "%FF=1", "state=%FF", "type=", "state=", "%"} {
		out = append(out, get("/v1/plans?"+q))
	}
	for _, target := range []string{"/v1/plans/nope", "/v1/plans/%FF", "/v1/plans/medicaid?x=1", "/v1/conditions?x=1", "/v1/states?%", "/v1/nope", "/index.html", "/v1/plans/medicaid/rules", "/V1/PLANS"} {
		out = append(out, get(target))
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "BREW"} {
		for _, target := range []string{"/v1/coverage", "/v1/plans", "/v1/plans/medicaid", "/healthz", "/openapi.json"} {
			out = append(out, request{method: m, target: target})
		}
	}

	for _, b := range badBodies {
		out = append(out, post(b))
	}
	for field, vs := range typeMutations {
		for _, v := range vs {
			out = append(out, post(bodyWith(field, v)))
		}
	}
	for _, f := range []string{"plan", "state", "condition"} {
		// Missing required field.
		out = append(out, post(strings.Replace(bodyWith("date", `"2026-03-01"`), fmt.Sprintf("%q:", f), `"x_`+f+`":`, 1)))
	}
	valid := bodyWith("date", `"2026-03-01"`)
	for _, ct := range badContentTypes {
		out = append(out, request{method: http.MethodPost, target: "/v1/coverage", body: valid, contentType: ct})
	}
	// The same body in UTF-16, with and without a byte-order mark.
	for _, bom := range []bool{false, true} {
		u := utf16.Encode([]rune(valid))
		var raw []byte
		if bom {
			raw = append(raw, 0xFF, 0xFE)
		}
		for _, r := range u {
			raw = append(raw, byte(r), byte(r>>8))
		}
		out = append(out, post(string(raw)))
	}
	// Oversized bodies, valid JSON and not.
	for _, n := range []int{testMaxBody + 1, 2 * testMaxBody, 64 * testMaxBody} {
		out = append(out, post(`{"plan":"medicaid","state":"CA","condition":"neck_pain","padding":"`+strings.Repeat("x", n)+`"}`))
		out = append(out, post(strings.Repeat(" ", n)+valid))
		out = append(out, post(strings.Repeat("[", n)))
	}
	return out
}

// TestMalformedRequests fires the generated malformed requests through the
// router: every answer must be a 4xx problem with a detail, valid against
// openapi.json, and the process must not panic.
func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, mustDefault(t))
	reqs := malformedRequests()
	if len(reqs) < 1000 {
		t.Fatalf("generated %d malformed requests, want at least 1000", len(reqs))
	}
	statuses := map[int]int{}
	for i, r := range reqs {
		req := r.build()
		rec := srv.serve(req)
		statuses[rec.Code]++
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("#%d %s %s (%.80q, %s): status %d, want 4xx\n%s", i, r.method, r.target, r.body, r.contentType, rec.Code, rec.Body)
			continue
		}
		checkResponse(t, req, rec)
	}
	// Each class of mistake must show up, or the generator has gone stale.
	for _, code := range []int{400, 404, 405, 413, 415, 422} {
		if statuses[code] == 0 {
			t.Errorf("no request answered %d; statuses: %v", code, statuses)
		}
	}
	t.Logf("%d malformed requests, statuses %v", len(reqs), statuses)
	if strings.Contains(srv.logs.String(), "panic") {
		t.Errorf("a malformed request panicked:\n%s", srv.logs)
	}
}
