// login.js: the login form. A refused address (429) is told how long to
// wait, and the button stays disabled until then.
import { api } from '../api.js';
import { h, field } from '../dom.js';

export function loginPage(main, { onLogin }) {
  const user = field({ label: 'Username', name: 'username', value: 'admin', autocomplete: 'username', required: true });
  const pass = field({ label: 'Password', name: 'password', input: h('input', { type: 'password' }), autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const btn = h('button', { class: 'btn', type: 'submit' }, 'Log in');
  let timer = 0;

  async function submit(ev) {
    ev.preventDefault();
    msg.hidden = true;
    if (!user.input.value) { user.error('Enter your username'); user.input.focus(); return; }
    if (!pass.input.value) { pass.error('Enter your password'); pass.input.focus(); return; }
    btn.disabled = true;
    btn.textContent = 'Logging in…';
    try {
      const s = await api('POST', '/session', { username: user.input.value, password: pass.input.value });
      onLogin(s);
    } catch (e) {
      btn.textContent = 'Log in';
      btn.disabled = false;
      if (e.status === 429) {
        let left = Number(e.retryAfter) || 60;
        btn.disabled = true;
        const tick = () => {
          msg.textContent = `Too many failed logins from this address. Try again in ${left} s.`;
          if (left-- <= 0) { clearInterval(timer); msg.hidden = true; btn.disabled = false; }
        };
        tick();
        timer = setInterval(tick, 1000);
      } else if (e.status === 401) {
        msg.textContent = 'Wrong username or password.';
        pass.input.value = '';
        pass.input.focus();
      } else {
        msg.textContent = e.message;
      }
      msg.hidden = false;
    }
  }

  const form = h('form', { class: 'card login', onsubmit: submit, novalidate: true, 'aria-labelledby': 'login-title' },
    h('div', { class: 'brand' }, 'hikgate'),
    h('h1', { id: 'login-title' }, 'Log in'),
    h('p', { class: 'hint' }, 'Gateway for Hikvision cameras and NVRs.'),
    h('div', { class: 'form-grid' }, user.wrap, pass.wrap),
    msg, btn);
  main.append(h('div', { class: 'login-wrap' }, form));
  (user.input.value ? pass.input : user.input).focus();
  return () => clearInterval(timer);
}
