// triggers.js: HIK triggers: an event kind on some devices, plus the
// event's own conditions, which appear when the event is chosen (from
// /api/v1/meta, so the form offers exactly what the API accepts).
import { get, post, put, del } from '../api.js';
import { h, field, checkGroup, select, pageHead, meta, toast } from '../dom.js';
import { checkName, formShell, saving, NAME_MAX, deviceLabel } from '../forms.js';
import { go } from '../app.js';

export const kindLabel = (m, name) => (m.event_kinds.find((k) => k.name === name) || { label: name }).label;

function condText(m, c) {
  return Object.entries(c || {}).map(([k, v]) => {
    const spec = m.conditions[k] || { label: k };
    if (spec.type === 'choice') v = (spec.values.find((x) => x.value === v) || { label: v }).label;
    if (spec.type === 'percent') v = `≥ ${v} %`;
    return `${spec.label}: ${v}`;
  }).join(' · ');
}

async function listView(main, m) {
  const [triggers, devices] = await Promise.all([get('/triggers'), get('/devices')]);
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  async function remove(t) {
    if (!confirm(`Delete trigger "${t.name}"?`)) return;
    try { await del(`/triggers/${t.id}`); toast(`Trigger "${t.name}" deleted`); go('#/triggers'); } catch (e) { err.textContent = e.message; err.hidden = false; }
  }
  const items = triggers.map((t) => h('li', { class: 'item', dataset: { id: t.id } },
    h('div', { class: 'item-head' }, h('span', { class: 'item-title' }, t.name),
      h('span', { class: 'badge plain' }, kindLabel(m, t.event))),
    meta([['Devices', t.devices.map((id) => deviceLabel(devices, id)).join(', ')],
      ['Conditions', condText(m, t.conditions) || 'none: every event of this kind']]),
    h('div', { class: 'item-actions' },
      h('a', { class: 'btn btn-ghost btn-small', href: `#/triggers/${t.id}` }, 'Edit'),
      h('button', { class: 'btn btn-danger btn-small', type: 'button', onclick: () => remove(t) }, 'Delete'))));
  main.append(pageHead('Triggers', 'Which events matter: an event kind on some devices, and conditions it must meet.',
    h('a', { class: 'btn', href: '#/triggers/new' }, '+ New trigger')), err,
  h('ul', { class: 'items', 'aria-label': 'Triggers' }, items.length ? items : h('li', { class: 'empty' }, 'No trigger yet.')));
}

// One condition's input, from its spec in /api/v1/meta.
function condField(name, spec, value) {
  if (spec.type === 'choice') {
    const opts = [{ value: '', label: 'Any' }, ...spec.values];
    return field({ label: spec.label, name, input: select(opts, value === undefined ? '' : value) });
  }
  if (spec.type === 'percent') {
    const v = value === undefined ? spec.default : value;
    const range = h('input', { type: 'range', min: spec.min, max: spec.max, step: 1 });
    range.value = String(v);
    const out = h('output', {}, `${v} %`);
    range.addEventListener('input', () => { out.textContent = `${range.value} %`; });
    const f = field({ label: `${spec.label}:`, name, input: range, hint: spec.hint });
    const foot = f.wrap.lastChild;
    f.wrap.insertBefore(h('div', { class: 'range-row' }, range, out), foot);
    f.read = () => Number(range.value);
    return f;
  }
  const f = field({
    label: spec.label, name, value, type: spec.type === 'integer' ? 'number' : 'text',
    placeholder: 'any',
  });
  if (spec.type === 'integer') f.input.min = spec.min;
  return f;
}

function readCond(name, spec, f, errors) {
  if (f.read) return f.read();
  const raw = f.input.value.trim();
  if (raw === '') return undefined;
  if (spec.type === 'integer') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < spec.min) { errors.push([f, `${spec.label} must be a whole number of at least ${spec.min}`]); return undefined; }
    return n;
  }
  return raw;
}

async function formView(main, m, id) {
  const [t, devices] = await Promise.all([id ? get(`/triggers/${id}`) : null, get('/devices')]);
  const kinds = m.event_kinds;
  const f = {
    type: field({ label: 'Trigger type', name: 'type', input: select([{ value: 'hik', label: 'HIK' }], 'hik'), required: true }),
    name: field({ label: 'Name', name: 'name', value: t && t.name, required: true, max: NAME_MAX, placeholder: 'Name of the Hikvision trigger' }),
    devices: checkGroup({ label: 'Hikvision device(s)', name: 'devices', required: true, span: true,
      options: devices.map((d) => ({ value: d.id, label: d.name })), selected: t ? t.devices : [], empty: 'Declare a device first.' }),
    event: field({ label: 'Event', name: 'event', required: true, span: true,
      input: select([{ value: '', label: 'Choose an event…' }, ...kinds.map((k) => ({ value: k.name, label: k.label }))], t ? t.event : '') }),
  };
  const condBox = h('div', { class: 'form-grid two' });
  const condSet = h('fieldset', { class: 'span2' }, h('legend', {}, 'Event conditions'),
    h('p', { class: 'hint' }, 'Optional. Leave a condition empty to accept any value; every condition given must hold.'), condBox);
  let conds = {};
  function renderConds(keep) {
    const kind = kinds.find((k) => k.name === f.event.input.value);
    conds = {};
    condBox.replaceChildren();
    condSet.hidden = !kind;
    if (!kind) return;
    const order = kind.conditions.filter((c) => c !== 'channel').concat(kind.conditions.includes('channel') ? ['channel'] : []);
    for (const c of order) {
      conds[c] = condField(c, m.conditions[c], keep ? keep[c] : undefined);
      condBox.append(conds[c].wrap);
    }
  }
  f.event.input.addEventListener('change', () => renderConds(null));
  renderConds(t ? t.conditions : null);

  async function submit(formError) {
    let ok = checkName(f.name);
    const devs = f.devices.values();
    if (!devs.length) { f.devices.error('Choose at least one device'); ok = false; }
    if (!f.event.input.value) { f.event.error('Choose an event'); ok = false; }
    const errors = [];
    const conditions = {};
    for (const [name, cf] of Object.entries(conds)) {
      const v = readCond(name, m.conditions[name], cf, errors);
      if (v !== undefined) conditions[name] = v;
    }
    errors.forEach(([cf, msg]) => cf.error(msg));
    if (!ok || errors.length) return;
    const body = { type: 'hik', name: f.name.input.value, devices: devs, event: f.event.input.value, conditions };
    const saved = await saving(() => (t ? put(`/triggers/${t.id}`, body) : post('/triggers', body)), { ...f, ...conds }, formError);
    if (saved) { toast(`Trigger "${saved.name}" saved`); go('#/triggers'); }
  }
  const { form } = formShell(t ? `Edit "${t.name}"` : 'Trigger creation', submit,
    [f.type.wrap, f.name.wrap, f.devices.wrap, f.event.wrap, condSet], { cancelHash: '#/triggers' });
  main.append(pageHead(t ? 'Edit trigger' : 'New trigger', null), form);
  f.name.input.focus();
}

export function triggersPage(main, arg, state) {
  return arg ? formView(main, state.meta, arg === 'new' ? null : arg) : listView(main, state.meta);
}
