package coverage

// Safety is a screening flag's advice. Safety never changes the status: it is
// shown to the patient and clinician, who decide.
type Safety struct {
	Flag  string `json:"flag"`
	Level string `json:"level"` // avoid, no_electroacupuncture, caution, consult
	Text  string `json:"text"`
}

// SafetyFlags lists the patient flags a query may carry, in display order.
var SafetyFlags = []string{
	"severe_neutropenia", "pacemaker", "aicd", "anticoagulants",
	"bleeding_disorder", "pregnant", "sudden_severe_pain",
}

// safetyTable holds the screening advice of DOMAIN.md ("Safety screening",
// from the seed article): flag, never block.
var safetyTable = map[string]Safety{
	"severe_neutropenia": {Level: "avoid", Text: "Severe neutropenia: avoid acupuncture entirely."},
	"pacemaker":          {Level: "no_electroacupuncture", Text: "Pacemaker: no electroacupuncture (97813/97814); manual acupuncture is fine."},
	"aicd":               {Level: "no_electroacupuncture", Text: "Implanted defibrillator (AICD): no electroacupuncture (97813/97814); manual acupuncture is fine."},
	"anticoagulants":     {Level: "caution", Text: "Blood thinners: tell the acupuncturist before treatment."},
	"bleeding_disorder":  {Level: "caution", Text: "Bleeding disorder: tell the acupuncturist before treatment."},
	"pregnant":           {Level: "consult", Text: "Pregnancy: consult a doctor first; pregnancy-related back pain is outside Medicare's chronic low back pain rule."},
	"sudden_severe_pain": {Level: "consult", Text: "Sudden and severe pain: see a clinician first."},
}

// safety returns the advice for flags in SafetyFlags order (duplicates
// collapse) and whether electroacupuncture must be ruled out.
func safety(flags []string) (out []Safety, noElectro bool) {
	out = []Safety{}
	for _, f := range SafetyFlags {
		for _, g := range flags {
			if g == f {
				s := safetyTable[f]
				s.Flag = f
				out = append(out, s)
				noElectro = noElectro || s.Level == "no_electroacupuncture"
				break
			}
		}
	}
	return out, noElectro
}
