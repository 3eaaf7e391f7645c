// ui.test.js: the web UI end to end, as an installer uses it: log in,
// declare a camera (a running hiksim), create an action, a trigger with
// ANPR conditions and a scenario through the forms, fire an event from the
// camera and watch it arrive in the live log with its picture while the
// camera's privacy mask turns on. The device checks: test connection,
// a snapshot, and auto-configure, whose dry run is shown before anything
// is written to the camera. Also: validation messages, a refused
// login, the API refusing requests without session or CSRF token, the
// static files' headers, and changing the password on the Account page.
// Screenshots of every page go to $HIKGATE_BIN_DIR/screenshots/ (and to
// docs/screenshots/ when HIKGATE_UPDATE_SCREENSHOTS=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Gateway, Hiksim, pointCameraAt, launchBrowser, screenshotDir, waitFor, ADMIN_PASSWORD, SOURCE_DIR } from './harness.js';

const CAM_PASSWORD = 'Cam-pass-123';
const TIMEOUT = 15000;
let gw, cam, yard, busy, ctx, page;

// A field by its label's text; a required field's label ends with '*'.
const lbl = (text) => page.getByLabel(new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\*?$`));
const shots = [];

async function shoot(name, { phone = false } = {}) {
  await page.evaluate(() => document.getElementById('toast').classList.remove('show'));
  const file = path.join(screenshotDir(), `${name}.png`);
  if (phone) {
    const p = await ctx.newPage();
    await p.setViewportSize({ width: 360, height: 740 });
    await p.goto(page.url());
    await p.waitForLoadState('networkidle');
    await p.waitForTimeout(300);
    await p.screenshot({ path: file, fullPage: true });
    await p.close();
  } else {
    await page.waitForTimeout(250);
    await page.screenshot({ path: file, fullPage: true });
  }
  shots.push(file);
}

before(async () => {
  gw = await Gateway.start();
  cam = await Hiksim.start('127.0.0.2', CAM_PASSWORD);
  await pointCameraAt(cam, gw);
  ctx = await launchBrowser({ viewport: { width: 1280, height: 860 } });
  ctx.setDefaultTimeout(TIMEOUT);
  page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  if (ctx) await ctx.close();
  if (process.env.HIKGATE_UPDATE_SCREENSHOTS === '1') {
    const dir = path.join(SOURCE_DIR, 'docs', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    for (const f of shots) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  }
  if (cam) await cam.stop();
  if (yard) await yard.stop();
  if (busy) await busy.stop();
  if (gw) assert.equal(await gw.stop(), 0, 'hikgated exits cleanly with streams open');
});

test('static files carry strict headers and path traversal is refused', async () => {
  const r = await fetch(`${gw.url}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  assert.ok(r.headers.get('cache-control'));
  const js = await fetch(`${gw.url}/js/app.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const css = await fetch(`${gw.url}/app.css`);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  for (const bad of ['/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/js/..%2f..%2fCMakeLists.txt', '/.gitignore', '/nope.html']) {
    const b = await fetch(`${gw.url}${bad}`);
    assert.equal(b.status, 404, `${bad} is refused`);
    await b.text();
  }
});

test('the API behind the UI refuses requests without a session or CSRF token', async () => {
  const none = await fetch(`${gw.url}/api/v1/devices`);
  assert.equal(none.status, 401);
  const stream = await fetch(`${gw.url}/api/v1/events/stream`);
  assert.equal(stream.status, 401, 'the event stream needs authentication too');
  const login = await fetch(`${gw.url}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const { csrf_token: csrf } = await login.json();
  const cookie = login.headers.get('set-cookie').split(';')[0];
  const body = JSON.stringify({ name: 'No token', address: '127.0.0.9', password: 'x' });
  const noCsrf = await fetch(`${gw.url}/api/v1/devices`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body });
  assert.equal(noCsrf.status, 403);
  const wrongCsrf = await fetch(`${gw.url}/api/v1/devices`, { method: 'POST', headers: { Cookie: cookie, 'X-CSRF-Token': '0'.repeat(64), 'Content-Type': 'application/json' }, body });
  assert.equal(wrongCsrf.status, 403);
  const list = await fetch(`${gw.url}/api/v1/devices`, { headers: { Cookie: cookie } });
  assert.equal(list.status, 200);
  assert.deepEqual(await list.json(), [], 'nothing was created without the token');
  await fetch(`${gw.url}/api/v1/session`, { method: 'DELETE', headers: { Cookie: cookie, 'X-CSRF-Token': csrf } });
});

test('a wrong login is refused, the right one gets in', async () => {
  await page.goto(gw.url + '/');
  await lbl('Username').fill('admin');
  await lbl('Password').fill('not the password');
  await shoot('login');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('Wrong username or password.').waitFor();
  await lbl('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  assert.ok((await ctx.cookies()).some((c) => c.name === 'hikgate_session'));
});

test('the device form shows validation errors next to their fields', async () => {
  await page.getByRole('link', { name: '+ Declare a device' }).click();
  const name = lbl('Name');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Name is required').waitFor();
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  await page.getByText('IP address is required').waitFor();
  await name.fill('x'.repeat(65));
  await page.getByText('65 / 64').waitFor();
  await lbl('IP address').fill('999.1.2.3');
  await lbl('Password').fill(CAM_PASSWORD);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Name must be at most 64 characters').waitFor();
  await page.getByText('Enter a valid IPv4 or IPv6 address').waitFor();
  await shoot('device-form-errors');
  const { body } = await gw.api('GET', '/devices');
  assert.deepEqual(body, [], 'an invalid form creates nothing');
});

test('declaring the camera shows its live status and identity', async () => {
  await lbl('Name').fill('Gate camera');
  await page.getByText('11 / 64').waitFor();
  await lbl('IP address').fill('127.0.0.2');
  await lbl('Port').fill(String(cam.port));
  await lbl('Username').fill('admin');
  await lbl('Password').fill(CAM_PASSWORD);
  await shoot('device-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  const item = page.locator('.item', { hasText: 'Gate camera' });
  await item.waitFor();
  // The identity probe fills model and serial; the list refreshes by itself.
  await item.locator('.badge.ok', { hasText: 'online' }).waitFor({ timeout: 20000 });
  await item.getByText('Serial').waitFor();
  await shoot('devices');
  await shoot('devices-phone', { phone: true });
  // The API validates too: a duplicate name comes back next to the field.
  await page.getByRole('link', { name: '+ Declare a device' }).click();
  await lbl('Name').fill('Gate camera');
  await lbl('IP address').fill('127.0.0.3');
  await lbl('Password').fill('whatever');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.field-error', { hasText: /taken|exists|already/i }).waitFor();
  await page.getByRole('link', { name: 'Cancel' }).click();
});

test('device checks: test connection, snapshot, and auto-configure after a dry run', async () => {
  const item = page.locator('.item', { hasText: 'Gate camera' });
  const before = await cam.state();
  await item.getByRole('button', { name: 'Test connection' }).click();
  const result = item.locator('.tool-result');
  await result.getByText('Connection OK').waitFor();
  await result.getByText(before.identity.serial).waitFor();
  const after = await cam.state();
  assert.ok(after.requests['/ISAPI/System/deviceInfo'] > before.requests['/ISAPI/System/deviceInfo'],
    'the test asked the camera itself');
  await shoot('device-test');

  await item.getByRole('button', { name: 'Snapshot' }).click();
  const dlg = page.locator('dialog.tool-dialog[open]');
  const img = dlg.locator('img.snapshot');
  await img.waitFor();
  await waitFor(() => img.evaluate((el) => el.complete && el.naturalWidth === 8), 'snapshot decoded');
  assert.ok((await cam.state()).requests['/ISAPI/Streaming/channels/101/picture'] >= 1, 'the camera served the picture');
  await shoot('device-snapshot');
  await dlg.getByRole('button', { name: 'Close' }).click();
  await dlg.waitFor({ state: 'detached' });

  // A second camera whose HTTP host slots are all free.
  yard = await Hiksim.start('127.0.0.4', CAM_PASSWORD);
  const created = await gw.api('POST', '/devices', { name: 'Yard camera', address: '127.0.0.4', port: yard.port, username: 'admin', password: CAM_PASSWORD });
  assert.equal(created.status, 201);
  const yardItem = page.locator('.item', { hasText: 'Yard camera' });
  await yardItem.locator('.badge.ok', { hasText: 'online' }).waitFor({ timeout: 20000 });
  const hostsBefore = (await yard.state()).http_hosts;
  await yardItem.getByRole('button', { name: 'Auto-configure' }).click();
  const cfg = page.locator('dialog.tool-dialog[open]');
  await cfg.getByText(/would write HTTP host slot 1/).waitFor();
  await cfg.getByText(`${gw.ingestHost}:${gw.ingestPort}/hik`, { exact: false }).first().waitFor();
  assert.deepEqual((await yard.state()).http_hosts, hostsBefore, 'the dry run wrote nothing to the camera');
  await shoot('device-configure');
  await cfg.getByRole('button', { name: 'Apply changes' }).click();
  await cfg.getByText('Configured').waitFor({ timeout: 25000 });
  await cfg.getByText(/slot 1 now sends to/).waitFor();
  const slot = (await yard.state()).http_hosts.find((x) => x.id === 1);
  assert.equal(slot.ip_address, gw.ingestHost);
  assert.equal(slot.port, gw.ingestPort);
  await cfg.getByRole('button', { name: 'Close' }).click();
  // Once configured, the same button has nothing left to do.
  await yardItem.getByRole('button', { name: 'Auto-configure' }).click();
  await cfg.getByText('Nothing to change').waitFor();
  await cfg.getByRole('button', { name: 'Close' }).click();
});

test('auto-configure never takes a slot another system uses, and says who holds them', async () => {
  busy = await Hiksim.start('127.0.0.5', CAM_PASSWORD);
  for (const slot of [1, 2, 3]) await pointCameraAt(busy, { ingestHost: '192.0.2.20', ingestPort: 4000 + slot }, slot);
  const hostsBefore = (await busy.state()).http_hosts;
  const created = await gw.api('POST', '/devices', { name: 'Busy camera', address: '127.0.0.5', port: busy.port, username: 'admin', password: CAM_PASSWORD });
  assert.equal(created.status, 201);
  const item = page.locator('.item', { hasText: 'Busy camera' });
  await item.locator('.badge.ok', { hasText: 'online' }).waitFor({ timeout: 20000 });
  await item.getByRole('button', { name: 'Auto-configure' }).click();
  const cfg = page.locator('dialog.tool-dialog[open]');
  await cfg.getByText('Cannot configure').waitFor();
  await cfg.getByText(/192\.0\.2\.20:4001/).waitFor();
  await cfg.getByText(/free a slot in the camera/).waitFor();
  assert.equal(await cfg.getByRole('button', { name: 'Apply changes' }).count(), 0, 'nothing to apply');
  await cfg.getByRole('button', { name: 'Close' }).click();
  assert.deepEqual((await busy.state()).http_hosts, hostsBefore, 'no slot was touched');
  assert.equal((await gw.api('DELETE', `/devices/${created.body.id}`)).status, 204);
});

test('actions: create two and run one now', async () => {
  for (const [name, action] of [['Mask off', 'Disable privacy mask'], ['Mask on', 'Enable privacy mask']]) {
    await page.getByRole('link', { name: 'Actions' }).click();
    await page.getByRole('link', { name: '+ New action' }).click();
    await lbl('Name').fill(name);
    await lbl('Gate camera').check();
    await lbl('Action').selectOption({ label: action });
    if (name === 'Mask on') await shoot('action-form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.item', { hasText: name }).waitFor();
  }
  const off = page.locator('.item', { hasText: 'Mask off' });
  await off.getByRole('button', { name: 'Run now' }).click();
  await off.locator('.run-result .badge.ok').waitFor({ timeout: 20000 });
  await shoot('actions');
  const st = await cam.state();
  assert.equal(st.privacy_mask[0].enabled, false);
});

test('triggers: the event decides which condition fields appear', async () => {
  await page.getByRole('link', { name: 'Triggers' }).click();
  await page.getByRole('link', { name: '+ New trigger' }).click();
  await lbl('Name').fill('Allowed plate in');
  await lbl('Gate camera').check();
  const event = lbl('Event');
  await event.selectOption('face_recognition');
  const slider = lbl('Minimum recognition rate:');
  await slider.waitFor();
  assert.equal(await slider.inputValue(), '70');
  await page.getByText('60-90 % recommended').waitFor();
  await lbl("Person's name").fill('Valentin');
  await shoot('trigger-form-face');
  await event.selectOption('motion');
  assert.equal(await lbl('Plate number').count(), 0);
  assert.equal(await slider.count(), 0, 'no face fields for motion');
  await event.selectOption('intrusion');
  await lbl('Region number').waitFor();
  await lbl('Target type').waitFor();
  await event.selectOption('anpr');
  await lbl('Plate number').fill('AB-123-CD');
  await lbl('List').selectOption('allow');
  await lbl('Direction').selectOption('incoming');
  await shoot('trigger-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.item', { hasText: 'Allowed plate in' }).waitFor();
  await shoot('triggers');
  const { body } = await gw.api('GET', '/triggers');
  assert.deepEqual(body[0].conditions, { plate: 'AB-123-CD', list: 'allow', direction: 'incoming' });
});

test('scenarios: link the trigger to the action', async () => {
  await page.getByRole('link', { name: 'Scenarios' }).click();
  await page.getByRole('link', { name: '+ New scenario' }).click();
  await lbl('Name').fill('Plate masks the gate');
  await lbl('Trigger').selectOption({ label: 'Allowed plate in' });
  await lbl('Action to add').selectOption({ label: 'Mask on' });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByText('1. Mask on').waitFor();
  await shoot('scenario-form');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('.item', { hasText: 'Plate masks the gate' }).waitFor();
  await page.getByText('Last fired').waitFor();
  await shoot('scenarios');
});

test('an event from the camera appears live with its picture and fires the scenario', async () => {
  await page.getByRole('link', { name: 'Events' }).click();
  await page.locator('.live.on').waitFor();
  const answer = await cam.fire({ kind: 'anpr', plate: 'AB123CD', list: 'allow', direction: 'incoming', pictures: true });
  assert.ok(JSON.stringify(answer).includes('200'), `the gateway took the event: ${JSON.stringify(answer)}`);
  const row = page.locator('.event[data-kind="anpr"]').first();
  await row.waitFor();
  await row.getByText('AB123CD').first().waitFor();
  const img = row.locator('.thumb img').first();
  await img.waitFor();
  await waitFor(() => img.evaluate((el) => el.complete && el.naturalWidth > 0), 'picture loaded');
  await row.locator('.runs .badge.ok').waitFor({ timeout: 20000 });
  await row.getByText('Plate masks the gate').waitFor();
  await waitFor(async () => {
    const st = await cam.state();
    return st.privacy_mask[0].enabled;
  }, 'privacy mask on', 20000);
  await shoot('events');
  await shoot('events-phone', { phone: true });
  // Full-size picture and raw payload on demand.
  await row.locator('.thumb').first().click();
  await page.locator('#viewer[open]').waitFor();
  await page.getByRole('button', { name: 'Close' }).click();
  await row.getByRole('button', { name: 'Raw payload' }).click();
  await row.locator('pre.raw').waitFor();
  assert.match(await row.locator('pre.raw').textContent(), /ANPR|licensePlate/i);
});

test('log out ends the session', async () => {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  const r = await page.evaluate(async () => (await fetch('/api/v1/devices', { headers: { 'X-Requested-With': 'test' } })).status);
  assert.equal(r, 401);
});

test('account: the password is changed through the page; the old one is then refused', async () => {
  const NEW_PASSWORD = 'Brand-new-pw-42';
  const logIn = async (password) => {
    await lbl('Username').fill('admin');
    await lbl('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };
  await logIn(ADMIN_PASSWORD);
  await page.getByRole('heading', { name: 'Devices' }).waitFor();
  await page.getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Change password' }).waitFor();
  assert.equal(await page.getByText('This password was generated at first start').isVisible(), false);
  await page.getByText('At least 8 characters, at most 256 bytes.').waitFor();

  // Checks in the page, each next to its field.
  await lbl('New password').fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Enter your current password').waitFor();
  await page.getByText('At least 8 characters (now 5)').waitFor();
  await lbl('Current password').fill(ADMIN_PASSWORD);
  await lbl('New password').fill(NEW_PASSWORD);
  await lbl('Repeat new password').fill(NEW_PASSWORD + 'x');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The two new passwords differ').waitFor();
  // The API's verdict on a wrong current password, next to that field.
  await lbl('Current password').fill('not the password');
  await lbl('Repeat new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('current_password is wrong').waitFor();
  assert.equal(await lbl('Current password').getAttribute('aria-invalid'), 'true');
  await shoot('account');

  await lbl('Current password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Password changed').waitFor();
  assert.equal(await lbl('Current password').inputValue(), '');
  assert.equal(await lbl('Current password').getAttribute('aria-invalid'), null);

  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await logIn(ADMIN_PASSWORD);
  await page.getByText('Wrong username or password.').waitFor();
  await logIn(NEW_PASSWORD);
  await page.getByRole('heading', { name: 'Devices' }).waitFor();

  // Back to the harness's password, which its API checks use.
  await page.getByRole('link', { name: 'Account' }).click();
  await lbl('Current password').fill(NEW_PASSWORD);
  await lbl('New password').fill(ADMIN_PASSWORD);
  await lbl('Repeat new password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForFunction(() => document.querySelector('input[name=current_password]').value === '');
  const back = await gw.api('GET', '/session');
  assert.equal(back.status, 200);
  assert.equal(back.body.must_change_password, false);
});

test('a password generated at first start leads straight to the Account page', async () => {
  // An empty --admin-password makes hikgated generate and print one.
  const fresh = await Gateway.start(['--admin-password', '']);
  try {
    const generated = fresh.logs().match(/password: (\S+)/)[1];
    await page.goto(fresh.url + '/#/devices');
    await lbl('Username').fill('admin');
    await lbl('Password').fill(generated);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('This password was generated at first start; choose your own.').waitFor();
    assert.match(page.url(), /#\/account$/);
    // Every other page leads back here until the password is changed.
    await page.getByRole('link', { name: 'Events' }).click();
    await page.waitForURL(/#\/account$/);
    await page.getByRole('heading', { name: 'Change password' }).waitFor();
    await lbl('Current password').fill(generated);
    await lbl('New password').fill('Chosen-by-me-77');
    await lbl('Repeat new password').fill('Chosen-by-me-77');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForFunction(() => document.querySelector('input[name=current_password]').value === '');
    assert.equal(await page.getByText('This password was generated at first start').isVisible(), false);
    await page.getByRole('link', { name: 'Events' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
  } finally {
    assert.equal(await fresh.stop(), 0);
  }
});
