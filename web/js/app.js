// app.js: start-up, session and hash routing of the single-page UI.
// Routes: #/login, #/devices[/new|/ID], #/actions[...], #/triggers[...],
// #/scenarios[...], #/events, #/account. While the password is the one
// generated at first start, every route leads to #/account.
import { api, get, setCsrf, setUnauthorizedHandler } from './api.js';
import { toast } from './dom.js';
import { loginPage } from './pages/login.js';
import { devicesPage } from './pages/devices.js';
import { actionsPage } from './pages/actions.js';
import { triggersPage } from './pages/triggers.js';
import { scenariosPage } from './pages/scenarios.js';
import { eventsPage } from './pages/events.js';
import { accountPage } from './pages/account.js';

const pages = {
  devices: devicesPage,
  actions: actionsPage,
  triggers: triggersPage,
  scenarios: scenariosPage,
  events: eventsPage,
  account: accountPage,
};

export const state = { user: null, meta: null, mustChange: false };
let cleanup = null;

function parseHash() {
  const parts = (location.hash || '').replace(/^#\/?/, '').split('/').filter(Boolean);
  return { page: parts[0] || 'devices', arg: parts[1] || null };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function ensureSession() {
  if (state.user) return true;
  try {
    const s = await get('/session');
    state.user = s.user;
    state.mustChange = !!s.must_change_password;
    setCsrf(s.csrf_token);
    return true;
  } catch (e) {
    return false;
  }
}

async function ensureMeta() {
  if (!state.meta) state.meta = await get('/meta');
  return state.meta;
}

async function route() {
  if (cleanup) { cleanup(); cleanup = null; }
  const main = document.getElementById('main');
  const { page, arg } = parseHash();
  const topbar = document.getElementById('topbar');
  if (page === 'login' || !(await ensureSession())) {
    topbar.hidden = true;
    main.replaceChildren();
    cleanup = loginPage(main, { onLogin: loggedIn });
    document.title = 'Log in · hikgate';
    return;
  }
  const render = pages[page];
  if (!render) { go('#/devices'); return; }
  if (state.mustChange && page !== 'account') { go('#/account'); return; }
  topbar.hidden = false;
  document.getElementById('who-name').textContent = state.user;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${page[0].toUpperCase()}${page.slice(1)} · hikgate`;
  main.replaceChildren();
  try {
    await ensureMeta();
    cleanup = (await render(main, arg, state)) || null;
  } catch (e) {
    toast(e.message, true);
  }
}

function loggedIn(session) {
  state.user = session.user;
  state.mustChange = !!session.must_change_password;
  setCsrf(session.csrf_token);
  const { page } = parseHash();
  if (state.mustChange) go('#/account');
  else go(page === 'login' ? '#/devices' : location.hash || '#/devices');
}

async function logout() {
  try { await api('DELETE', '/session'); } catch (e) { /* the session is gone either way */ }
  state.user = null;
  state.mustChange = false;
  setCsrf('');
  go('#/login');
}

setUnauthorizedHandler(() => {
  if (!state.user) return;
  state.user = null;
  toast('Your session ended: log in again', true);
  go('#/login');
});

document.getElementById('logout').addEventListener('click', logout);
window.addEventListener('hashchange', route);
route();
