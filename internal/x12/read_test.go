package x12

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustRead(t *testing.T, s string) *Response {
	t.Helper()
	r, err := Read271([]byte(s))
	if err != nil {
		t.Fatalf("Read271: %v", err)
	}
	return r
}

// ebSummary is a compact, comparable view of a Benefit.
type ebSummary struct {
	Seg                          int
	Info, Level, Time, Qual, Net string
	Types                        []string
	Amount                       string
	Percent                      string
	Quantity                     string
	Auth                         string
	Proc                         string
	HSD, MSG, DTP, REF, Related  int
	AAA                          int
}

func summarize(bs []Benefit) []ebSummary {
	var out []ebSummary
	for _, b := range bs {
		s := ebSummary{Seg: b.Segment.Num, Info: b.Info, Level: b.CoverageLevel, Time: b.TimePeriod, Qual: b.QuantityQualifier,
			Net: b.InNetwork, Types: b.ServiceTypes, Auth: b.Authorization,
			HSD: len(b.Deliveries), MSG: len(b.Messages), DTP: len(b.Dates), REF: len(b.Refs), Related: len(b.Related), AAA: len(b.Rejections)}
		if b.Amount != nil {
			s.Amount = FormatCents(*b.Amount)
		}
		if b.Percent != nil {
			s.Percent = b.Percent.String()
		}
		if b.Quantity != nil {
			s.Quantity = b.Quantity.String()
		}
		if b.Procedure != nil {
			s.Proc = b.Procedure.Qualifier + "/" + b.Procedure.Code + "/" + strings.Join(b.Procedure.Modifiers, ",")
		}
		out = append(out, s)
	}
	return out
}

func TestRead271Public(t *testing.T) {
	t.Parallel()
	all := []string{"1", "33", "35", "47", "86", "88", "98", "AL", "MH", "UC"}
	ig := []ebSummary{
		{Seg: 17, Info: "1", Types: []string{"30"}},
		{Seg: 18, Info: "L", Related: 1},
		{Seg: 22, Info: "1", Types: all},
		{Seg: 23, Info: "B", Time: "27", Net: "Y", Types: all, Amount: "10.00"},
		{Seg: 24, Info: "B", Time: "27", Net: "N", Types: all, Amount: "30.00"},
	}
	t.Run("subscriber", func(t *testing.T) {
		t.Parallel()
		r := mustRead(t, publicSubscriber)
		if len(r.Members) != 1 || r.Members[0].Level != "22" || r.Members[0].Name.ID != "00000000001" {
			t.Fatalf("members = %+v, want one subscriber 00000000001", r.Members)
		}
		if diff := cmp.Diff(ig, summarize(r.Members[0].Benefits)); diff != "" {
			t.Errorf("benefits mismatch (-want +got):\n%s", diff)
		}
		if r.Version != "005010X279A1" || r.Payers[0].Name != "PAYER C" || len(r.Warnings) != 0 {
			t.Errorf("version %q payers %+v warnings %v", r.Version, r.Payers, r.Warnings)
		}
	})
	t.Run("dependent", func(t *testing.T) {
		t.Parallel()
		r := mustRead(t, publicDependent)
		if len(r.Members) != 2 || r.Members[1].Level != "23" || r.Members[1].Parent != "3" || r.Members[1].Name.First != "MARY" {
			t.Fatalf("members = %+v, want subscriber and dependent MARY", r.Members)
		}
		if len(r.Members[0].Benefits) != 0 {
			t.Errorf("subscriber benefits = %d, want 0 (they are the dependent's)", len(r.Members[0].Benefits))
		}
		want := make([]ebSummary, len(ig))
		copy(want, ig)
		for i := range want {
			want[i].Seg += 5 // the dependent example has five more segments before its first EB
		}
		if diff := cmp.Diff(want, summarize(r.Members[1].Benefits)); diff != "" {
			t.Errorf("benefits mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("rejection", func(t *testing.T) {
		t.Parallel()
		r := mustRead(t, publicError)
		if len(r.Rejections) != 1 {
			t.Fatalf("rejections = %+v, want 1", r.Rejections)
		}
		got := r.Rejections[0]
		if got.Loop != "2100B" || got.Reason != "50" || got.ReasonName != "Provider Ineligible for Inquiries" || got.FollowUp != "N" || got.Segment.Num != 9 {
			t.Errorf("rejection = %+v", got)
		}
		if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "SE02") {
			t.Errorf("warnings = %q, want the SE02/ST02 mismatch", r.Warnings)
		}
	})
}

func TestRead271Acupuncture(t *testing.T) {
	t.Parallel()
	r := mustRead(t, acuFull)
	if len(r.Warnings) != 0 {
		t.Errorf("warnings = %q", r.Warnings)
	}
	if len(r.Members) != 2 {
		t.Fatalf("members = %d, want 2", len(r.Members))
	}
	sub := r.Members[0]
	want := []ebSummary{
		{Seg: segNum(acuFull, "EB*1*IND*30^1"), Info: "1", Level: "IND", Types: []string{"30", "1"}, DTP: 1},
		{Seg: segNum(acuFull, "EB*C*IND*30***23"), Info: "C", Level: "IND", Time: "23", Net: "Y", Types: []string{"30"}, Amount: "500.00"},
		{Seg: segNum(acuFull, "EB*C*IND*30***29"), Info: "C", Level: "IND", Time: "29", Net: "Y", Types: []string{"30"}, Amount: "350.00"},
		{Seg: segNum(acuFull, "EB*C*FAM"), Info: "C", Level: "FAM", Time: "23", Net: "Y", Types: []string{"30"}, Amount: "1500.00"},
		{Seg: segNum(acuFull, "EB*G*IND*30***23"), Info: "G", Level: "IND", Time: "23", Net: "Y", Types: []string{"30"}, Amount: "3000.00"},
		{Seg: segNum(acuFull, "EB*G*IND*30***29"), Info: "G", Level: "IND", Time: "29", Net: "Y", Types: []string{"30"}, Amount: "2750.50"},
		{Seg: segNum(acuFull, "EB*1*IND*64"), Info: "1", Level: "IND", Types: []string{"64"}, MSG: 1},
		{Seg: segNum(acuFull, "EB*B*IND*64"), Info: "B", Level: "IND", Time: "27", Net: "Y", Types: []string{"64"}, Amount: "25.00"},
		{Seg: segNum(acuFull, "EB*A*IND*64***27**0.2"), Info: "A", Level: "IND", Time: "27", Net: "Y", Types: []string{"64"}, Percent: "20%"},
		{Seg: segNum(acuFull, "EB*A*IND*64***27**0.4"), Info: "A", Level: "IND", Time: "27", Net: "N", Types: []string{"64"}, Percent: "40%"},
		{Seg: segNum(acuFull, "EB*F*IND*64***23"), Info: "F", Level: "IND", Time: "23", Qual: "VS", Quantity: "20", Net: "Y", Types: []string{"64"}, HSD: 1},
		{Seg: segNum(acuFull, "EB*F*IND*64***29"), Info: "F", Level: "IND", Time: "29", Qual: "VS", Quantity: "8", Net: "Y", Types: []string{"64"}},
		{Seg: segNum(acuFull, "EB*F*IND****23"), Info: "F", Level: "IND", Time: "23", Qual: "VS", Quantity: "12", Auth: "Y", Proc: "HC/97810/KX", REF: 1, DTP: 1, Related: 2},
		{Seg: segNum(acuFull, "EB*I*IND*64"), Info: "I", Level: "IND", Types: []string{"64"}},
		{Seg: segNum(acuFull, "EB*6**30"), Info: "6", Types: []string{"30"}},
	}
	if diff := cmp.Diff(want, summarize(sub.Benefits)); diff != "" {
		t.Errorf("subscriber benefits mismatch (-want +got):\n%s", diff)
	}
	if sub.OtherBenefits != 1 {
		t.Errorf("OtherBenefits = %d, want 1 (EB*1*IND*33 chiropractic)", sub.OtherBenefits)
	}
	hsd := sub.Benefits[10].Deliveries[0]
	if hsd.QuantityQualifier != "VS" || hsd.Quantity.String() != "20" || hsd.TimePeriod != "22" || hsd.Periods.String() != "1" {
		t.Errorf("HSD = %+v", hsd)
	}
	if got := sub.Benefits[6].Messages[0].Text; got != "ACUPUNCTURE 20 VISITS PER CALENDAR YEAR" {
		t.Errorf("MSG = %q", got)
	}
	if got, want := sub.Benefits[1].Segment.Cite(), "EB*C*IND*30***23*500.00*****Y (segment 16)"; got != want {
		t.Errorf("Cite = %q, want %q", got, want)
	}
	dep := r.Members[1]
	if dep.Level != "23" || len(dep.Rejections) != 1 || dep.Rejections[0].Loop != "2100D" || dep.Rejections[0].ReasonName != "Patient Not Found" {
		t.Errorf("dependent = %+v", dep)
	}
}

func TestRead271InactiveAndRejection(t *testing.T) {
	t.Parallel()
	r := mustRead(t, acuInactive)
	m := r.Members[0]
	if diff := cmp.Diff([]string{"6", "I"}, []string{m.Benefits[0].Info, m.Benefits[1].Info}); diff != "" {
		t.Errorf("EB01 mismatch (-want +got):\n%s", diff)
	}
	if len(m.Benefits[1].Rejections) != 1 || m.Benefits[1].Rejections[0].Loop != "2110C" || m.Benefits[1].Rejections[0].Reason != "AG" {
		t.Errorf("2110C rejection = %+v", m.Benefits[1].Rejections)
	}
	if len(r.Rejections) != 1 {
		t.Errorf("response rejections = %d, want 1", len(r.Rejections))
	}
}

func TestRead271RepeatedTransactionSets(t *testing.T) {
	t.Parallel()
	r := mustRead(t, acuTwoSets)
	if len(r.Payers) != 2 || r.Payers[1].Name != "SECOND PLAN" {
		t.Errorf("payers = %+v", r.Payers)
	}
	if len(r.Members) != 2 || r.Members[0].Name.ID != "A1" || r.Members[1].Name.ID != "B2" {
		t.Fatalf("members = %+v", r.Members)
	}
	if got := r.Members[1].Benefits[1].Amount; got == nil || *got != 0 {
		t.Errorf("zero deductible = %v, want 0 cents", got)
	}
}

// TestRead271Delimiters reads the same interchange under other delimiter
// sets, with and without CR/LF after terminators, and expects the same
// benefits.
func TestRead271Delimiters(t *testing.T) {
	t.Parallel()
	want := summarize(mustRead(t, acuFull).Members[0].Benefits)
	for _, tc := range []struct {
		name                  string
		elem, rep, comp, term byte
		newline               bool
	}{
		{"pipe bang caret tilde crlf", '|', '!', '^', '~', true},
		{"pipe caret gt newline-terminated", '|', '^', '>', '\n', false},
		{"plus backslash colon apostrophe", '+', '\\', ':', '\'', false},
		{"information separators", 0x1d, 0x1f, 0x1e, 0x1c, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := withDelims(acuFull, tc.elem, tc.rep, tc.comp, tc.term, tc.newline)
			if !tc.newline {
				in = strings.ReplaceAll(in, "\n", "")
				if tc.term == '\n' {
					in = withDelims(strings.ReplaceAll(acuFull, "~\n", "\n"), tc.elem, tc.rep, tc.comp, tc.term, false)
				}
			}
			r, err := Read271([]byte(in))
			if err != nil {
				t.Fatalf("Read271: %v", err)
			}
			if r.Delimiters != (Delimiters{tc.elem, tc.rep, tc.comp, tc.term}) {
				t.Errorf("delimiters = %+v", r.Delimiters)
			}
			if diff := cmp.Diff(want, summarize(r.Members[0].Benefits)); diff != "" {
				t.Errorf("benefits mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRead271Malformed(t *testing.T) {
	t.Parallel()
	base := publicSubscriber
	replace := func(old, new string) string {
		if !strings.Contains(base, old) {
			panic("sample lacks " + old)
		}
		return strings.Replace(base, old, new, 1)
	}
	for _, tc := range []struct {
		name string
		in   string
		want Error // Msg is matched as a substring
	}{
		{"empty", "", Error{Segment: 1, Msg: "does not start with an ISA"}},
		{"not x12", "{\"benefits\":[]}", Error{Segment: 1, Msg: "does not start with an ISA"}},
		{"short ISA", "ISA*00*", Error{Segment: 1, ID: "ISA", Msg: "cut short"}},
		{"letter element separator", strings.ReplaceAll(base[:110], "*", "X"), Error{Segment: 1, ID: "ISA", Msg: "element separator"}},
		{"component equals element", replace("*T*:~", "*T**~"), Error{Segment: 1, ID: "ISA", Element: 16, Msg: "component separator"}},
		{"repetition equals component", replace("*^*00501", "*:*00501"), Error{Segment: 1, ID: "ISA", Element: 11, Msg: "repeats"}},
		{"not a 271", replace("ST*271*", "ST*270*"), Error{Segment: 3, ID: "ST", Element: 1, Msg: "not a 271"}},
		{"truncated", base[:len(base)-20], Error{Segment: 26, Msg: "no segment terminator"}},
		{"missing IEA", strings.TrimSuffix(base, "IEA*1*000000907~"), Error{Segment: 26, ID: "GE", Msg: "no IEA"}},
		{"missing SE", replace("SE*23*0001~\n", ""), Error{Segment: 25, ID: "GE", Msg: "before SE"}},
		{"bad segment id", replace("DMG*", "dmg*"), Error{Segment: 15, Msg: "segment identifier"}},
		{"amount three decimals", replace("*27*10.00*", "*27*10.005*"), Error{Segment: 23, ID: "EB", Element: 7, Msg: "more than 2 decimal places"}},
		{"amount not a number", replace("*27*10.00*", "*27*1O.00*"), Error{Segment: 23, ID: "EB", Element: 7, Msg: "not a decimal"}},
		{"percent above one", replace("*27*10.00*", "*27*10.00*20*"), Error{Segment: 23, ID: "EB", Element: 8, Msg: "outside 0"}},
		{"quantity without qualifier", replace("*27*10.00*****Y", "*27*10.00***4**Y"), Error{Segment: 23, ID: "EB", Element: 9, Msg: "without an EB09"}},
		{"bad in-network", replace("*****Y~", "*****Q~"), Error{Segment: 23, ID: "EB", Element: 12, Msg: "EB12"}},
		{"bad EB01", replace("EB*L~", "EB*ZZ~"), Error{Segment: 18, ID: "EB", Element: 1, Msg: "EB01"}},
		{"bad service type", replace("EB*1**30**", "EB*1**30^ABC**"), Error{Segment: 17, ID: "EB", Element: 3, Component: 2, Msg: "service type"}},
		{"bad procedure", replace("EB*L~", "EB*L************HC~"), Error{Segment: 18, ID: "EB", Element: 13, Msg: "EB13"}},
		{"EB at receiver level", replace("PRV*RF*PXC*207Q00000X~", "EB*1**30~"), Error{Segment: 9, ID: "EB", Msg: "outside a subscriber"}},
		{"orphan HL", replace("HL*3*2*22*0~", "HL*3*9*22*0~"), Error{Segment: 10, ID: "HL", Element: 2, Msg: "HL02"}},
		{"bad HL level", replace("HL*3*2*22*0~", "HL*3*2*99*0~"), Error{Segment: 10, ID: "HL", Element: 3, Msg: "HL03"}},
		{"duplicate HL", replace("HL*3*2*22*0~", "HL*2*2*22*0~"), Error{Segment: 10, ID: "HL", Element: 1, Msg: "twice"}},
		{"LS without LE", replace("LE*2120~\n", ""), Error{Segment: 21, ID: "EB", Msg: "missing LE"}},
		{"LE without LS", replace("LS*2120~", "LE*2120~"), Error{Segment: 19, ID: "LE", Msg: "LE without LS"}},
		{"MSG before EB", replace("DTP*346*D8*20210101~", "MSG*HELLO~"), Error{Segment: 16, ID: "MSG", Msg: "without a preceding EB"}},
		{"AAA bad indicator", replace("DTP*346*D8*20210101~", "AAA*X**72*C~"), Error{Segment: 16, ID: "AAA", Element: 1, Msg: "AAA01"}},
		{"data after IEA", base + "\nXYZ*1~", Error{Segment: 28, Msg: "after the IEA"}},
		{"second ISA", base + "\n" + base, Error{Segment: 28, Msg: "after the IEA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Read271([]byte(tc.in))
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("error = %v (%T), want *Error", err, err)
			}
			matched := false
			for _, alt := range strings.Split(tc.want.Msg, "|") {
				matched = matched || strings.Contains(got.Msg, alt)
			}
			if !matched || got.Segment != tc.want.Segment || got.ID != tc.want.ID || got.Element != tc.want.Element || got.Component != tc.want.Component {
				t.Errorf("error = %#v\nwant %#v", *got, tc.want)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	t.Parallel()
	e := &Error{Segment: 23, ID: "EB", Element: 7, Msg: "EB07 amount: bad"}
	if got, want := e.Error(), "x12: segment 23 (EB) element EB07: EB07 amount: bad"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// FuzzRead271 feeds mangled interchanges to the reader: it must never panic,
// every failure must be an *Error naming a segment, and every benefit it
// does return must cite a real segment.
func FuzzRead271(f *testing.F) {
	for _, s := range []string{publicSubscriber, publicDependent, publicError, acuFull, acuInactive, acuTwoSets,
		withDelims(acuFull, '|', '!', '^', '~', true), "", "ISA*", "ISA*00*~"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read271(data)
		if err != nil {
			var xe *Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if xe.Segment < 1 || xe.Msg == "" {
				t.Fatalf("error %#v does not say where", *xe)
			}
			return
		}
		for _, m := range r.Members {
			for _, b := range m.Benefits {
				if b.Segment.Num < 1 || b.Segment.ID() != "EB" {
					t.Fatalf("benefit cites %+v", b.Segment)
				}
			}
		}
	})
}

// TestRead271RepeatedSubscribers reads two subscriber loops under one
// receiver, the second with a dependent, in one transaction set.
func TestRead271RepeatedSubscribers(t *testing.T) {
	t.Parallel()
	in := strings.Replace(publicSubscriber, "SE*23*0001~", `HL*4*2*22*1~
NM1*IL*1*ROE*RICHARD****MI*00000000002~
EB*1*IND*30~
HL*5*4*23*0~
NM1*03*1*ROE*RITA~
EB*6*IND*30~
EB*F*IND*64***23***VS*12~
HSD*VS*12***23*1~
SE*31*0001~`, 1)
	r := mustRead(t, in)
	var got []string
	for _, m := range r.Members {
		got = append(got, m.Level+" "+m.HL+"<"+m.Parent+" "+m.Name.Name+" "+strconv.Itoa(len(m.Benefits)))
	}
	want := []string{"22 3<2 DOE 5", "22 4<2 ROE 1", "23 5<4 ROE 2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("members mismatch (-want +got):\n%s", diff)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings = %q", r.Warnings)
	}
}

func BenchmarkRead271(b *testing.B) {
	data := []byte(acuFull)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read271(data); err != nil {
			b.Fatal(err)
		}
	}
}
