// acucover billing console: progressive enhancement only; every page works
// without this script. After a check it moves focus to the error summary or
// the answer (or the edit step: review, conflict, saved), so keyboard and
// screen-reader users land on what changed, and
// it adds a "Print this answer" button.
(() => {
  'use strict';
  const land = el => { el.tabIndex = -1; el.focus(); };
  const summary = document.getElementById('form-error');
  if (summary) land(summary);
  // After an edit step: the review, a conflict, a save or a restore.
  const step = ['review-h', 'conflict', 'saved', 'restored'].map(id => document.getElementById(id)).find(Boolean);
  if (!summary && step) land(step);
  const result = document.getElementById('result');
  if (!result) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'print';
  b.textContent = 'Print this answer';
  b.addEventListener('click', () => window.print());
  (document.getElementById('estimate') ?? result).append(b);
  if (!summary) land(document.getElementById('result-h'));
})();
// Sortable tables: each heading becomes a button; numbers sort as numbers,
// empty cells last.
(() => {
  'use strict';
  for (const table of document.querySelectorAll('table.sortable')) {
    const heads = [...table.tHead.rows[0].cells];
    const body = table.tBodies[0];
    const status = document.getElementById('sort-status');
    heads.forEach((th, col) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'sort';
      b.textContent = th.textContent;
      th.textContent = '';
      th.append(b);
      b.addEventListener('click', () => {
        const dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        heads.forEach(h => h.removeAttribute('aria-sort'));
        th.setAttribute('aria-sort', dir);
        const val = tr => { const c = tr.cells[col]; return ((c?.querySelector('.full') ?? c)?.textContent ?? '').trim(); };
        const num = s => (s !== '' && !isNaN(Number(s.replace(/[$,]/g, '')))) ? Number(s.replace(/[$,]/g, '')) : null;
        const rows = [...body.rows];
        rows.sort((x, y) => {
          const a = val(x), c = val(y);
          if (a === '' || c === '') return (a === '') - (c === '');
          const na = num(a), nc = num(c);
          const r = (na !== null && nc !== null) ? na - nc : a.localeCompare(c, undefined, {numeric: true});
          return dir === 'ascending' ? r : -r;
        });
        body.append(...rows);
        if (status) status.textContent = `Sorted by ${b.textContent}, ${dir}.`;
      });
    });
  }
  const results = document.getElementById('results-h');
  if (results && !document.getElementById('form-error')) { results.tabIndex = -1; results.focus(); }
})();
