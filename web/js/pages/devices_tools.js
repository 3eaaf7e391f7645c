// devices_tools.js: the Devices page's per-device checks and setup.
// "Test connection" asks the camera who it is with the stored credentials;
// "Auto-configure" shows what it would change on the camera and writes
// only after the user agrees; "Snapshot" shows what the camera sees.
import { get, post, ApiError } from '../api.js';
import { h } from '../dom.js';

const CONFIGURE_POLL_MS = 1000;
const CONFIGURE_POLL_MAX = 90; // the worker's own device calls are bounded well below this

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function badge(cls, text) { return h('span', { class: `badge ${cls}` }, text); }

function errorLabel(code) {
  return {
    auth_rejected: 'Password rejected', locked_out: 'Locked out', network: 'Unreachable',
    timeout: 'Timed out', device_error: 'Device error', not_found: 'Not supported',
  }[code] || 'Failed';
}

// ---- Test connection -------------------------------------------------------

function testOutcome(r) {
  if (r.ok) {
    const dev = r.device || {};
    const facts = [['Model', dev.model], ['Firmware', dev.firmware], ['Serial', dev.serial], ['MAC', dev.mac]]
      .filter(([, v]) => v).map(([k, v]) => h('li', {}, h('b', {}, k), v));
    return [h('p', {}, badge('ok', 'Connection OK'), ` in ${r.elapsed_ms} ms`),
      facts.length ? h('ul', { class: 'fields', 'aria-label': 'Device identity' }, facts) : null].filter(Boolean);
  }
  return [h('p', {}, badge('err', errorLabel(r.code)), ' ', h('code', {}, r.code || 'error')),
    h('p', { class: 'note-err' }, r.error)];
}

export async function testConnection(d, box, button, done) {
  button.disabled = true;
  box.hidden = false;
  box.replaceChildren(h('p', { class: 'hint' }, `Asking ${d.address} who it is…`));
  try {
    box.replaceChildren(...testOutcome(await post(`/devices/${d.id}/test`)));
  } catch (e) {
    // 409: not contacted (the stored password was rejected before).
    box.replaceChildren(h('p', {}, badge('err', e.status === 409 ? 'Not tested' : 'Failed')),
      h('p', { class: 'note-err' }, e.message));
  } finally {
    button.disabled = false;
    if (done) done();
  }
}

// ---- Dialogs ----------------------------------------------------------------

function openDialog(title, labelId) {
  const body = h('div', { class: 'tool-body', 'aria-live': 'polite' });
  const actions = h('div', { class: 'btn-row' });
  const dlg = h('dialog', { class: 'tool-dialog', 'aria-labelledby': labelId },
    h('h2', { id: labelId }, title), body, actions);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  const closeBtn = (label = 'Close') => h('button', { class: 'btn btn-ghost', type: 'button', onclick: () => dlg.close() }, label);
  return { dlg, body, actions, closeBtn };
}

// ---- Auto-configure -----------------------------------------------------------

function pending(res) {
  return (res.slot && res.slot.action === 'would_write')
    || (res.triggers || []).some((t) => t.result === 'would_change');
}

function changeList(res) {
  const items = (res.changes || []).map((c) => h('li', {}, c));
  const problems = (res.triggers || []).filter((t) => t.result === 'error' || t.result === 'not_applicable')
    .map((t) => h('li', { class: t.result === 'error' ? 'note-err' : 'hint' },
      t.result === 'error' ? `${t.kind} (channel ${t.channel}): ${t.error}`
        : `${t.kind}: the camera has no trigger for it, nothing to tick`));
  return [items.length ? h('ul', { class: 'changes', 'aria-label': 'Changes' }, items) : null,
    problems.length ? h('ul', { class: 'changes' }, problems) : null].filter(Boolean);
}

function configureError(e) {
  const lines = [h('p', {}, badge('err', e.status === 409 ? 'Cannot configure' : 'Failed')),
    h('p', { class: 'note-err' }, e.message)];
  if (/no free HTTP host slot/i.test(e.message)) {
    lines.push(h('p', { class: 'hint' }, 'Every HTTP host slot of the camera sends to another system. hikgate never '
      + 'takes one: free a slot in the camera\'s own settings (Event › Alarm server) if it is no longer used, then try again.'));
  }
  return lines;
}

// The outcome of a run that outlasted the request: poll its status URL.
async function awaitRun(d, body) {
  for (let i = 0; i < CONFIGURE_POLL_MAX; i++) {
    body.replaceChildren(h('p', { class: 'hint' }, `Still working on the camera… (${i} s)`));
    await sleep(CONFIGURE_POLL_MS);
    const res = await get(`/devices/${d.id}/configure`);
    if (res && res.state !== 'running') return res;
  }
  throw new ApiError(504, { error: 'the camera is still being configured; check again later' });
}

async function applyConfigure(d, ui) {
  ui.actions.replaceChildren();
  ui.body.replaceChildren(h('p', { class: 'hint' }, 'Writing to the camera…'));
  try {
    let res = await post(`/devices/${d.id}/configure`);
    if (res && res.state === 'running') res = await awaitRun(d, ui.body);
    ui.body.replaceChildren(h('p', {}, badge('ok', 'Configured'),
      ' The camera now sends its events to hikgate.'), ...changeList(res));
  } catch (e) {
    ui.body.replaceChildren(...configureError(e));
  }
  ui.actions.replaceChildren(ui.closeBtn());
}

export async function autoConfigure(d) {
  const ui = openDialog(`Auto-configure "${d.name}"`, 'configure-title');
  ui.body.replaceChildren(h('p', { class: 'hint' }, 'Reading the camera\'s settings (nothing is written yet)…'));
  ui.actions.replaceChildren(ui.closeBtn('Cancel'));
  let res;
  try {
    res = await post(`/devices/${d.id}/configure?dry_run=true`);
  } catch (e) {
    ui.body.replaceChildren(...configureError(e));
    ui.actions.replaceChildren(ui.closeBtn());
    return;
  }
  if (!pending(res)) {
    ui.body.replaceChildren(h('p', {}, badge('ok', 'Nothing to change'),
      ' The camera already sends these events to hikgate.'), ...changeList(res));
    ui.actions.replaceChildren(ui.closeBtn());
    return;
  }
  ui.body.replaceChildren(h('p', {}, 'hikgate will make these changes on the camera:'), ...changeList(res),
    h('p', { class: 'hint' }, 'Slots that send to other systems are never touched.'));
  const apply = h('button', { class: 'btn', type: 'button', onclick: () => applyConfigure(d, ui) }, 'Apply changes');
  ui.actions.replaceChildren(apply, ui.closeBtn('Cancel'));
  apply.focus();
}

// ---- Snapshot -------------------------------------------------------------------

async function fetchSnapshot(d, channel) {
  let resp;
  try {
    resp = await fetch(`/api/v1/devices/${d.id}/snapshot?channel=${channel}`,
      { headers: { 'X-Requested-With': 'hikgate-ui' }, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { error: 'hikgate cannot be reached: check the connection' });
  }
  if (resp.ok) return resp.blob();
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  throw new ApiError(resp.status, data);
}

export function snapshot(d) {
  const ui = openDialog(`Snapshot of "${d.name}"`, 'snapshot-title');
  const channel = h('input', { type: 'number', id: 'snapshot-channel', min: 1, max: 512, value: '1' });
  const img = h('img', { class: 'snapshot', alt: `Snapshot of ${d.name}`, hidden: true });
  const status = h('p', { class: 'hint', role: 'status' });
  let url = '';
  async function load() {
    status.textContent = 'Fetching the picture…';
    status.className = 'hint';
    try {
      const blob = await fetchSnapshot(d, Number(channel.value) || 1);
      if (url) URL.revokeObjectURL(url);
      url = URL.createObjectURL(blob);
      img.src = url;
      img.hidden = false;
      status.textContent = `Channel ${channel.value}, ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      img.hidden = true;
      status.textContent = e.message;
      status.className = 'note-err';
    }
  }
  ui.dlg.addEventListener('close', () => { if (url) URL.revokeObjectURL(url); });
  ui.body.replaceChildren(img, status,
    h('div', { class: 'snapshot-controls' }, h('label', { for: 'snapshot-channel' }, 'Channel'), channel));
  ui.actions.replaceChildren(h('button', { class: 'btn', type: 'button', onclick: load }, 'Refresh'), ui.closeBtn());
  load();
}
