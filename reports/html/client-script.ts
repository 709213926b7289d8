// The page's only script: filters, search, and the details drawer. It reads the embedded JSON (never HTML built from
// strings: details are server-rendered <template>s cloned as DOM, and text is set with textContent), so no scenario
// string can become markup. Plain ES2020 in a string because it runs in the browser, not under tsx; the real-Chromium
// test (html/page.test.ts) exercises every path of it.
export const CLIENT_SCRIPT = `(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('certgate-data').textContent);
  const results = data.report.results;
  const view = data.view;
  const FAILING = ['fail', 'unexpected-pass', 'error'];
  const byId = (id) => document.getElementById(id);
  const cells = Array.from(document.querySelectorAll('.cell'));
  const fVerdict = byId('f-verdict'), fTier = byId('f-tier'), fTag = byId('f-tag'), fSearch = byId('f-search');
  const fProfile = byId('f-profile'); // only in a run under several profiles
  const drawer = byId('drawer'), drawerBody = byId('drawer-body');

  function matches(i) {
    const r = results[i], v = fVerdict.value, t = fTier.value, g = fTag.value;
    const q = fSearch.value.trim().toLowerCase();
    if (v === 'failing' ? FAILING.indexOf(r.verdict) < 0 : v !== '' && r.verdict !== v) return false;
    if (t !== '' && view[i].tier !== t) return false;
    if (fProfile && fProfile.value !== '' && r.profile !== fProfile.value) return false;
    if (g !== '' && r.tags.indexOf(g) < 0) return false;
    if (q !== '' && q.split(/\\s+/).some((w) => view[i].search.indexOf(w) < 0)) return false;
    return true;
  }

  function apply() {
    let shown = 0;
    for (const c of cells) {
      const ok = matches(Number(c.dataset.i));
      c.hidden = !ok;
      if (ok) shown++;
    }
    for (const el of document.querySelectorAll('.topic, .group')) {
      el.hidden = el.querySelector('.cell:not([hidden])') === null;
    }
    byId('shown').textContent = shown + ' of ' + cells.length + ' shown';
    byId('empty').hidden = shown > 0;
  }

  function open(i) {
    const tpl = byId('d-' + i);
    if (!tpl) return;
    drawerBody.replaceChildren(tpl.content.cloneNode(true));
    drawer.hidden = false;
    for (const c of cells) c.classList.toggle('selected', Number(c.dataset.i) === i);
    try { history.replaceState(null, '', '#' + encodeURIComponent(view[i].key)); } catch (e) { /* file:// may refuse */ }
    byId('drawer-close').focus();
  }

  function close() {
    drawer.hidden = true;
    for (const c of cells) c.classList.remove('selected');
    try { history.replaceState(null, '', location.pathname + location.search); } catch (e) { /* ignore */ }
  }

  for (const el of [fVerdict, fTier, fTag, fProfile]) if (el) el.addEventListener('change', apply);
  fSearch.addEventListener('input', apply);
  for (const b of document.querySelectorAll('[data-verdict]')) {
    b.addEventListener('click', () => { fVerdict.value = b.dataset.verdict; apply(); });
  }
  for (const b of document.querySelectorAll('[data-profile]')) {
    b.addEventListener('click', () => { if (fProfile) { fProfile.value = b.dataset.profile; apply(); } });
  }
  byId('f-clear').addEventListener('click', () => {
    fVerdict.value = ''; fTier.value = ''; fTag.value = ''; fSearch.value = ''; if (fProfile) fProfile.value = ''; apply();
  });
  byId('matrix').addEventListener('click', (e) => {
    const c = e.target.closest('.cell');
    if (c) open(Number(c.dataset.i));
  });
  byId('drawer-close').addEventListener('click', close);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !drawer.hidden) close();
    if (e.key === '/' && document.activeElement !== fSearch) { e.preventDefault(); fSearch.focus(); }
  });

  apply();
  if (location.hash.length > 1) {
    let id = '';
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { id = ''; }
    const i = view.findIndex((v) => v.key === id);
    if (i >= 0) open(i);
  }
})();
`;
