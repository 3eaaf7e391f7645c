// devices.js: declared cameras and NVRs, with their live status, their
// checks (devices_tools.js), and the declaration form (name, IP address,
// port, credentials).
import { get, post, put, del } from '../api.js';
import { h, field, select, pageHead, meta, toast, ago, showError } from '../dom.js';
import { checkName, checkAddress, formShell, saving, NAME_MAX } from '../forms.js';
import { go } from '../app.js';
import { testConnection, autoConfigure, snapshot } from './devices_tools.js';

const REFRESH_MS = 5000;

function statusBadge(d) {
  const s = d.status || 'unknown';
  const cls = s === 'online' || s === 'ok' ? 'ok' : s === 'unknown' ? '' : 'err';
  return h('span', { class: `badge ${cls}`, title: 'Status' }, s);
}

// A device's test result survives the list's periodic refresh.
function resultBox(boxes, id) {
  if (!boxes.has(id)) boxes.set(id, h('div', { class: 'tool-result', 'aria-live': 'polite', hidden: true }));
  return boxes.get(id);
}

function deviceItem(d, onDelete, boxes, refresh) {
  const box = resultBox(boxes, d.id);
  const test = h('button', { class: 'btn btn-ghost btn-small', type: 'button' }, 'Test connection');
  test.addEventListener('click', () => testConnection(d, box, test, refresh));
  return h('li', { class: 'item', dataset: { id: d.id } },
    h('div', { class: 'item-head' },
      h('span', { class: 'item-title' }, d.name), statusBadge(d)),
    meta([
      ['Address', `${d.scheme || 'http'}://${d.address}:${d.port}`],
      ['Model', d.model], ['Firmware', d.firmware], ['Serial', d.serial], ['MAC', d.mac],
      ['Last event', ago(d.last_event_ms)],
    ]),
    d.last_error ? h('p', { class: 'note-err' }, `Last error: ${d.last_error}`) : null,
    box,
    h('div', { class: 'item-actions' },
      test,
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', onclick: () => autoConfigure(d) }, 'Auto-configure'),
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', onclick: () => snapshot(d) }, 'Snapshot'),
      h('a', { class: 'btn btn-ghost btn-small', href: `#/devices/${d.id}` }, 'Edit'),
      h('button', { class: 'btn btn-danger btn-small', type: 'button', onclick: () => onDelete(d) }, 'Delete')));
}

async function listView(main) {
  const list = h('ul', { class: 'items', 'aria-label': 'Devices', 'aria-live': 'polite' });
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const boxes = new Map();
  main.append(pageHead('Devices', 'Cameras and NVRs hikgate receives events from and acts on.',
    h('a', { class: 'btn', href: '#/devices/new' }, '+ Declare a device')), err, list);

  async function remove(d) {
    if (!confirm(`Delete device "${d.name}"?`)) return;
    try {
      await del(`/devices/${d.id}`);
      toast(`Device "${d.name}" deleted`);
      refresh();
    } catch (e) {
      err.textContent = e.status === 409 && e.references.length
        ? `Cannot delete "${d.name}": it is used by ${e.references.map((r) => `${r.type} "${r.name}"`).join(', ')}. Remove it from there first.`
        : e.message;
      err.hidden = false;
    }
  }
  async function refresh() {
    try {
      const devices = await get('/devices');
      list.replaceChildren(...(devices.length ? devices.map((d) => deviceItem(d, remove, boxes, refresh))
        : [h('li', { class: 'empty' }, 'No device yet. Declare your first camera.')]));
    } catch (e) { /* keep the last list; the next tick retries */ }
  }
  await refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}

async function formView(main, id) {
  const d = id ? await get(`/devices/${id}`) : null;
  const f = {
    name: field({ label: 'Name', name: 'name', value: d && d.name, required: true, max: NAME_MAX, placeholder: 'HIKvision Office' }),
    address: field({ label: 'IP address', name: 'address', value: d && d.address, required: true, placeholder: '192.168.1.64', hint: 'IPv4, IPv6 or host name' }),
    port: field({ label: 'Port', name: 'port', type: 'number', value: d ? d.port : 80 }),
    scheme: field({ label: 'Protocol', name: 'scheme', input: select([{ value: 'http', label: 'HTTP' }, { value: 'https', label: 'HTTPS' }], d ? d.scheme : 'http') }),
    username: field({ label: 'Username', name: 'username', value: d ? d.username : 'admin', required: true, autocomplete: 'off' }),
    password: field({
      label: 'Password', name: 'password', input: h('input', { type: 'password' }), required: !d, autocomplete: 'new-password',
      placeholder: d ? 'leave empty to keep' : '', hint: d ? 'Leave empty to keep the current password' : 'Used by hikgate to act on the camera',
    }),
  };
  f.port.input.min = 1; f.port.input.max = 65535;
  const reverse = h('input', { type: 'checkbox', name: 'anpr_reverse' });
  reverse.checked = !!(d && d.anpr_reverse);
  const reverseWrap = h('label', { class: 'check span2' }, reverse, 'Swap ANPR directions (camera mounted facing away)');

  async function submit(formError) {
    let ok = checkName(f.name);
    ok = checkAddress(f.address) && ok;
    const port = Number(f.port.input.value || 80);
    if (!Number.isInteger(port) || port < 1 || port > 65535) { f.port.error('Port must be from 1 to 65535'); ok = false; }
    if (!f.username.input.value) { f.username.error('Username is required'); ok = false; }
    if (!d && !f.password.input.value) { f.password.error('Password is required'); ok = false; }
    if (!ok) {
      const bad = Object.values(f).find((x) => x.input.getAttribute('aria-invalid') === 'true');
      if (bad) bad.input.focus();
      return;
    }
    const body = {
      name: f.name.input.value, address: f.address.input.value.trim(), port,
      scheme: f.scheme.input.value, username: f.username.input.value, anpr_reverse: reverse.checked,
    };
    if (f.password.input.value) body.password = f.password.input.value;
    const saved = await saving(() => (d ? put(`/devices/${d.id}`, body) : post('/devices', body)), f, formError);
    if (saved) {
      toast(`Device "${saved.name}" saved`);
      go('#/devices');
    }
  }
  const { form } = formShell(d ? `Edit "${d.name}"` : 'Hikvision camera declaration', submit,
    [f.name.wrap, f.address.wrap, f.port.wrap, f.scheme.wrap, f.username.wrap, f.password.wrap, reverseWrap],
    { cancelHash: '#/devices' });
  main.append(pageHead(d ? 'Edit device' : 'Declare a device',
    'hikgate uses these credentials to query the camera and to turn its privacy mask on or off.'), form);
  f.name.input.focus();
  return null;
}

export function devicesPage(main, arg) {
  return arg ? formView(main, arg === 'new' ? null : arg) : listView(main);
}

