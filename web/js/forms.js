// forms.js: what the resource forms share: name checks as the API makes
// them, the address check, a save/cancel row, and list loading.
import { h, chars, showError } from './dom.js';

export const NAME_MAX = 64;

export function checkName(f) {
  const v = f.input.value;
  if (!v.trim()) { f.error('Name is required'); return false; }
  if (chars(v) > NAME_MAX) { f.error(`Name must be at most ${NAME_MAX} characters (now ${chars(v)})`); return false; }
  if (/[\u0000-\u001f\u007f]/.test(v)) { f.error('Name must not contain control characters'); return false; }
  return true;
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(s) {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(':')) return false;
  try { new URL(`http://[${s}]/`); return true; } catch (e) { return false; }
}

function isHostName(s) {
  if (s.length > 253) return false;
  const labels = s.replace(/\.$/, '').split('.');
  if (/^\d+$/.test(labels[labels.length - 1])) return false;
  return labels.every((l) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l));
}

export function checkAddress(f) {
  const v = f.input.value.trim();
  if (!v) { f.error('IP address is required'); return false; }
  if (ipv4.test(v) || isIpv6(v) || isHostName(v)) return true;
  f.error('Enter a valid IPv4 or IPv6 address or host name (e.g. 192.168.1.64)');
  return false;
}

export function formShell(title, onsubmit, fields, { submitLabel = 'Save', cancelHash, extra } = {}) {
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn', type: 'submit' }, submitLabel);
  const form = h('form', { class: 'card', novalidate: true, 'aria-label': title },
    h('h2', {}, title),
    h('div', { class: 'form-grid two' }, fields),
    formError,
    h('div', { class: 'btn-row' }, submit,
      cancelHash ? h('a', { class: 'btn btn-ghost', href: cancelHash }, 'Cancel') : null, extra));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError.hidden = true;
    submit.disabled = true;
    try { await onsubmit(formError); } finally { submit.disabled = false; }
  });
  return { form, formError };
}

// Run a save; API errors land next to their field.
export async function saving(fn, fieldsByName, formError) {
  try {
    return await fn();
  } catch (e) {
    showError(e, fieldsByName, formError);
    return null;
  }
}

export const deviceLabel = (devices, id) => {
  const d = devices.find((x) => x.id === id);
  return d ? d.name : `device ${id}`;
};
