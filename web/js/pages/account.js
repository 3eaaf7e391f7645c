// account.js: the logged-in user's own account, where the password is
// changed. The rules shown are the API's (PUT /users/{name}/password): at
// least 8 characters, at most 256 bytes. A password generated at first
// start lands here right after login, with a word on why.
import { api } from '../api.js';
import { h, field, chars, pageHead, showError, toast } from '../dom.js';

const PASSWORD_MIN = 8;
const PASSWORD_MAX_BYTES = 256;

function checkNew(f) {
  const v = f.input.value;
  if (chars(v) < PASSWORD_MIN) { f.error(`At least ${PASSWORD_MIN} characters (now ${chars(v)})`); return false; }
  if (new TextEncoder().encode(v).length > PASSWORD_MAX_BYTES) { f.error(`At most ${PASSWORD_MAX_BYTES} bytes`); return false; }
  return true;
}

export function accountPage(main, _arg, state, { onChanged } = {}) {
  const pw = (label, name, autocomplete, hint) => field({
    label, name, autocomplete, hint, required: true, input: h('input', { type: 'password' }),
  });
  const cur = pw('Current password', 'current_password', 'current-password');
  const next = pw('New password', 'new_password', 'new-password',
    `At least ${PASSWORD_MIN} characters, at most ${PASSWORD_MAX_BYTES} bytes.`);
  const again = pw('Repeat new password', 'repeat_password', 'new-password');
  const formError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const btn = h('button', { class: 'btn', type: 'submit' }, 'Change password');

  async function submit(ev) {
    ev.preventDefault();
    formError.hidden = true;
    let ok = true;
    if (!cur.input.value) { cur.error('Enter your current password'); ok = false; }
    if (!checkNew(next)) ok = false;
    else if (again.input.value !== next.input.value) { again.error('The two new passwords differ'); ok = false; }
    if (!ok) {
      const bad = [cur, next, again].find((f) => f.input.getAttribute('aria-invalid'));
      if (bad) bad.input.focus();
      return;
    }
    btn.disabled = true;
    try {
      await api('PUT', `/users/${encodeURIComponent(state.user)}/password`,
        { current_password: cur.input.value, new_password: next.input.value });
      for (const f of [cur, next, again]) f.input.value = '';
      state.mustChange = false;
      notice.hidden = true;
      toast('Password changed');
      if (onChanged) onChanged();
    } catch (e) {
      if (e.status === 429) { formError.textContent = e.message; formError.hidden = false; }
      else showError(e, { current_password: cur, new_password: next }, formError);
    } finally {
      btn.disabled = false;
    }
  }

  const notice = h('p', { class: 'notice', role: 'status', hidden: !state.mustChange },
    'This password was generated at first start; choose your own.');
  const form = h('form', { class: 'card', onsubmit: submit, novalidate: true, 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, 'Change password'),
    notice,
    h('div', { class: 'form-grid' }, cur.wrap, next.wrap, again.wrap),
    formError,
    h('div', { class: 'btn-row' }, btn));
  main.append(pageHead('Account', `Logged in as ${state.user}.`), form);
  cur.input.focus();
  return null;
}
