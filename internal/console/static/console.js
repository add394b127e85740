// acucover billing console: progressive enhancement only; every page works
// without this script. It adds a "Print this answer" button and moves focus
// to the answer after a check, so keyboard and screen-reader users land on it.
(() => {
  'use strict';
  const result = document.getElementById('result');
  if (!result) return;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'print';
  b.textContent = 'Print this answer';
  b.addEventListener('click', () => window.print());
  (document.getElementById('estimate') ?? result).append(b);
  const h = document.getElementById('result-h');
  h.tabIndex = -1;
  h.focus({preventScroll: false});
})();
