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
