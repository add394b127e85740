package x12

import (
	"fmt"
	"strings"
)

// Public 005010X279A1 examples. Each is the example 271 of the ASC X12
// 005010X279A1 implementation guide as reproduced, byte for byte, in the
// LinuxForHealth X12 project's test resources (Apache-2.0):
// https://github.com/LinuxForHealth/x12, read 2026-12-04.
var (
	// src/tests/resources/271_005010X279A1/subscriber.271
	// (commit 6ab034aa4599777811b5dec299412931475a37f7).
	publicSubscriber = `ISA*03*9876543210*01*9876543210*30*000000005      *30*12345          *131031*1147*^*00501*000000907*1*T*:~
GS*HB*000000005*54321*20131031*1147*1*X*005010X279A1~
ST*271*0001*005010X279A1~
BHT*0022*11*10001234*20131031*1147~
HL*1**20*1~
NM1*PR*2*PAYER C*****PI*12345~
HL*2*1*21*1~
NM1*1P*1*DOE*JOHN****XX*1467857193~
PRV*RF*PXC*207Q00000X~
HL*3*2*22*0~
TRN*2*930000000000*9800000004~
NM1*IL*1*DOE*JOHN****MI*00000000001~
N3*1500 ANYHOO AVENUE*APT 215~
N4*SAN MATEO*CA*94401~
DMG*D8*19700101*M~
DTP*346*D8*20210101~
EB*1**30**GOLD 123 PLAN~
EB*L~
LS*2120~
NM1*1P*1*DOE*JOHN****XX*1467857193~
LE*2120~
EB*1**1^33^35^47^86^88^98^AL^MH^UC~
EB*B**1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN*27*10.00*****Y~
EB*B**1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN*27*30.00*****N~
SE*23*0001~
GE*1*1~
IEA*1*000000907~`

	// src/tests/resources/271_005010X279A1/dependent-health-benefit-check.271
	// (commit a0f4ce52183b26503fd0faf4e5407faf6ce17d0e).
	publicDependent = `ISA*03*9876543210*01*9876543210*30*000000005      *30*12345          *131031*1147*^*00501*000000907*1*T*:~
GS*HB*000000005*54321*20131031*1147*1*X*005010X279A1~
ST*271*4321*005010X279A1~
BHT*0022*11*10001234*20060501*1319~
HL*1**20*1~
NM1*PR*2*ABC COMPANY*****PI*841610001~
HL*2*1*21*1~
NM1*1P*2*BONE AND JOIN CLINIC*****SV*2000035~
HL*3*2*22*1~
NM1*IL*1*SMITH*JOHN****MI*123456789~
N3*15197 BROADWAY AVENUE*APT 215~
N4*KANSAS CITY*MO*64108~
DMG*D8*19630519*M~
HL*4*3*23*0~
TRN*2*93175-012547*9877281234~
NM1*03*1*SMITH*MARY~
N3*15197 BROADWAY AVENUE*APT 215~
N4*KANSAS CITY*MO*64108~
DMG*D8*19981014*F~
INS*N*19~
DTP*346*D8*20060101~
EB*1**30**GOLD 123 PLAN~
EB*L~
LS*2120~
NM1*P3*1*JONES*MARCUS****SV*0202034~
LE*2120~
EB*1**1^33^35^47^86^88^98^AL^MH^UC~
EB*B**1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN*27*10.00*****Y~
EB*B**1^33^35^47^86^88^98^AL^MH^UC*HM*GOLD 123 PLAN*27*30.00*****N~
SE*28*4321~
GE*1*1~
IEA*1*000000907~`

	// src/tests/resources/271_005010X279A1/subscriber-health-benefit-check-error.271
	// (commit a0f4ce52183b26503fd0faf4e5407faf6ce17d0e): the guide's
	// "provider ineligible for inquiries" rejection at loop 2100B. Its SE02
	// (4323) does not match ST02 (4321), as published.
	publicError = `ISA*03*9876543210*01*9876543210*30*000000005      *30*12345          *131031*1147*^*00501*000000907*1*T*:~
GS*HB*000000005*54321*20131031*1147*1*X*005010X279A1~
ST*271*4321*005010X279A1~
BHT*0022*11*10001234*20060501*1319~
HL*1**20*1~
NM1*PR*2*ABC COMPANY*****PI*842610001~
HL*2*1*21*0~
NM1*1P*2*BONE AND JOIN CLINIC*****SV*2000035~
AAA*Y**50*N~
SE*8*4323~
GE*1*1~
IEA*1*000000907~`
)

// Hand-built acupuncture 271s (acucover's own; no real patient). Written
// with '*' elements, '^' repetitions, ':' components and '~' terminators;
// withDelims rewrites them for other delimiter sets.

// acuFull is a subscriber with every EB01 code the eligibility package reads
// for service type 64, 30 and 1, HSD and MSG visit limits, an LS/LE loop,
// and a dependent with an AAA rejection in loop 2100D.
const acuFull = `ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*CLINICRECV     *261204*1200*^*00501*000000101*0*P*:~
GS*HB*PAYERSENDER*CLINICRECV*20261204*1200*101*X*005010X279A1~
ST*271*0001*005010X279A1~
BHT*0022*11*ACU0001*20261204*1200~
HL*1**20*1~
NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*99999~
HL*2*1*21*1~
NM1*1P*2*EXAMPLE ACUPUNCTURE CLINIC*****XX*1234567893~
HL*3*2*22*1~
TRN*2*TRACE0001*9999999999~
NM1*IL*1*SAMPLE*PAT****MI*W000000001~
REF*6P*GRP001*EXAMPLE GROUP~
DTP*346*D8*20260101~
EB*1*IND*30^1*PR*EXAMPLE PPO~
DTP*291*D8*20260101~
EB*C*IND*30***23*500.00*****Y~
EB*C*IND*30***29*350.00*****Y~
EB*C*FAM*30***23*1500.00*****Y~
EB*G*IND*30***23*3000.00*****Y~
EB*G*IND*30***29*2750.5*****Y~
EB*1*IND*64~
MSG*ACUPUNCTURE 20 VISITS PER CALENDAR YEAR~
EB*B*IND*64***27*25.00*****Y~
EB*A*IND*64***27**0.2****Y~
EB*A*IND*64***27**0.4****N~
EB*F*IND*64***23***VS*20**Y~
HSD*VS*20***22*1~
EB*F*IND*64***29***VS*8**Y~
EB*F*IND****23***VS*12*Y**HC:97810:KX~
REF*G1*PA12345~
DTP*292*RD8*20260101-20261231~
LS*2120~
NM1*P3*1*NEEDLE*ANN****XX*1234567893~
PER*IC**TE*5555550100~
LE*2120~
EB*I*IND*64~
EB*6**30~
EB*1*IND*33~
HL*4*3*23*0~
NM1*03*1*SAMPLE*KID~
AAA*N**67*C~
SE*40*0001~
GE*1*101~
IEA*1*000000101~`

// acuInactive is a 271 in which the plan is inactive and acupuncture
// non-covered, with a 2110C AAA for a procedure code the payer did not like.
const acuInactive = `ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*CLINICRECV     *261204*1200*^*00501*000000102*0*P*:~
GS*HB*PAYERSENDER*CLINICRECV*20261204*1200*102*X*005010X279A1~
ST*271*0002*005010X279A1~
BHT*0022*11*ACU0002*20261204*1200~
HL*1**20*1~
NM1*PR*2*EXAMPLE HEALTH PLAN*****PI*99999~
HL*2*1*21*1~
NM1*1P*2*EXAMPLE ACUPUNCTURE CLINIC*****XX*1234567893~
HL*3*2*22*0~
NM1*IL*1*SAMPLE*PAT****MI*W000000002~
EB*6*IND*30~
DTP*347*D8*20260630~
EB*I**64~
MSG*ACUPUNCTURE IS NOT A COVERED BENEFIT~
AAA*Y**AG*C~
SE*14*0002~
GE*1*102~
IEA*1*000000102~`

// acuTwoSets holds two transaction sets (repeated loops): two payers, two
// subscribers, visits in MSG text only.
const acuTwoSets = `ISA*00*          *00*          *ZZ*PAYERSENDER    *ZZ*CLINICRECV     *261204*1200*^*00501*000000103*0*P*:~
GS*HB*PAYERSENDER*CLINICRECV*20261204*1200*103*X*005010X279A1~
ST*271*0003*005010X279A1~
BHT*0022*11*ACU0003*20261204*1200~
HL*1**20*1~
NM1*PR*2*FIRST PLAN*****PI*11111~
HL*2*1*21*1~
NM1*1P*2*CLINIC*****XX*1234567893~
HL*3*2*22*0~
NM1*IL*1*ONE*PAT****MI*A1~
EB*1*IND*30~
EB*F*IND*64~
MSG*12 VISITS PER PLAN YEAR, 4 VISITS USED~
SE*11*0003~
ST*271*0004*005010X279A1~
BHT*0022*11*ACU0004*20261204*1200~
HL*1**20*1~
NM1*PR*2*SECOND PLAN*****PI*22222~
HL*2*1*21*1~
NM1*1P*2*CLINIC*****XX*1234567893~
HL*3*2*22*0~
NM1*IL*1*TWO*PAT****MI*B2~
EB*1*IND*30~
EB*C*IND*30***23*0~
SE*10*0004~
GE*2*103~
IEA*1*000000103~`

// withDelims rewrites a sample written with * ^ : ~ (and a newline after
// each terminator) for other delimiters. The ISA keeps its fixed layout.
func withDelims(s string, elem, rep, comp, term byte, newline bool) string {
	r := strings.NewReplacer("*", string(elem), "^", string(rep), ":", string(comp), "~\n", string(term)+nl(newline), "~", string(term))
	return r.Replace(s)
}

func nl(b bool) string {
	if b {
		return "\r\n"
	}
	return ""
}

// segNum returns the 1-based number of the first segment of s starting with
// prefix, for assertions that name a segment.
func segNum(s, prefix string) int {
	for i, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return i + 1
		}
	}
	panic(fmt.Sprintf("no segment %q", prefix))
}
