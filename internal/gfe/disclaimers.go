package gfe

// Disclaimer keys, in the order they are printed.
const (
	KeyOtherItems   = "other_items"
	KeyEstimateOnly = "estimate_only"
	KeyDispute      = "dispute"
	KeyKeepCopy     = "keep_copy"
	KeyNotContract  = "not_contract"
	KeyQuestions    = "questions"
)

// DisputeThresholdCents is the amount a bill must exceed the estimate by, for
// any one provider or facility, for the patient to be able to dispute it:
// "at least $400 more" (CMS standard GFE form; the dispute process is 45 CFR 149.620).
const DisputeThresholdCents = 400_00

// DisputeDays is how long after the date on the original bill the patient
// has to start the dispute: "within 120 calendar days" (CMS standard form).
const DisputeDays = 120

// Disclaimers returns the notices every estimate carries.
//
// 45 CFR 149.610(c)(1), as published in the interim final rule (86 FR, Oct.
// 7, 2021; read 2026-12-04 at the transcription named in the package
// comment), requires:
//
//	(viii) "A disclaimer that informs the uninsured (or self-pay) individual
//	that there may be additional items or services the convening provider
//	or convening facility recommends as part of the course of care that must
//	be scheduled or requested separately and are not reflected in the good
//	faith estimate;"
//	(ix) "A disclaimer that informs the uninsured (or self-pay) individual
//	that the information provided in the good faith estimate is only an
//	estimate regarding items or services reasonably expected to be furnished
//	at the time the good faith estimate is issued ... and that actual items,
//	services, or charges may differ from the good faith estimate;"
//	(x) "A disclaimer that informs the uninsured (or self-pay) individual of
//	the ... right to initiate the patient-provider dispute resolution process
//	if the actual billed charges are substantially in excess of the expected
//	charges included in the good faith estimate, as specified in § 149.620;
//	this disclaimer must include instructions for where an uninsured (or
//	self-pay) individual can find information about how to initiate the
//	patient-provider dispute resolution process and state that the
//	initiation of the patient-provider dispute resolution process will not
//	adversely affect the quality of health care services furnished ..."
//	(xi) a disclaimer that the good faith estimate is not a contract and
//	does not require the individual to obtain the items or services from any
//	of the providers or facilities identified in it (paragraph (c)(1)(xi),
//	as cited by https://legalclarity.org/what-is-a-good-faith-estimate-and-how-does-it-work).
//
// The $400, the 120 calendar days from the date on the original bill, the
// $25 fee, "save a copy or picture" and the contact details follow the CMS
// standard form's wording as reproduced by providers (read 2026-12-04:
// https://www.eccfcounseling.com/good-faith-estimate/,
// https://nassauwellness.com/gfe).
func Disclaimers() []Disclaimer {
	return []Disclaimer{
		{KeyOtherItems, "Other items and services",
			"There may be other items or services your provider recommends as part of your course of care that must be scheduled or requested separately. " +
				"They are not included in this Good Faith Estimate and will be estimated separately."},
		{KeyEstimateOnly, "This is only an estimate",
			"This Good Faith Estimate shows the items and services reasonably expected to be provided, based on what was known when it was issued. " +
				"It is only an estimate: the actual items, services or charges may differ from this Good Faith Estimate."},
		{KeyDispute, "Your right to dispute the bill",
			"If you are billed at least $400 more than the total expected charges in this Good Faith Estimate for any provider or facility, you have the right to dispute the bill " +
				"by starting the patient-provider dispute resolution process. You must start it within 120 calendar days of the date on the original bill. " +
				"There is a $25 fee to use the dispute process. To learn how, visit www.cms.gov/nosurprises or call 1-800-985-3059. " +
				"Starting a dispute will not affect the quality of the health care you receive from your provider."},
		{KeyKeepCopy, "Keep a copy",
			"Keep a copy or picture of this Good Faith Estimate, and of your bill, so you can compare them."},
		{KeyNotContract, "This is not a contract",
			"This Good Faith Estimate is not a contract and does not require you to get the items or services from any of the providers or facilities listed in it."},
		{KeyQuestions, "Questions",
			"For questions or more information about your right to a Good Faith Estimate, visit www.cms.gov/nosurprises/consumers, " +
				"email FederalPPDRQuestions@cms.hhs.gov, or call 1-800-985-3059."},
	}
}
