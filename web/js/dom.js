// dom.js: building the page without innerHTML (no markup from data ever
// reaches the parser), form fields with their labels, counters and error
// slots, and small formatting helpers.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let uid = 0;
export const nextId = (p) => `${p}-${++uid}`;

// A labelled field: returns {wrap, input, error(msg), setCount()}.
export function field(opts) {
  const id = nextId(opts.name || 'f');
  const errId = id + '-err';
  const hintId = id + '-hint';
  const input = opts.input || h('input', { type: opts.type || 'text' });
  input.id = id;
  if (opts.name) input.name = opts.name;
  if (opts.value !== undefined && opts.value !== null && input.tagName !== 'SELECT') input.value = opts.value;
  if (opts.placeholder) input.placeholder = opts.placeholder;
  if (opts.autocomplete) input.autocomplete = opts.autocomplete;
  if (opts.required) input.setAttribute('aria-required', 'true');
  const described = [errId];
  if (opts.hint) described.push(hintId);
  input.setAttribute('aria-describedby', described.join(' '));
  const errEl = h('span', { id: errId, class: 'field-error', 'aria-live': 'polite' });
  const counter = opts.max ? h('span', { class: 'counter', 'aria-hidden': 'true' }) : null;
  const foot = h('div', { class: 'field-foot' }, errEl,
    opts.hint ? h('span', { id: hintId, class: 'hint' }, opts.hint) : null, counter);
  const wrap = h('div', { class: 'field' + (opts.span ? ' span2' : '') },
    h('label', { for: id }, opts.label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null),
    input, foot);
  const f = {
    wrap, input, name: opts.name,
    error(msg) {
      errEl.textContent = msg || '';
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
    setCount() {
      if (!counter) return;
      const n = [...input.value].length;
      counter.textContent = `${n} / ${opts.max}`;
      counter.classList.toggle('over', n > opts.max);
    },
  };
  if (counter) {
    input.addEventListener('input', () => f.setCount());
    f.setCount();
  }
  input.addEventListener('input', () => f.error(''));
  return f;
}

// A group of checkboxes (multi-select) with a legend and an error slot.
export function checkGroup(opts) {
  const errId = nextId('grp-err');
  const errEl = h('span', { id: errId, class: 'field-error', 'aria-live': 'polite' });
  const boxes = opts.options.map((o) => {
    const cb = h('input', { type: 'checkbox', value: String(o.value) });
    cb.checked = (opts.selected || []).includes(o.value);
    cb.addEventListener('change', () => g.error(''));
    return { cb, label: h('label', { class: 'check' }, cb, o.label) };
  });
  const fs = h('fieldset', { class: 'field' + (opts.span ? ' span2' : ''), 'aria-describedby': errId },
    h('legend', {}, opts.label, opts.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null),
    boxes.length ? h('div', { class: 'checks' }, boxes.map((b) => b.label))
      : h('p', { class: 'hint' }, opts.empty || 'Nothing to choose from yet.'),
    h('div', { class: 'field-foot' }, errEl));
  const g = {
    wrap: fs, name: opts.name,
    values: () => boxes.filter((b) => b.cb.checked).map((b) => Number(b.cb.value)),
    error(msg) {
      errEl.textContent = msg || '';
      fs.classList.toggle('invalid', !!msg);
      if (msg && boxes[0]) boxes[0].cb.setAttribute('aria-invalid', 'true');
      else boxes.forEach((b) => b.cb.removeAttribute('aria-invalid'));
    },
    input: boxes[0] ? boxes[0].cb : fs,
  };
  return g;
}

export function select(options, value) {
  const s = h('select', {});
  for (const o of options) s.append(h('option', { value: o.value }, o.label));
  if (value !== undefined && value !== null) s.value = String(value);
  return s;
}

// Show an API error next to its field (by the API's field name), else as a
// form-level message. Returns true when a field took it.
export function showError(err, fields, formError) {
  const name = err.field || '';
  const f = fields[name] || fields[name.split('.').pop()] || fields[name.split('.')[0]];
  if (f) {
    f.error(err.message);
    if (f.input && f.input.focus) f.input.focus();
    formError.hidden = true;
    return true;
  }
  formError.textContent = err.message;
  formError.hidden = false;
  return false;
}

let toastTimer = 0;
export function toast(msg, isError) {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.classList.toggle('err', !!isError);
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 3500);
}

export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay ? d.toLocaleTimeString() : d.toLocaleString();
}

export function ago(ms) {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export function pageHead(title, sub, ...buttons) {
  return h('div', { class: 'page-head' },
    h('div', {}, h('h1', {}, title), sub ? h('p', {}, sub) : null),
    buttons.length ? h('div', { class: 'btn-row' }, buttons) : null);
}

export function meta(pairs) {
  return h('dl', { class: 'item-meta' },
    pairs.filter((p) => p && p[1] !== undefined && p[1] !== null && p[1] !== '')
      .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

// Name length as the API counts it (characters, not bytes).
export const chars = (s) => [...(s || '')].length;
