// scenarios.js: a trigger linked to an ordered list of actions, with an
// enabled switch, a cooldown and the last time it fired.
import { get, post, put, del } from '../api.js';
import { h, field, select, pageHead, meta, toast, ago } from '../dom.js';
import { checkName, formShell, saving, NAME_MAX } from '../forms.js';
import { go } from '../app.js';

const nameOf = (list, id) => (list.find((x) => x.id === id) || { name: `#${id}` }).name;

async function listView(main) {
  const [scenarios, triggers, actions] = await Promise.all([get('/scenarios'), get('/triggers'), get('/actions')]);
  const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
  async function remove(s) {
    if (!confirm(`Delete scenario "${s.name}"?`)) return;
    try { await del(`/scenarios/${s.id}`); toast(`Scenario "${s.name}" deleted`); go('#/scenarios'); } catch (e) { err.textContent = e.message; err.hidden = false; }
  }
  const items = scenarios.map((s) => {
    const sw = h('input', { type: 'checkbox', role: 'switch', 'aria-label': `Enable ${s.name}` });
    sw.checked = s.enabled;
    sw.addEventListener('change', async () => {
      try {
        await put(`/scenarios/${s.id}`, { enabled: sw.checked });
        toast(`"${s.name}" ${sw.checked ? 'enabled' : 'disabled'}`);
      } catch (e) { sw.checked = !sw.checked; toast(e.message, true); }
    });
    return h('li', { class: 'item', dataset: { id: s.id } },
      h('div', { class: 'item-head' }, h('span', { class: 'item-title' }, s.name),
        h('label', { class: 'switch' }, sw, h('span', {}, 'Enabled'))),
      meta([['When', nameOf(triggers, s.trigger)],
        ['Then', s.actions.map((a, i) => `${i + 1}. ${nameOf(actions, a)}`).join('  ')],
        ['Cooldown', `${s.cooldown_s} s`], ['Last fired', ago(s.last_fired_ms)]]),
      h('div', { class: 'item-actions' },
        h('a', { class: 'btn btn-ghost btn-small', href: `#/scenarios/${s.id}` }, 'Edit'),
        h('button', { class: 'btn btn-danger btn-small', type: 'button', onclick: () => remove(s) }, 'Delete')));
  });
  main.append(pageHead('Scenarios', 'When a trigger matches an event, its scenario runs its actions in order.',
    h('a', { class: 'btn', href: '#/scenarios/new' }, '+ New scenario')), err,
  h('ul', { class: 'items', 'aria-label': 'Scenarios' }, items.length ? items : h('li', { class: 'empty' }, 'No scenario yet.')));
}

// The ordered action list: add from a select, move up/down, remove.
function orderedActions(actions, initial) {
  let chosen = [...initial];
  const errEl = h('span', { class: 'field-error', 'aria-live': 'polite' });
  const listEl = h('ol', { class: 'order', 'aria-label': 'Actions, in order' });
  const pick = select([{ value: '', label: 'Choose an action…' }, ...actions.map((a) => ({ value: a.id, label: a.name }))], '');
  pick.id = 'scenario-action-pick';
  const add = h('button', { class: 'btn btn-ghost', type: 'button' }, 'Add');
  function move(i, d) {
    const j = i + d;
    if (j < 0 || j >= chosen.length) return;
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
    render();
  }
  function render() {
    listEl.replaceChildren(...chosen.map((id, i) => h('li', {},
      h('span', {}, `${i + 1}. ${nameOf(actions, id)}`),
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', 'aria-label': `Move ${nameOf(actions, id)} up`, disabled: i === 0, onclick: () => move(i, -1) }, '↑'),
      h('button', { class: 'btn btn-ghost btn-small', type: 'button', 'aria-label': `Move ${nameOf(actions, id)} down`, disabled: i === chosen.length - 1, onclick: () => move(i, 1) }, '↓'),
      h('button', { class: 'btn btn-danger btn-small', type: 'button', 'aria-label': `Remove ${nameOf(actions, id)}`, onclick: () => { chosen.splice(i, 1); render(); } }, '✕'))));
    listEl.hidden = !chosen.length;
  }
  add.addEventListener('click', () => {
    const id = Number(pick.value);
    if (id && !chosen.includes(id)) { chosen.push(id); errEl.textContent = ''; render(); }
    pick.value = '';
  });
  render();
  const wrap = h('fieldset', { class: 'field span2' }, h('legend', {}, 'Actions', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
    listEl, h('div', { class: 'order-add' }, h('label', { for: pick.id, class: 'sr-only' }, 'Action to add'), pick, add),
    h('div', { class: 'field-foot' }, errEl));
  return { wrap, input: pick, values: () => chosen, error: (msg) => { errEl.textContent = msg || ''; } };
}

async function formView(main, id) {
  const [s, triggers, actions] = await Promise.all([id ? get(`/scenarios/${id}`) : null, get('/triggers'), get('/actions')]);
  const f = {
    name: field({ label: 'Name', name: 'name', value: s && s.name, required: true, max: NAME_MAX, placeholder: 'Name of the scenario', span: true }),
    trigger: field({ label: 'Trigger', name: 'trigger', required: true,
      input: select([{ value: '', label: 'Choose a trigger…' }, ...triggers.map((t) => ({ value: t.id, label: t.name }))], s ? s.trigger : '') }),
    cooldown_s: field({ label: 'Cooldown (seconds)', name: 'cooldown_s', type: 'number', value: s ? s.cooldown_s : 0, hint: 'After firing, ignore the trigger this long' }),
    actions: orderedActions(actions, s ? s.actions : []),
  };
  f.cooldown_s.input.min = 0;
  const enabled = h('input', { type: 'checkbox', role: 'switch', name: 'enabled' });
  enabled.checked = s ? s.enabled : true;
  const enabledWrap = h('label', { class: 'switch span2' }, enabled, h('span', {}, 'Enabled'));
  async function submit(formError) {
    let ok = checkName(f.name);
    if (!f.trigger.input.value) { f.trigger.error('Choose a trigger'); ok = false; }
    if (!f.actions.values().length) { f.actions.error('Add at least one action'); ok = false; }
    const cooldown = Number(f.cooldown_s.input.value || 0);
    if (!Number.isInteger(cooldown) || cooldown < 0 || cooldown > 86400) { f.cooldown_s.error('Cooldown must be from 0 to 86400 s'); ok = false; }
    if (!ok) return;
    const body = { name: f.name.input.value, trigger: Number(f.trigger.input.value), actions: f.actions.values(), enabled: enabled.checked, cooldown_s: cooldown };
    const saved = await saving(() => (s ? put(`/scenarios/${s.id}`, body) : post('/scenarios', body)), f, formError);
    if (saved) { toast(`Scenario "${saved.name}" saved`); go('#/scenarios'); }
  }
  const { form } = formShell(s ? `Edit "${s.name}"` : 'Scenario creation', submit,
    [f.name.wrap, f.trigger.wrap, f.cooldown_s.wrap, f.actions.wrap, enabledWrap], { cancelHash: '#/scenarios' });
  main.append(pageHead(s ? 'Edit scenario' : 'New scenario', s ? `Last fired ${ago(s.last_fired_ms)}` : null), form);
  f.name.input.focus();
}

export function scenariosPage(main, arg) {
  return arg ? formView(main, arg === 'new' ? null : arg) : listView(main);
}
