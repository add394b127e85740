package eligibility

import "encoding/json"

// UnmarshalJSON decodes a Benefit from acucover's snake_case fields and also
// from the camelCase fields of the benefitsInformation entries in
// clearinghouse JSON eligibility responses (Stedi, Change Healthcare), so an
// entry can be pasted as is: coverageLevelCode, serviceTypeCodes,
// timeQualifierCode, benefitAmount, benefitPercent, quantityQualifierCode,
// benefitQuantity, authOrCertIndicator, inPlanNetworkIndicatorCode,
// compositeMedicalProcedureIdentifier.procedureCode,
// additionalInformation[].description and benefitsServiceDelivery[]
// (quantityQualifierCode, quantity, timePeriodQualifierCode, numOfPeriods).
// When both spellings are given, the snake_case one wins.
func (b *Benefit) UnmarshalJSON(data []byte) error {
	type plain Benefit // no methods: avoids recursion
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	var c struct {
		CoverageLevelCode                   string   `json:"coverageLevelCode"`
		ServiceTypeCodes                    []string `json:"serviceTypeCodes"`
		TimeQualifierCode                   string   `json:"timeQualifierCode"`
		BenefitAmount                       Decimal  `json:"benefitAmount"`
		BenefitPercent                      Decimal  `json:"benefitPercent"`
		QuantityQualifierCode               string   `json:"quantityQualifierCode"`
		BenefitQuantity                     Decimal  `json:"benefitQuantity"`
		AuthOrCertIndicator                 string   `json:"authOrCertIndicator"`
		InPlanNetworkIndicatorCode          string   `json:"inPlanNetworkIndicatorCode"`
		CompositeMedicalProcedureIdentifier *struct {
			ProcedureCode string `json:"procedureCode"`
		} `json:"compositeMedicalProcedureIdentifier"`
		AdditionalInformation []struct {
			Description string `json:"description"`
		} `json:"additionalInformation"`
		BenefitsServiceDelivery []struct {
			QuantityQualifierCode   string  `json:"quantityQualifierCode"`
			Quantity                Decimal `json:"quantity"`
			TimePeriodQualifierCode string  `json:"timePeriodQualifierCode"`
			NumOfPeriods            Decimal `json:"numOfPeriods"`
		} `json:"benefitsServiceDelivery"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return err
	}
	or := func(dst *string, alt string) {
		if *dst == "" {
			*dst = alt
		}
	}
	orDec := func(dst *Decimal, alt Decimal) {
		if *dst == "" {
			*dst = alt
		}
	}
	or(&p.CoverageLevel, c.CoverageLevelCode)
	if p.ServiceTypes == nil {
		p.ServiceTypes = c.ServiceTypeCodes
	}
	or(&p.TimeQualifier, c.TimeQualifierCode)
	orDec(&p.Amount, c.BenefitAmount)
	orDec(&p.Percent, c.BenefitPercent)
	or(&p.QuantityQualifier, c.QuantityQualifierCode)
	orDec(&p.Quantity, c.BenefitQuantity)
	or(&p.AuthorizationRequired, c.AuthOrCertIndicator)
	or(&p.InNetwork, c.InPlanNetworkIndicatorCode)
	if c.CompositeMedicalProcedureIdentifier != nil {
		or(&p.ProcedureCode, c.CompositeMedicalProcedureIdentifier.ProcedureCode)
	}
	if p.Messages == nil {
		for _, a := range c.AdditionalInformation {
			p.Messages = append(p.Messages, a.Description)
		}
	}
	if p.Deliveries == nil {
		for _, d := range c.BenefitsServiceDelivery {
			p.Deliveries = append(p.Deliveries, Delivery{QuantityQualifier: d.QuantityQualifierCode, Quantity: d.Quantity,
				TimeQualifier: d.TimePeriodQualifierCode, Periods: d.NumOfPeriods})
		}
	}
	*b = Benefit(p)
	return nil
}
