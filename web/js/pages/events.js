// events.js: the event log, live. The newest page comes from
// GET /api/v1/events; newer events then arrive over Server-Sent Events
// (resuming from the newest id shown, so none is lost in between). Each
// row shows its parsed fields and pictures; details add the raw payload
// and the action runs the event fired.
import { get } from '../api.js';
import { h, field, select, pageHead, fmtTime } from '../dom.js';
import { deviceLabel } from '../forms.js';
import { kindLabel } from './triggers.js';
import { runBadge, runText } from './actions.js';

const PAGE = 50;
const MAX_ROWS = 200;
const RUNS_POLL_MS = 1000;
const RUNS_POLL_MAX = 30;
const HIDDEN_FIELDS = new Set(['kind', 'type', 'format', 'state', 'channel', 'time_ms', 'heartbeat',
  'active_post_count', 'port', 'protocol', 'uuid', 'description', 'date_time']);

// The parsed fields as chips; a nested object (anpr, face...) is spread
// into its own fields, the device's raw spellings (*_raw) left out.
function flatFields(fields) {
  const out = [];
  for (const [k, v] of Object.entries(fields || {})) {
    if (HIDDEN_FIELDS.has(k) || k.endsWith('_raw') || v === null || v === '' || v === false) continue;
    if (typeof v === 'object' && !Array.isArray(v)) out.push(...flatFields(v));
    else out.push([k, Array.isArray(v) ? JSON.stringify(v) : String(v)]);
  }
  return out;
}

function fieldChips(fields) {
  const items = flatFields(fields).map(([k, v]) => h('li', {}, h('b', {}, k.replace(/_/g, ' ')), v));
  return items.length ? h('ul', { class: 'fields', 'aria-label': 'Event fields' }, items) : null;
}

function openPicture(p) {
  const dlg = document.getElementById('viewer');
  const img = document.getElementById('viewer-img');
  img.src = p.url;
  img.alt = p.name || 'picture';
  dlg.showModal();
}

function thumbs(ev) {
  if (!ev.pictures || !ev.pictures.length) return null;
  return h('div', { class: 'thumbs' }, ev.pictures.map((p) => h('button', {
    class: 'thumb', type: 'button', 'aria-label': `Open ${p.name || 'picture'} full size`, onclick: () => openPicture(p),
  }, h('img', { src: p.url, alt: p.name || `picture ${p.n}`, loading: 'lazy' }))));
}

function runsList(runs, ctx) {
  if (!runs.length) return h('p', { class: 'hint' }, 'No scenario fired.');
  return h('ul', { class: 'runs', 'aria-label': 'Action runs' }, runs.map((r) => h('li', {},
    runBadge(r),
    h('span', {}, `${ctx.scenarioName(r.scenario_id)} → ${ctx.actionName(r.action_id)} on ${deviceLabel(ctx.devices, r.device_id)}: ${runText(r)}`))));
}

function eventRow(ev, ctx, fresh) {
  const runsBox = h('div', { class: 'runs-box', 'aria-live': 'polite' });
  const rawBox = h('div', {});
  const detailsBtn = h('button', { class: 'btn btn-ghost btn-small', type: 'button', 'aria-expanded': 'false' }, 'Raw payload');
  async function loadRuns(poll) {
    for (let n = 0; n < (poll ? RUNS_POLL_MAX : 1); n++) {
      let full;
      try { full = await get(`/events/${ev.id}`); } catch (e) { return null; }
      if (full.runs.length) runsBox.replaceChildren(h('h3', { class: 'sr-only' }, 'Runs'), runsList(full.runs, ctx));
      if (!poll || !full.runs.length || full.runs.every((r) => r.status === 'ok' || r.status === 'error')) return full;
      if (ctx.closed()) return full;
      await new Promise((res) => setTimeout(res, RUNS_POLL_MS));
    }
    return null;
  }
  detailsBtn.addEventListener('click', async () => {
    if (detailsBtn.getAttribute('aria-expanded') === 'true') {
      rawBox.replaceChildren();
      detailsBtn.setAttribute('aria-expanded', 'false');
      return;
    }
    const full = await loadRuns(false);
    if (!full) return;
    if (!full.runs.length) runsBox.replaceChildren(runsList([], ctx));
    rawBox.replaceChildren(h('pre', { class: 'raw', tabindex: '0', 'aria-label': 'Raw payload' },
      full.raw === null ? '(no payload kept)' : full.raw_encoding === 'base64' ? `base64: ${full.raw}` : full.raw));
    detailsBtn.setAttribute('aria-expanded', 'true');
  });
  const device = ev.device_id ? deviceLabel(ctx.devices, ev.device_id) : `unattributed (${ev.source_addr})`;
  const row = h('li', { class: 'item event' + (fresh ? ' fresh' : ''), dataset: { id: ev.id, kind: ev.kind } },
    h('div', { class: 'item-head' },
      h('span', { class: 'item-title' }, kindLabel(ctx.meta, ev.kind)),
      h('span', { class: `badge ${ev.state === 'active' ? 'warn' : ''}` }, ev.state),
      h('time', { class: 'event-time', datetime: new Date(ev.received_ms).toISOString() }, fmtTime(ev.received_ms))),
    h('dl', { class: 'item-meta' },
      h('div', {}, h('dt', {}, 'Device'), h('dd', {}, device)),
      h('div', {}, h('dt', {}, 'Channel'), h('dd', {}, ev.channel)),
      h('div', {}, h('dt', {}, 'Id'), h('dd', {}, ev.id))),
    fieldChips(ev.fields), thumbs(ev), runsBox,
    h('div', { class: 'item-actions' }, detailsBtn), rawBox);
  if (fresh) loadRuns(true);
  return row;
}

export async function eventsPage(main, arg, state) {
  const m = state.meta;
  const [devices, scenarios, actions] = await Promise.all([get('/devices'), get('/scenarios'), get('/actions')]);
  let closed = false;
  const ctx = {
    meta: m, devices, closed: () => closed,
    scenarioName: (id) => (id ? (scenarios.find((s) => s.id === id) || { name: `scenario ${id}` }).name : 'by hand'),
    actionName: (id) => (actions.find((a) => a.id === id) || { name: `action ${id}` }).name,
  };
  const devSel = field({ label: 'Device', name: 'device',
    input: select([{ value: '', label: 'All devices' }, ...devices.map((d) => ({ value: d.id, label: d.name }))], '') });
  const kindSel = field({ label: 'Event', name: 'kind',
    input: select([{ value: '', label: 'All events' }, ...m.event_kinds.map((k) => ({ value: k.name, label: k.label })), { value: 'unknown', label: 'Unknown' }], '') });
  const live = h('span', { class: 'live', role: 'status' }, 'Connecting…');
  const list = h('ol', { class: 'items', reversed: true, 'aria-label': 'Events, newest first' });
  main.append(pageHead('Events', 'Everything the cameras sent, newest first.', live),
    h('div', { class: 'card filters' }, devSel.wrap, kindSel.wrap), list);

  let source = null;
  async function load() {
    if (source) { source.close(); source = null; }
    const q = new URLSearchParams();
    if (devSel.input.value) q.set('device', devSel.input.value);
    if (kindSel.input.value) q.set('kind', kindSel.input.value);
    let page;
    try { page = await get(`/events?${q}&limit=${PAGE}`); } catch (e) { live.textContent = e.message; return; }
    list.replaceChildren(...page.events.map((ev) => eventRow(ev, ctx, false)));
    if (!page.events.length) list.append(h('li', { class: 'empty', id: 'events-empty' }, 'No event yet. They appear here as soon as a camera sends one.'));
    if (closed) return;
    q.set('last_event_id', page.events.length ? page.events[0].id : 0);
    source = new EventSource(`/api/v1/events/stream?${q}`);
    source.addEventListener('open', () => { live.textContent = 'Live'; live.classList.add('on'); });
    source.addEventListener('error', () => { live.textContent = 'Reconnecting…'; live.classList.remove('on'); });
    source.addEventListener('event', (msg) => {
      const ev = JSON.parse(msg.data);
      if (list.querySelector(`[data-id="${ev.id}"]`)) return;
      const empty = list.querySelector('#events-empty');
      if (empty) empty.remove();
      list.prepend(eventRow(ev, ctx, true));
      while (list.children.length > MAX_ROWS) list.lastChild.remove();
    });
  }
  devSel.input.addEventListener('change', load);
  kindSel.input.addEventListener('change', load);
  await load();
  return () => { closed = true; if (source) source.close(); };
}
