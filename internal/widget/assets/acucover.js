// <acucover-check>: the acucover benefit-check web component.
//
// One script tag, no framework, no build step:
//   <script type="module" src="https://API/widget/v1/acucover.js"></script>
//   <acucover-check plan="medicare-part-b" state="NY"></acucover-check>
//
// Privacy: the widget never asks who the visitor is. It sends only the plan,
// state, condition, date, course, yes/no answers and, if the visitor fills it
// in, what they have paid towards their deductible, without cookies.
//
// Clinic settings (attributes): clinic="ID" (a clinic set up in acucover: the
// estimate uses its own cash prices, contracted rates and network status),
// or visit-price="95" or "95.50" (the clinic's price per visit, in dollars)
// and network="in"|"out". The element's own content is
// the clinic's fallback (e.g. "Ask us: <a href="tel:…">…</a>"): the browser
// shows it when the script cannot load, and the widget shows it when the
// coverage service cannot be reached (network down, or the page's origin not
// allowed by the service's CORS settings).

const DEFAULT_API = new URL('../../', import.meta.url).href;
const $$ = (root, sel) => [...root.querySelectorAll(sel)];

// h builds an element; text is always set as text, never parsed as HTML.
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

const money = (cents) =>
  (cents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: cents % 100 ? 2 : 0 });

const STATUS = {
  covered: ['Covered', 'Acupuncture is covered'],
  not_covered: ['Not covered', 'Acupuncture is not covered'],
  conditional: ['Depends on your answers', 'Coverage depends on a few answers'],
  unknown: ['Not known', 'We cannot say whether acupuncture is covered'],
};

const PLAN_TYPES = {
  original_medicare: 'Original Medicare', medicare_advantage: 'Medicare Advantage',
  medicaid: 'Medicaid', commercial: 'Private insurance', marketplace: 'Marketplace plan',
};

const PROVIDERS = {
  physician: 'physicians', pa: 'physician assistants', np: 'nurse practitioners',
  cns: 'clinical nurse specialists', licensed_acupuncturist: 'licensed acupuncturists',
  physical_therapist: 'physical therapists', chiropractor: 'chiropractors',
  dentist: 'dentists', podiatrist: 'podiatrists',
};

const MEDICARE_LAC =
  'Licensed acupuncturists cannot bill Medicare themselves: Medicare pays only when they work under the supervision of a doctor, physician assistant, nurse practitioner or clinical nurse specialist.';

// cents parses a dollar amount typed by a person or set in an attribute
// ("95", "95.5", "$1,095.50") into whole cents without floating point; null if
// it is not a plain non-negative amount with at most two decimals.
function cents(text) {
  const m = /^\s*\$?\s*(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d{1,2}))?\s*$/.exec(text ?? '');
  if (!m) return null;
  const whole = Number(m[1].replace(/,/g, ''));
  const frac = Number((m[2] || '').padEnd(2, '0'));
  const c = whole * 100 + frac;
  return Number.isSafeInteger(c) ? c : null;
}

// plainText rewrites the few billing terms that catalog text may carry into
// words a patient knows.
const PLAIN = [
  [/,?\s*billed incident-to\b/gi, ''], [/\bincident-to\b/gi, 'under supervision'],
  [/\bauxiliary personnel\b/gi, 'staff'], [/\bKX\b/g, 'a progress note'],
];
const plainText = (t) => PLAIN.reduce((s, [re, w]) => s.replace(re, w), String(t ?? ''));

// dateText shows an ISO date as "Jan 5, 2027".
const dateText = (iso) => new Date(iso + 'T12:00:00Z').toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

// uncoveredLines explains, one plain line per run of visits, every visit of an
// estimate that is not covered: which visits, why, and what it means.
function uncoveredLines(visits) {
  const runs = [];
  for (const v of visits) {
    if (v.covered) continue;
    // Unknown visits get the widget's own words; the API's reason for them
    // is for staff. Dates in a reason do not split a run.
    const why = v.status === 'unknown' ? '' : (v.patient_reason || v.reason || '');
    const key = v.status + why.replace(/\d{4}-\d{2}-\d{2}/g, '');
    const last = runs[runs.length - 1];
    if (last && last.key === key && last.to.n === v.n - 1) last.to = v;
    else runs.push({ key, status: v.status, why, from: v, to: v });
  }
  return runs.map(({ status, why, from, to }) => {
    const one = from === to;
    const which = one ? `Visit ${from.n} (${dateText(from.date)})` : `Visits ${from.n}–${to.n} (${dateText(from.date)} to ${dateText(to.date)})`;
    const what = status === 'conditional' ? ['is covered only if the condition below is met; until then it is', 'are covered only if the condition below is met; until then they are']
      : status === 'unknown' ? ['is not in our data yet, so we cannot say whether the plan pays; it is', 'are not in our data yet, so we cannot say whether the plan pays; they are']
        : ['is not covered, so it is', 'are not covered, so they are'];
    return `${which} ${what[one ? 0 : 1]} counted at the clinic's full price.${why ? ' ' + plainText(why) : ''}`;
  });
}

// Requirement id -> patient fact, and the value a "yes" or "no" answer sends.
// Ids not listed here (and not pain_N_weeks) are shown as text only.
const not = (fact) => ({ fact, yes: false, no: true });
const ANSWERS = {
  nonspecific: not('systemic_cause'),
  not_surgery_related: not('surgery_related'),
  not_pregnancy_related: not('pregnancy_related'),
  extension_improving: { fact: 'improving', yes: true, no: false },
  provider_supervised: { fact: 'supervised', yes: true, no: false, provider: true,
    text: 'Does your acupuncturist work under the supervision of a doctor, physician assistant, nurse practitioner or clinical nurse specialist (for example, in their practice)?' },
  provider_credentials: { fact: 'credentials_met', yes: true, no: false, provider: true,
    text: 'Does the person treating you have a master\'s or doctoral degree in acupuncture from an accredited school and a current state licence to practise acupuncture?' },
};

// Who may treat, in the order a patient meets them; the "provider"
// requirement is answered by picking one.
const WHO = [
  ['licensed_acupuncturist', 'A licensed acupuncturist'], ['physician', 'A medical doctor (MD or DO)'],
  ['np', 'A nurse practitioner'], ['pa', 'A physician assistant'], ['cns', 'A clinical nurse specialist'],
  ['chiropractor', 'A chiropractor'], ['physical_therapist', 'A physical therapist'],
  ['dentist', 'A dentist'], ['podiatrist', 'A podiatrist'],
];
function answerFor(id) {
  const m = /^pain_(\d+)_weeks$/.exec(id);
  // "Has the pain lasted N weeks or longer?" yes -> N+4 weeks, no -> N/3.
  return m ? { fact: 'pain_weeks', yes: +m[1] + 4, no: Math.floor(m[1] / 3) } : ANSWERS[id];
}

function windowText(w) {
  const unit = w.unit === 'units' ? 'treatment unit' : 'visit';
  const n = `${w.visits} ${unit}${w.visits === 1 ? '' : 's'}`;
  const more = w.beyond === 'authorization' ? ' (more with the plan\'s approval)' : '';
  switch (w.period) {
    case 'rolling_days': return `Up to ${n} in ${w.days} days${more}`;
    case 'calendar_month': return `Up to ${n} a calendar month${more}`;
    case 'calendar_year': return `Up to ${n} a calendar year${more}`;
    case 'benefit_year': return `Up to ${n} a benefit year${more}`;
    case 'months_from_first_visit': return `Up to ${n} in the ${w.months || 12} months from your first visit${more}`;
    default: return `Up to ${n}${more}`;
  }
}

class Fail extends Error {
  constructor(msg, status, type) { super(msg); this.status = status; this.type = type; }
}

const STYLE = `
:host{display:block;container-type:inline-size;max-width:var(--acucover-max-width,40rem);font:var(--acucover-font-size,1rem)/1.5 var(--acucover-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--acucover-fg,#1b1b1b)}
:host([hidden]){display:none}
*{box-sizing:border-box}
.box{background:var(--acucover-bg,#fff);border:1px solid var(--acucover-border,#8a8a8a);border-radius:var(--acucover-radius,.5rem);padding:1rem;overflow-wrap:anywhere}
h2{font-size:1.25em;margin:0 0 .25rem}h3{font-size:1.05em;margin:1rem 0 .25rem}
p{margin:.25rem 0}ul{margin:.25rem 0;padding-left:1.25rem}
.muted,.hint{color:var(--acucover-muted,#4a4a4a);font-size:.9em}
.fields{display:grid;gap:.75rem;grid-template-columns:minmax(0,1fr) minmax(0,2fr);margin:.75rem 0}
.fields .wide{grid-column:1/-1}
@container (max-width:28rem){.fields{grid-template-columns:1fr}}
label,legend{display:block;font-weight:600;margin-bottom:.2rem}
input,select,button{font:inherit;color:inherit;border-radius:calc(var(--acucover-radius,.5rem)/2)}
input,select{width:100%;padding:.45rem .5rem;border:1px solid var(--acucover-border,#8a8a8a);background:var(--acucover-bg,#fff);min-height:2.5rem}
input:disabled,select:disabled{opacity:.6}
button{cursor:pointer;padding:.45rem .9rem;border:0;background:var(--acucover-accent,#0b6e4f);color:var(--acucover-accent-fg,#fff);min-height:2.5rem}
a{color:var(--acucover-link,var(--acucover-accent,#0b6e4f))}
:focus-visible{outline:3px solid var(--acucover-focus,#1a5fb4);outline-offset:2px}
.combo{position:relative}
[role=listbox]{position:absolute;z-index:10;left:0;right:0;margin:2px 0 0;padding:0;list-style:none;max-height:16rem;overflow:auto;background:var(--acucover-bg,#fff);border:1px solid var(--acucover-border,#8a8a8a);border-radius:calc(var(--acucover-radius,.5rem)/2);box-shadow:0 4px 12px #0003}
[role=option]{padding:.4rem .5rem;cursor:pointer}
[role=option] small{display:block;color:var(--acucover-muted,#4a4a4a)}
[role=option][aria-selected=true]{font-weight:600}
[role=option].active{background:var(--acucover-accent,#0b6e4f);color:var(--acucover-accent-fg,#fff)}
[role=option].active small{color:inherit}
.none{padding:.4rem .5rem}
.status{min-height:1.5em;margin:.25rem 0}
.status.busy::before{content:"";display:inline-block;width:.8em;height:.8em;margin-right:.4em;border:2px solid currentColor;border-right-color:transparent;border-radius:50%;animation:spin .8s linear infinite;vertical-align:-.1em}
@keyframes spin{to{transform:rotate(1turn)}}
@media (prefers-reduced-motion:reduce){.status.busy::before{animation:none}}
.verdict{border-left:.4rem solid var(--c);padding:.4rem .75rem;margin:.5rem 0;background:color-mix(in srgb,var(--c) 8%,var(--acucover-bg,#fff))}
.verdict strong{display:block;font-size:1.35em;color:var(--c)}
.covered{--c:var(--acucover-covered,#0a6b2e)}.not_covered{--c:var(--acucover-not-covered,#a4161a)}
.conditional{--c:var(--acucover-conditional,#7a4f00)}.unknown{--c:var(--acucover-unknown,#4a4a4a)}
fieldset{border:1px solid var(--acucover-border,#8a8a8a);border-radius:calc(var(--acucover-radius,.5rem)/2);margin:.5rem 0;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
.yn{display:inline-flex;align-items:center;gap:.3rem;margin-right:1.25rem;font-weight:400}
.yn input{width:1.2rem;min-height:1.2rem;margin:0}.who{display:flex;margin:.2rem 0}
.error{border:2px solid var(--acucover-not-covered,#a4161a);border-radius:calc(var(--acucover-radius,.5rem)/2);padding:.5rem .75rem;margin:.5rem 0}
.error button{margin-top:.4rem}
.total{font-size:1.3em;font-weight:700}
.course{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.course .f{flex:1 1 7rem}.course .wide{flex-basis:100%}
.fallback{margin:.5rem 0}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600;min-height:1.5rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

class AcucoverCheck extends HTMLElement {
  static observedAttributes = ['api', 'plan', 'state', 'condition', 'visit-price', 'network', 'clinic'];

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.uid = 'a' + Math.random().toString(36).slice(2, 8);
    this.plans = [];
    this.filtered = [];
    this.active = -1;
    this.answers = {}; // requirement id -> 'yes' | 'no'
    this.seq = 0;
    this.estSeq = 0;
  }

  get api() {
    const a = this.getAttribute('api');
    if (!a) return DEFAULT_API;
    return new URL(a.endsWith('/') ? a : a + '/', document.baseURI).href;
  }

  connectedCallback() {
    if (!this.built) this.build();
    this.load();
  }

  attributeChangedCallback(name, old, val) {
    if (!this.built || old === val) return;
    if (name === 'api') this.load();
    else if (name === 'state') { this.$state.value = val || ''; this.stateChanged(); }
    else if (name === 'plan') this.pickPlan(this.plans.find((p) => p.id === val));
    else if (name === 'condition') { this.$cond.value = val || ''; this.answers = {}; this.providerType = null; this.check(); }
    else this.estimate();
  }

  // visitPrice is the clinic's price per visit in cents, or undefined.
  get visitPrice() {
    const c = cents(this.getAttribute('visit-price'));
    return c && c > 0 ? c : undefined;
  }

  get network() { return this.getAttribute('network') === 'out' ? 'out' : 'in'; }

  build() {
    this.built = true;
    const id = (s) => `${this.uid}-${s}`;
    const heading = this.getAttribute('heading') || 'Is acupuncture covered?';
    const vpw = this.getAttribute('visits-per-week') || 2;
    const weeks = this.getAttribute('weeks') || 6;
    this.$state = h('select', { id: id('state'), disabled: true });
    this.$plan = h('input', {
      id: id('plan'), type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
      'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': id('plans'),
      'aria-describedby': id('plan-hint'), placeholder: 'Type to search plans', disabled: true,
    });
    this.$list = h('ul', { id: id('plans'), role: 'listbox', 'aria-label': 'Plans', hidden: true });
    this.$planHint = h('p', { id: id('plan-hint'), class: 'hint', text: 'Choose a state first.' });
    this.$cond = h('select', { id: id('cond'), disabled: true });
    this.$status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    this.$result = h('div', { class: 'result' });
    // The details (limits, who can treat, why, sources) stay collapsed: the
    // first screen answers "is it covered, and about what will I pay".
    this.$more = h('div', { class: 'more' });
    this.$vpw = h('input', { id: id('vpw'), type: 'number', min: 1, max: 7, value: vpw, inputmode: 'numeric' });
    this.$weeks = h('input', { id: id('weeks'), type: 'number', min: 1, max: 52, value: weeks, inputmode: 'numeric' });
    this.$paid = h('input', { id: id('paid'), type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: '0', 'aria-describedby': id('paid-hint') });
    this.$estOut = h('div', { 'aria-live': 'polite' });
    this.$est = h('section', { class: 'estimate', 'aria-labelledby': id('est-h'), hidden: true },
      h('h3', { id: id('est-h'), text: 'What a course might cost' }),
      h('form', { class: 'course', onsubmit: (e) => { e.preventDefault(); this.estimate(); } },
        h('div', { class: 'f' }, h('label', { for: id('vpw'), text: 'Visits per week' }), this.$vpw),
        h('div', { class: 'f' }, h('label', { for: id('weeks'), text: 'Weeks' }), this.$weeks),
        h('div', { class: 'f wide' }, h('label', { for: id('paid'), text: 'Already paid towards your deductible this year (optional)' }),
          this.$paid, h('p', { id: id('paid-hint'), class: 'hint', text: 'In dollars, e.g. 120. Leave empty if you are not sure.' })),
        h('button', { type: 'submit', text: 'Update estimate' })),
      this.$estOut);

    this.shadowRoot.append(h('style', { text: STYLE }), h('section', { class: 'box', 'aria-labelledby': id('h') },
      h('h2', { id: id('h'), text: heading }),
      h('p', { class: 'muted', text: 'Pick a plan, state and condition. No personal details needed: we never ask who you are.' }),
      h('div', { class: 'fields' },
        h('div', {}, h('label', { for: id('state'), text: 'State' }), this.$state),
        h('div', { class: 'combo' }, h('label', { for: id('plan'), text: 'Insurance plan' }), this.$plan, this.$list, this.$planHint),
        h('div', { class: 'wide' }, h('label', { for: id('cond'), text: 'Condition' }), this.$cond)),
      this.$status, this.$result, this.$est, this.$more));

    this.$state.addEventListener('change', () => this.stateChanged());
    this.$cond.addEventListener('change', () => { this.answers = {}; this.providerType = null; this.check(); });
    this.$plan.addEventListener('input', () => this.filter(true));
    this.$plan.addEventListener('keydown', (e) => this.planKey(e));
    this.$plan.addEventListener('blur', () => this.planBlur());
    this.$plan.addEventListener('click', () => this.filter(true, true));
    this.$list.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the input
    this.$list.addEventListener('click', (e) => {
      const li = e.target.closest('[role=option]');
      if (li) this.pickPlan(this.filtered[+li.dataset.i]);
    });
  }

  // request fetches path from the API and returns its JSON, or throws a Fail
  // whose message is fit to show.
  async request(path, body, signal) {
    const url = new URL(path, this.api);
    let res;
    try {
      res = await fetch(url, {
        method: body ? 'POST' : 'GET', credentials: 'omit', signal, referrerPolicy: 'no-referrer',
        headers: body ? { 'Content-Type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (err) {
      if (err.name === 'AbortError') throw err;
      // A refused cross-origin request looks the same as a network failure.
      throw new Fail(`Could not reach the coverage service at ${url.origin}. Check your connection and try again.`, 0, 'unreachable');
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const detail = data && (data.detail || data.title);
      throw new Fail(detail ? `The coverage service answered: ${detail}` :
        `The coverage service answered with an error (HTTP ${res.status}).`, res.status, data && data.type);
    }
    if (!data) throw new Fail('The coverage service sent an answer the widget cannot read.', res.status);
    return data;
  }

  setStatus(text, busy) {
    this.$status.textContent = text;
    this.$status.classList.toggle('busy', !!busy);
    // The verdict box shows the result; the announcement is for screen readers.
    this.$status.classList.toggle('sr', !busy);
    this.$result.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  showError(err, retry) {
    this.setStatus('');
    this.$est.hidden = true;
    this.$more.replaceChildren();
    this.$result.replaceChildren(h('div', { class: 'error', role: 'alert' },
      h('p', {}, h('strong', { text: 'Sorry, something went wrong. ' }), err.message || String(err)),
      err.type === 'unreachable' && this.fallback(),
      retry && h('button', { type: 'button', 'data-k': 'retry', text: 'Try again', onclick: retry })));
  }

  // fallback shows the element's own content (the clinic's fallback text,
  // link or number to call) through a slot, or a default line when it has none.
  fallback() {
    const own = [...this.childNodes].some((n) => n.nodeType === 1 || n.textContent.trim());
    return h('div', { class: 'fallback', 'data-k': 'fallback' },
      own ? h('slot', {}) : h('p', { text: 'You can still ask the clinic whether your plan covers acupuncture.' }));
  }

  async load() {
    const n = ++this.seq;
    this.setStatus('Loading plans and conditions…', true);
    this.$result.replaceChildren(); this.$more.replaceChildren();
    try {
      const [st, co] = await Promise.all([this.request('v1/states'), this.request('v1/conditions')]);
      if (n !== this.seq) return;
      const opt = (v, t) => h('option', { value: v, text: t });
      this.$state.replaceChildren(opt('', 'Choose a state…'), ...[...st.states].sort((a, b) => a.name.localeCompare(b.name, 'en')).map((s) => opt(s.code, s.name)));
      this.$cond.replaceChildren(opt('', 'Choose a condition…'), ...co.conditions.map((c) => opt(c.id, c.name)));
      this.$state.disabled = this.$cond.disabled = false;
      this.$state.value = this.getAttribute('state') || '';
      this.$cond.value = this.getAttribute('condition') || '';
      this.setStatus('');
      await this.stateChanged();
    } catch (err) {
      if (n === this.seq) this.showError(err, () => this.load());
    }
  }

  // unknownPlans returns the ids of the plans whose every rule in state is
  // "unknown" (GET /v1/catalog/summary); an empty set if the summary cannot
  // be had, so the plan list never depends on it.
  async unknownPlans(state) {
    try {
      const sum = await this.request('v1/catalog/summary?' + new URLSearchParams({ state }));
      const out = new Set();
      for (const p of sum.states?.[0]?.programs || []) for (const id of p.plans) if (!p.known?.includes(id)) out.add(id);
      return out;
    } catch { return new Set(); }
  }

  async stateChanged() {
    const state = this.$state.value;
    const keep = this.planId || this.getAttribute('plan');
    this.plans = [];
    this.planId = null;
    this.$plan.value = '';
    this.$plan.disabled = true; // until this state's plans are in
    this.$planHint.textContent = state ? 'Loading plans…' : 'Choose a state first.';
    this.$result.replaceChildren(); this.$more.replaceChildren();
    this.$est.hidden = true;
    if (!state) return;
    const n = ++this.seq;
    try {
      const [data, unknown] = await Promise.all([this.request('v1/plans?' + new URLSearchParams({ state })), this.unknownPlans(state)]);
      if (n !== this.seq) return;
      // Only plans the catalog knows something about in this state are
      // listed; the hint says how many others there are.
      this.plans = data.plans.filter((p) => !unknown.has(p.id) || p.id === keep);
      const hidden = data.plans.length - this.plans.length;
      this.$plan.disabled = false;
      const name = this.$state.selectedOptions[0]?.text || state;
      this.$planHint.textContent = `${this.plans.length} plan${this.plans.length === 1 ? '' : 's'} in ${name}; type to filter. ` +
        (hidden ? `We do not know yet how ${hidden} other plan${hidden === 1 ? '' : 's'} cover${hidden === 1 ? 's' : ''} acupuncture in ${name}. ` : '') +
        'Not listed? Ask your plan (the number on your card) about acupuncture.';
      const p = this.plans.find((x) => x.id === keep);
      if (p) this.pickPlan(p);
      else this.check();
    } catch (err) {
      if (n === this.seq) this.showError(err, () => this.stateChanged());
    }
  }

  // Plan combobox (ARIA combobox with a list popup, manual selection).
  filter(open, all) {
    const q = all ? '' : this.$plan.value.trim().toLowerCase();
    this.filtered = this.plans.filter((p) =>
      !q || `${p.name} ${p.payer} ${PLAN_TYPES[p.type] || p.type}`.toLowerCase().includes(q));
    this.active = -1;
    this.renderList(open);
  }

  renderList(open) {
    const id = (i) => `${this.uid}-opt-${i}`;
    this.$list.replaceChildren(...(this.filtered.length ? this.filtered.map((p, i) =>
      h('li', { id: id(i), role: 'option', 'data-i': i, 'aria-selected': p.id === this.planId ? 'true' : 'false',
        class: i === this.active ? 'active' : false },
      p.name, h('small', { text: `${p.payer} · ${PLAN_TYPES[p.type] || p.type}` })))
      : [h('li', { class: 'none', role: 'option', 'aria-disabled': 'true', text: 'No plan matches. Not in our list? Call the number on your insurance card and ask whether acupuncture is covered.' })]));
    this.$list.hidden = !open;
    this.$plan.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (this.active >= 0) {
      this.$plan.setAttribute('aria-activedescendant', id(this.active));
      this.$list.children[this.active].scrollIntoView?.({ block: 'nearest' });
    } else this.$plan.removeAttribute('aria-activedescendant');
  }

  planKey(e) {
    const open = !this.$list.hidden;
    const n = this.filtered.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        e.preventDefault();
        if (!open) { this.filter(true, e.altKey || !!this.planId); if (e.altKey) return; }
        if (!this.filtered.length) return;
        this.active = e.key === 'ArrowDown' ? (this.active + 1) % this.filtered.length
          : (this.active <= 0 ? this.filtered.length : this.active) - 1;
        this.renderList(true);
        return;
      case 'Enter':
        if (open && this.active >= 0) { e.preventDefault(); this.pickPlan(this.filtered[this.active]); }
        else if (open && n === 1) { e.preventDefault(); this.pickPlan(this.filtered[0]); }
        return;
      case 'Escape':
        if (open) { e.preventDefault(); this.renderList(false); }
        else if (this.$plan.value) { e.preventDefault(); this.$plan.value = ''; }
        return;
    }
  }

  planBlur() {
    if (!this.$list.hidden) this.renderList(false);
    const q = this.$plan.value.trim().toLowerCase();
    const exact = this.plans.find((p) => p.name.toLowerCase() === q);
    if (exact && exact.id !== this.planId) this.pickPlan(exact, true);
    else {
      const cur = this.plans.find((p) => p.id === this.planId);
      this.$plan.value = cur ? cur.name : '';
    }
  }

  pickPlan(p, quiet) {
    if (!p) return;
    this.$plan.value = p.name;
    if (!quiet) this.renderList(false);
    if (p.id === this.planId) return;
    this.planId = p.id;
    this.plan = p;
    this.check();
  }

  patient() { return this.facts(false); }

  // provider is who treats and what the patient said about them.
  provider() {
    if (!this.providerType) return undefined;
    return { type: this.providerType, ...this.facts(true) };
  }

  facts(ofProvider) {
    const out = {};
    for (const [id, a] of Object.entries(this.answers)) {
      const m = answerFor(id);
      if (m && !!m.provider === ofProvider) out[m.fact] = m[a];
    }
    return Object.keys(out).length || ofProvider ? out : undefined;
  }

  question() {
    const plan = this.planId, state = this.$state.value, condition = this.$cond.value;
    if (!plan || !state || !condition) return null;
    const d = new Date();
    const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    return { plan, state, condition, date, patient: this.patient(), provider: this.provider() };
  }

  async check() {
    const q = this.question();
    this.ctrl?.abort();
    if (!q) {
      this.$result.replaceChildren(); this.$more.replaceChildren();
      this.$est.hidden = true;
      this.setStatus('');
      return;
    }
    const n = ++this.seq;
    this.ctrl = new AbortController();
    this.setStatus('Checking coverage…', true);
    try {
      const d = await this.request('v1/coverage', q, this.ctrl.signal);
      if (n !== this.seq) return;
      this.decision = d;
      this.q = q;
      const [title] = STATUS[d.status] || STATUS.unknown;
      this.renderDecision(d);
      this.setStatus(`${title}: acupuncture for ${d.condition.name.toLowerCase()} with ${d.plan.name} in ${d.state}.`);
      this.estimate();
    } catch (err) {
      if (err.name !== 'AbortError' && n === this.seq) this.showError(err, () => this.check());
    }
  }

  answer(id, value) {
    this.answers[id] = value;
    this.check();
  }

  renderDecision(d) {
    const focused = this.shadowRoot.activeElement?.dataset?.k;
    const [title, lead] = STATUS[d.status] || STATUS.unknown;
    const open = (d.requirements || []).filter((r) => r.met === null);
    const asks = (d.requirements || []).filter((r) => answerFor(r.id));
    const askWho = (d.requirements || []).some((r) => r.id === 'provider') || this.providerType != null;
    const other = (d.requirements || []).filter((r) => !answerFor(r.id) && r.id !== 'provider');
    const kids = [h('div', { class: `verdict ${d.status}` },
      h('strong', { text: title }),
      h('p', { text: `${lead} for ${d.condition.name.toLowerCase()} with ${d.plan.name} in ${d.state}.` }))];

    if (asks.length || askWho) {
      const yesNo = (r, i) => {
        const name = `${this.uid}-q${i}`;
        const radio = (v, label) => h('label', { class: 'yn' },
          h('input', { type: 'radio', name, value: v, 'data-k': `q-${r.id}-${v}`, checked: this.answers[r.id] === v,
            onchange: () => this.answer(r.id, v) }), label);
        return h('fieldset', {}, h('legend', { text: answerFor(r.id).text || r.description }), radio('yes', 'Yes'), radio('no', 'No'));
      };
      // The patient's own questions, then who treats, then about them.
      const mine = asks.filter((r) => !answerFor(r.id).provider), theirs = asks.filter((r) => answerFor(r.id).provider);
      kids.push(h('h3', { text: open.length ? 'Answer to see if it is covered' : 'Your answers' }),
        ...mine.map(yesNo), ...(askWho ? [this.whoQuestion(d, `${this.uid}-who`)] : []),
        ...theirs.map((r, i) => yesNo(r, mine.length + i)));
    }
    this.$result.replaceChildren(...kids);
    const more = [];
    if (other.length) {
      more.push(h('h3', { text: 'Also required' }),
        h('ul', {}, other.map((r) => h('li', { text: r.description + (r.met === null ? '' : r.met ? ' (met)' : ' (not met)') }))));
    }

    const facts = [];
    const L = d.limits;
    if (L) {
      for (const w of L.windows || []) facts.push(windowText(w) + '.');
      for (const x of L.extensions || []) {
        facts.push(`${x.visits} more visit${x.visits === 1 ? '' : 's'} if ${x.requires === 'improving' ? 'the patient is improving' : x.requires.replace(/_/g, ' ')}.`);
      }
      if (L.extensions?.length && L.visits_per_year != null) facts.push(`At most ${L.visits_per_year} visits a year in all.`);
      if (L.dollar_cap_cents != null) facts.push(`The plan pays at most ${money(L.dollar_cap_cents)} a year for acupuncture.`);
    }
    if (d.visits_remaining != null) facts.push(`${d.visits_remaining} covered visits left.`);
    const pa = d.prior_authorization;
    if (pa) {
      facts.push(pa.required === 'always' ? 'Prior authorization is required.'
        : pa.required === 'after_visits' ? `Prior authorization is needed after ${pa.after_visits} visits.`
          : 'No prior authorization needed.');
      if (pa.note) facts.push(pa.note);
    }
    if (d.status !== 'not_covered' && d.status !== 'unknown') {
      facts.push(d.referral_required ? 'A referral from your primary care doctor is required.' : 'No referral needed.');
    }
    if (d.electroacupuncture === false) facts.push('Manual acupuncture only (no electroacupuncture).');
    const cs = d.cost_sharing;
    if (cs) {
      const parts = [];
      if (cs.deductible_applies && cs.deductible_cents) parts.push(`the ${money(cs.deductible_cents)} deductible applies first`);
      if (cs.copay_cents) parts.push(`a ${money(cs.copay_cents)} copay per visit`);
      for (const s of cs.copay_steps || []) parts.push(`${money(s.copay_cents)} from visit ${s.after_visits + 1}`);
      if (cs.coinsurance_percent) parts.push(`${cs.coinsurance_percent}% coinsurance`);
      if (!parts.length) parts.push('no cost sharing');
      const oop = cs.oop_max_cents == null ? 'no out-of-pocket maximum' : `out-of-pocket maximum ${money(cs.oop_max_cents)}`;
      facts.push(`In network: ${parts.join(', then ')}; ${oop}.`);
    }
    if (facts.length) more.push(h('h3', { text: 'Limits and rules' }), h('ul', {}, facts.map((t) => h('li', { text: t }))));

    const who = [];
    const provs = d.provider_requirements || [];
    const ok = provs.filter((p) => p.eligible).map((p) => (PROVIDERS[p.type] || p.type.replace(/_/g, ' ')) + (p.supervision_required ? ' (supervised)' : ''));
    if (ok.length && d.status !== 'not_covered') who.push(`Covered when given by ${ok.join(', ')}.`);
    for (const p of provs) if (p.note) who.push(plainText(p.note));
    if (d.plan.type === 'original_medicare' && !provs.some((p) => p.type === 'licensed_acupuncturist' && p.note)) who.push(MEDICARE_LAC);
    if (who.length) more.push(h('h3', { text: 'Who can treat' }), h('ul', {}, who.map((t) => h('li', { text: t }))));

    if (d.reasons?.length) {
      more.push(h('h3', { text: 'Why' }), h('ul', {}, d.reasons.map((r) => {
        const url = r.source?.url;
        const safe = url && /^https?:\/\//i.test(url);
        return h('li', {}, plainText(r.patient_text || r.text), safe && ' ', safe && h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', 'data-k': `src-${r.rule_id}` },
          `Source: ${r.source.title || url}`, h('span', { class: 'sr', text: ' (opens in a new tab)' })));
      })));
    }
    const notes = [...(d.notes || []), ...(d.safety || []).map((s) => s.text || s.message || s.flag).filter(Boolean)];
    if (notes.length) more.push(h('h3', { text: 'Good to know' }), h('ul', {}, notes.map((t) => h('li', { text: plainText(t) }))));
    this.$result.append(h('p', { class: 'hint', text: 'A guide, not a guarantee: check with your plan before treatment.' }));
    this.$more.replaceChildren(...(more.length ? [h('details', { 'data-k': 'details', open: !!this.detailsOpen,
      ontoggle: (e) => { this.detailsOpen = e.target.open; } },
      h('summary', { 'data-k': 'details-summary', text: 'Details: limits, who can treat, why, and sources' }), ...more)] : []));
    if (focused) this.shadowRoot.querySelector(`[data-k="${CSS.escape(focused)}"]`)?.focus();
  }

  // whoQuestion asks who will treat, among the provider types the plan's
  // rule names; the answer is sent as provider.type.
  whoQuestion(d, name) {
    const named = new Set((d.provider_requirements || []).map((p) => p.type));
    const pick = (type) => {
      // What was said about the last provider is not about this one.
      for (const id of Object.keys(this.answers)) if (answerFor(id)?.provider) delete this.answers[id];
      this.providerType = type;
      this.check();
    };
    return h('fieldset', { 'data-k': 'who' }, h('legend', { text: 'Who will give you acupuncture?' }),
      ...WHO.filter(([t]) => named.has(t)).map(([t, label]) => h('label', { class: 'yn who' },
        h('input', { type: 'radio', name, value: t, 'data-k': `who-${t}`, checked: this.providerType === t, onchange: () => pick(t) }), label)));
  }

  async estimate() {
    const q = this.q, d = this.decision;
    if (!q || !d) return;
    this.$est.hidden = false;
    // No number before it means something: while questions are open, the
    // answers decide whether the plan pays, so say that instead of a total.
    const open = (d.requirements || []).filter((r) => r.met === null && (answerFor(r.id) || r.id === 'provider'));
    if (open.length) {
      this.estCtrl?.abort();
      ++this.estSeq;
      this.$estOut.replaceChildren(h('p', { class: 'muted', 'data-k': 'answer-first',
        text: `Answer the question${open.length === 1 ? '' : 's'} above to see about what a course would cost you: your answers decide whether the plan pays for the visits or you pay the full price.` }));
      return;
    }
    const vpw = +this.$vpw.value, weeks = +this.$weeks.value;
    if (!(vpw >= 1 && vpw <= 7 && weeks >= 1 && weeks <= 52 && Number.isInteger(vpw) && Number.isInteger(weeks))) {
      this.$estOut.replaceChildren(h('p', { class: 'error', role: 'alert', text: 'Enter 1 to 7 visits per week and 1 to 52 weeks.' }));
      return;
    }
    const paidText = this.$paid.value.trim();
    const paid = paidText ? cents(paidText) : 0;
    if (paid === null) {
      this.$estOut.replaceChildren(h('p', { class: 'error', role: 'alert', text: 'Enter what you have paid towards your deductible in dollars, e.g. 120 or 120.50, or leave it empty.' }));
      return;
    }
    const n = ++this.estSeq;
    this.estCtrl?.abort();
    this.estCtrl = new AbortController();
    this.$estOut.replaceChildren(h('p', { class: 'status busy', text: 'Estimating…' }));
    const body = {
      plan: q.plan, state: q.state, condition: q.condition, start_date: q.date,
      course: { visits_per_week: vpw, weeks, minutes_per_visit: 30 }, network: this.network, patient: q.patient,
      provider: q.provider,
    };
    // A clinic prices the visits itself and knows its networks: no
    // visit-price, and network only when the page sets it.
    const clinic = this.getAttribute('clinic');
    if (clinic) {
      body.clinic = clinic;
      if (!this.hasAttribute('network')) delete body.network;
    } else if (this.visitPrice) body.charge_cents = this.visitPrice;
    if (paid) body.accumulators = { deductible_met_cents: paid };
    try {
      const e = await this.request('v1/estimates', body, this.estCtrl.signal);
      if (n !== this.estSeq) return;
      const t = e.totals;
      const lines = uncoveredLines(e.visits || []);
      this.$estOut.replaceChildren(...[
        h('p', {}, 'About ', h('span', { class: 'total', 'data-total': t.patient_cents, text: money(t.patient_cents) }),
          ` for you for ${t.visits} visits (${vpw} a week for ${weeks} weeks).`),
        h('p', { 'data-k': 'covered-count', text: `${t.covered_visits} of ${t.visits} visits covered; the plan pays about ${money(t.plan_cents)}. An estimate, not a guarantee.` }),
        lines.length > 0 && h('ul', { class: 'uncovered', 'data-k': 'uncovered' }, lines.map((l) => h('li', { text: l }))),
        e.assumptions?.length > 0 && h('details', {}, h('summary', { 'data-k': 'assumptions', text: 'How we worked this out' }),
          h('ul', {}, e.assumptions.map((a) => h('li', { text: plainText(a) }))))].filter(Boolean));
    } catch (err) {
      if (err.name === 'AbortError' || n !== this.estSeq) return;
      const missing = err.status === 404 && (!err.type || /not-found$/.test(err.type));
      this.$estOut.replaceChildren(h('p', { class: missing ? 'muted' : 'error', role: missing ? false : 'alert',
        text: missing ? 'Cost estimates are not available from this service yet. The coverage answer above still applies.'
          : `No estimate: ${err.message}` }));
    }
  }
}


if (!customElements.get('acucover-check')) customElements.define('acucover-check', AcucoverCheck);
export { AcucoverCheck, cents, uncoveredLines };
