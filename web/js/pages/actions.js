// actions.js: HIK actions (privacy mask on or off on chosen devices), with
// "Run now", which follows the run until the devices answered.
import { get, post, put, del } from '../api.js';
import { h, field, checkGroup, select, pageHead, meta, toast } from '../dom.js';
import { checkName, formShell, saving, NAME_MAX, deviceLabel } from '../forms.js';
import { go } from '../app.js';

const RUN_POLL_MS = 400;
const RUN_POLL_MAX = 75; /* 30 s */

const actionLabel = (m, name) => (m.actions.find((a) => a.name === name) || { label: name }).label;

export function runBadge(run) {
  const cls = run.status === 'ok' ? 'ok' : run.status === 'error' ? 'err' : 'warn';
  return h('span', { class: `badge ${cls}` }, run.status);
}

export function runText(run) {
  const r = run.result || {};
  if (run.status === 'ok') return 'done';
  if (run.status === 'error' || run.status === 'retry') return r.message || r.error || 'failed';
  return run.status === 'queued' ? 'waiting for a worker' : 'in progress';
}

async function runNow(a, devices, out) {
  out.replaceChildren(h('span', { class: 'badge warn' }, 'starting'));
  let first;
  try {
    first = await post(`/actions/${a.id}/run`);
  } catch (e) {
    out.replaceChildren(h('span', { class: 'note-err' }, e.message));
    return;
  }
  // One run per device, with consecutive ids from the first.
  const ids = a.devices.map((_, i) => first.run_id + i);
  for (let n = 0; n < RUN_POLL_MAX; n++) {
    const runs = await Promise.all(ids.map((id) => get(`/runs/${id}`).catch(() => null)));
    const mine = runs.filter((r) => r && r.action_id === a.id);
    out.replaceChildren(...mine.map((r) => h('div', { class: 'run-line' },
      runBadge(r), ' ', deviceLabel(devices, r.device_id), ': ', runText(r))));
    if (mine.length && mine.every((r) => r.status === 'ok' || r.status === 'error')) return;
    await new Promise((res) => setTimeout(res, RUN_POLL_MS));
  }
}

async function listView(main, m) {
  const [actions, devices] = await Promise.all([get('/actions'), get('/devices')]);
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  async function remove(a) {
    if (!confirm(`Delete action "${a.name}"?`)) return;
    try {
      await del(`/actions/${a.id}`);
      toast(`Action "${a.name}" deleted`);
      go('#/actions');
    } catch (e) { err.textContent = e.message; err.hidden = false; }
  }
  const items = actions.map((a) => {
    const out = h('div', { class: 'run-result', 'aria-live': 'polite' });
    return h('li', { class: 'item', dataset: { id: a.id } },
      h('div', { class: 'item-head' }, h('span', { class: 'item-title' }, a.name),
        h('span', { class: 'badge plain' }, 'HIK')),
      meta([['Action', actionLabel(m, a.action)], ['Channel', a.channel],
        ['Devices', a.devices.map((id) => deviceLabel(devices, id)).join(', ')]]),
      out,
      h('div', { class: 'item-actions' },
        h('button', { class: 'btn btn-small', type: 'button', onclick: () => runNow(a, devices, out) }, 'Run now'),
        h('a', { class: 'btn btn-ghost btn-small', href: `#/actions/${a.id}` }, 'Edit'),
        h('button', { class: 'btn btn-danger btn-small', type: 'button', onclick: () => remove(a) }, 'Delete')));
  });
  main.append(pageHead('Actions', 'What hikgate does on a device when a scenario fires, or when you run it.',
    h('a', { class: 'btn', href: '#/actions/new' }, '+ New action')), err,
  h('ul', { class: 'items', 'aria-label': 'Actions' },
    items.length ? items : h('li', { class: 'empty' }, 'No action yet.')));
}

async function formView(main, m, id) {
  const [a, devices] = await Promise.all([id ? get(`/actions/${id}`) : null, get('/devices')]);
  const f = {
    type: field({ label: 'Action type', name: 'type', input: select([{ value: 'hik', label: 'HIK' }], 'hik'), required: true }),
    name: field({ label: 'Name', name: 'name', value: a && a.name, required: true, max: NAME_MAX, placeholder: 'Name of the Hikvision action' }),
    devices: checkGroup({ label: 'Hikvision device(s)', name: 'devices', required: true, span: true,
      options: devices.map((d) => ({ value: d.id, label: d.name })), selected: a ? a.devices : [],
      empty: 'Declare a device first.' }),
    action: field({ label: 'Action', name: 'action', required: true,
      input: select(m.actions.map((x) => ({ value: x.name, label: x.label })), a ? a.action : m.actions[0].name) }),
    channel: field({ label: 'Channel', name: 'channel', type: 'number', value: a ? a.channel : 1 }),
  };
  f.channel.input.min = 1;
  async function submit(formError) {
    let ok = checkName(f.name);
    const devs = f.devices.values();
    if (!devs.length) { f.devices.error('Choose at least one device'); ok = false; }
    const channel = Number(f.channel.input.value || 1);
    if (!Number.isInteger(channel) || channel < 1 || channel > m.limits.channel_max) {
      f.channel.error(`Channel must be from 1 to ${m.limits.channel_max}`); ok = false;
    }
    if (!ok) return;
    const body = { type: 'hik', name: f.name.input.value, devices: devs, action: f.action.input.value, channel };
    const saved = await saving(() => (a ? put(`/actions/${a.id}`, body) : post('/actions', body)), f, formError);
    if (saved) { toast(`Action "${saved.name}" saved`); go('#/actions'); }
  }
  const { form } = formShell(a ? `Edit "${a.name}"` : 'Action creation', submit,
    [f.type.wrap, f.name.wrap, f.devices.wrap, f.action.wrap, f.channel.wrap], { cancelHash: '#/actions' });
  main.append(pageHead(a ? 'Edit action' : 'New action', null), form);
  f.name.input.focus();
}

export function actionsPage(main, arg, state) {
  return arg ? formView(main, state.meta, arg === 'new' ? null : arg) : listView(main, state.meta);
}
