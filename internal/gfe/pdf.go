package gfe

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// PDF renders g as a US Letter PDF made in Go (no browser): the same
// contents as HTML, each provider block starting on its own page, and a
// footer with the estimate number and page numbers.
//
// It uses the PDF core font Helvetica, whose encoding (cp1252) covers
// English and Western European names; other characters print as "?".
// The output is deterministic: the creation date is the issue date.
func PDF(g *GFE) ([]byte, error) {
	p := fpdf.New("P", "mm", "Letter", "")
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(true, 18)
	p.SetCreationDate(g.Issued.Time())
	p.SetModificationDate(g.Issued.Time())
	p.SetCatalogSort(true)
	p.SetCompression(true)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetTitle("Good Faith Estimate "+g.Number, true)
	p.SetLang("en-US")
	p.SetCreator("acucover", true)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(func() {
		p.SetY(-13)
		p.SetFont("Helvetica", "", 8)
		p.CellFormat(0, 5, tr(fmt.Sprintf("Good Faith Estimate %s for %s, issued %s. Page %d of {nb}", g.Number, g.Patient.Name, LongDate(g.Issued), p.PageNo())), "", 0, "C", false, 0, "")
	})
	w := &pdfWriter{p: p, tr: tr}
	pageW, _ := p.GetPageSize()
	left, _, right, _ := p.GetMargins()
	w.width = pageW - left - right

	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	w.para(7, "Good Faith Estimate for Health Care Items and Services")
	p.SetFont("Helvetica", "", 10)
	w.para(5, fmt.Sprintf("Estimate number %s, issued %s", g.Number, LongDate(g.Issued)))
	w.para(5, "For a patient who is uninsured or not using insurance (self-pay), under the No Surprises Act (45 CFR 149.610).")

	w.heading("Patient")
	w.field("Name", g.Patient.Name)
	w.field("Date of birth", LongDate(g.Patient.DateOfBirth))

	w.heading("Primary service")
	w.para(5, g.PrimaryService.Description)
	w.field("Scheduled for", LongDate(g.PrimaryService.ScheduledDate))
	w.field("Period of care", LongDate(g.PeriodOfCare.From)+" to "+LongDate(g.PeriodOfCare.To))
	w.field("Diagnosis codes (ICD-10-CM)", strings.Join(g.Diagnoses, ", "))

	w.heading("Total expected charges")
	p.SetFont("Helvetica", "B", 13)
	w.para(7, Money(g.TotalCents))
	p.SetFont("Helvetica", "", 10)
	w.para(5, "For all items and services listed in this estimate, from all providers, for the period of care.")

	for _, pr := range g.Providers {
		p.AddPage()
		w.provider(pr)
	}

	p.AddPage()
	w.heading("Items and services to be scheduled separately")
	if len(g.ScheduledSeparately) == 0 {
		w.para(5, "None are expected with this course of care. If any are recommended later, they will be estimated separately.")
	} else {
		w.para(5, "These are expected before or after the period of care, are not included above, and need their own Good Faith Estimate:")
		for _, s := range g.ScheduledSeparately {
			w.para(5, "- "+s.Description+". How to get its Good Faith Estimate: "+s.HowToGetGFE)
		}
	}

	w.heading("Important information about this estimate")
	for _, d := range g.Disclaimers {
		p.SetFont("Helvetica", "B", 10)
		w.para(5, d.Title)
		p.SetFont("Helvetica", "", 10)
		w.para(5, d.Text)
		p.Ln(1.5)
	}

	w.heading("Planned visit dates")
	p.SetFont("Helvetica", "", 9)
	dates := make([]string, len(g.VisitDates))
	for i, d := range g.VisitDates {
		dates[i] = strconv.Itoa(i+1) + ". " + d.String()
	}
	w.para(4.5, strings.Join(dates, "   "))
	p.SetFont("Helvetica", "B", 9)
	w.para(5, "How this estimate was made")
	p.SetFont("Helvetica", "", 9)
	for _, a := range g.Assumptions {
		w.para(4.5, "- "+a)
	}

	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, fmt.Errorf("render good faith estimate PDF: %w", err)
	}
	return b.Bytes(), nil
}

type pdfWriter struct {
	p     *fpdf.Fpdf
	tr    func(string) string
	width float64
}

func (w *pdfWriter) para(h float64, s string) {
	w.p.MultiCell(0, h, w.tr(s), "", "L", false)
}

func (w *pdfWriter) heading(s string) {
	p := w.p
	p.Ln(3)
	p.SetFont("Helvetica", "B", 12)
	p.MultiCell(0, 6.5, w.tr(s), "B", "L", false)
	p.Ln(1.5)
	p.SetFont("Helvetica", "", 10)
}

// field prints "Label: value" with the label in bold.
func (w *pdfWriter) field(label, value string) {
	p := w.p
	p.SetFont("Helvetica", "B", 10)
	lw := 72.0
	p.CellFormat(lw, 5.5, w.tr(label+":"), "", 0, "L", false, 0, "")
	p.SetFont("Helvetica", "", 10)
	p.MultiCell(0, 5.5, w.tr(value), "", "L", false)
}

func (w *pdfWriter) provider(pr Provider) {
	p := w.p
	w.heading("Provider: " + pr.Name)
	w.field("Provider name", pr.Name)
	w.field("National Provider Identifier (NPI)", pr.NPI)
	w.field("Taxpayer Identification Number (TIN)", pr.TIN)
	for _, l := range pr.Locations {
		var addr []string
		if l.Name != "" {
			addr = append(addr, l.Name)
		}
		addr = append(addr, l.AddressLines...)
		addr = append(addr, l.City+", "+l.State+" "+l.ZIP, "Place of service code "+l.PlaceOfService)
		w.field("Location", strings.Join(addr, "\n"))
	}
	p.Ln(2)
	p.SetFont("Helvetica", "B", 10)
	w.para(5.5, "Itemized list of items and services expected during the period of care")

	cols := []string{"Item or service", "Service code (CPT)", "Diagnosis codes", "Quantity", "Price each", "Charge"}
	widths := []float64{58, 17, 25, 17, 0, 0}
	if pr.SlidingScale != nil {
		cols = append(cols, "Discount")
		widths = []float64{44, 16, 22, 17, 0, 0, 0}
	}
	cols = append(cols, "Expected charge")
	widths = append(widths, 0)
	// Share what is left equally among the money columns.
	used, money := 0.0, 0
	for _, x := range widths {
		if x == 0 {
			money++
		}
		used += x
	}
	for i := range widths {
		if widths[i] == 0 {
			widths[i] = (w.width - used) / float64(money)
		}
	}
	aligns := make([]string, len(cols))
	for i := range aligns {
		aligns[i] = "L"
		if i >= 3 {
			aligns[i] = "R"
		}
	}
	p.SetFont("Helvetica", "B", 8.5)
	p.SetFillColor(232, 232, 232)
	w.row(cols, widths, aligns, true)
	p.SetFont("Helvetica", "", 9)
	for _, it := range pr.Items {
		cells := []string{it.Description, it.ServiceCode, strings.Join(it.DiagnosisCodes, ", "), strconv.Itoa(it.Quantity), Money(it.UnitPriceCents), Money(it.ChargeCents)}
		if pr.SlidingScale != nil {
			cells = append(cells, "-"+Money(it.DiscountCents))
		}
		cells = append(cells, Money(it.ExpectedCents))
		w.row(cells, widths, aligns, false)
	}
	p.SetFont("Helvetica", "B", 10)
	label := 0.0
	for _, x := range widths[:len(widths)-1] {
		label += x
	}
	p.CellFormat(label, 7, w.tr("Total expected charges for "+pr.Name), "1", 0, "L", true, 0, "")
	p.CellFormat(widths[len(widths)-1], 7, w.tr(Money(pr.TotalCents)), "1", 1, "R", true, 0, "")
	p.SetFont("Helvetica", "", 9)
	if s := pr.SlidingScale; s != nil {
		p.Ln(1.5)
		w.para(4.5, "Includes the clinic's sliding-scale discount of "+Percent(s.BasisPoints)+
			" off each charge (rounded to the nearest cent, half a cent up). Eligibility: "+s.Eligibility)
	}
}

// row prints one table row whose cells wrap; all cells get the height of
// the tallest, and the row moves to a new page whole.
func (w *pdfWriter) row(cells []string, widths []float64, aligns []string, fill bool) {
	p := w.p
	const lineH = 4.5
	lines := 1
	split := make([][]string, len(cells))
	for i, c := range cells {
		split[i] = p.SplitText(w.tr(c), widths[i]-2)
		lines = max(lines, len(split[i]))
	}
	h := float64(lines)*lineH + 2
	_, pageH := p.GetPageSize()
	_, bottom := p.GetAutoPageBreak()
	if p.GetY()+h > pageH-bottom {
		p.AddPage()
	}
	x0, y0 := p.GetXY()
	x := x0
	for i := range cells {
		style := "D"
		if fill {
			style = "FD"
		}
		p.Rect(x, y0, widths[i], h, style)
		p.SetXY(x+1, y0+1)
		for _, l := range split[i] {
			p.CellFormat(widths[i]-2, lineH, l, "", 2, aligns[i], false, 0, "")
			p.SetX(x + 1)
		}
		x += widths[i]
	}
	p.SetXY(x0, y0+h)
}
