// harness.js: real hikgated and hiksim processes on loopback for the
// browser tests, and a headless Debian chromium driven by playwright-core.
// Every process started here is killed when the test process exits.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN_DIR = process.env.HIKGATE_BIN_DIR || path.join(here, '..', '..', 'build');
export const SOURCE_DIR = path.join(here, '..', '..');
export const ADMIN_PASSWORD = 'Adm1n-secret-pw';
export const CHROMIUM = process.env.HIKGATE_CHROMIUM || '/usr/bin/chromium';

const procs = [];
const tmpDirs = [];
process.on('exit', () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await sleep(50);
  }
  throw new Error(`${what} did not happen in ${timeoutMs} ms${last ? `: ${last.message}` : ''}`);
}

export class Gateway {
  // extraArgs come last, so they override the defaults above them.
  static async start(extraArgs = []) {
    const g = new Gateway();
    g.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hikgate-ui-'));
    tmpDirs.push(g.dataDir);
    g.ingestHost = '127.0.0.1';
    g.ingestPort = await freePort();
    g.apiPort = await freePort();
    g.url = `http://127.0.0.1:${g.apiPort}`;
    g.log = fs.openSync(path.join(g.dataDir, 'hikgated.log'), 'a');
    g.proc = spawn(path.join(BIN_DIR, 'hikgated'), [
      '--data-dir', g.dataDir, '--ingest', `${g.ingestHost}:${g.ingestPort}`,
      '--api', `127.0.0.1:${g.apiPort}`, '--admin-password', ADMIN_PASSWORD,
      '--web-dir', path.join(SOURCE_DIR, 'web'), '--sync', 'normal', '--device-timeout', '3000',
      ...extraArgs,
    ], { stdio: ['ignore', g.log, g.log] });
    procs.push(g.proc);
    await waitFor(async () => {
      if (g.proc.exitCode !== null) throw new Error(`hikgated exited: ${g.logs()}`);
      return (await fetch(`${g.url}/api/v1/health`)).ok;
    }, 'hikgated start');
    return g;
  }

  logs() { return fs.readFileSync(path.join(this.dataDir, 'hikgated.log'), 'utf8'); }

  // The API with Basic authentication (for checks behind the UI's back).
  async api(method, p, body) {
    const headers = { Authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64') };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${this.url}/api/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }

  async stop() {
    if (this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      await waitFor(() => this.proc.exitCode !== null, 'hikgated exit', 15000);
    }
    return this.proc.exitCode;
  }
}

export class Hiksim {
  static async start(addr, password) {
    const s = new Hiksim();
    s.addr = addr;
    s.password = password;
    s.port = await freePort(addr);
    s.url = `http://${addr}:${s.port}`;
    s.output = '';
    s.proc = spawn(path.join(BIN_DIR, 'hiksim'), ['--listen', `${addr}:${s.port}`, '--user', 'admin', '--password', password],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(s.proc);
    s.proc.stderr.on('data', (d) => { s.output += d; });
    await waitFor(() => {
      if (s.proc.exitCode !== null) throw new Error(`hiksim exited: ${s.output}`);
      return s.output.includes('hiksim listening on');
    }, 'hiksim start');
    return s;
  }

  async state() { return (await fetch(`${this.url}/sim/state`)).json(); }

  async fire(event) {
    const r = await fetch(`${this.url}/sim/events`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) });
    const body = await r.json();
    if (r.status !== 200) throw new Error(`POST /sim/events: ${r.status} ${JSON.stringify(body)}`);
    return body;
  }

  async stop() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}

// What an installer does in the camera's own web UI: point its HTTP host
// (alarm server) at the gateway's ingest port. The simulator answers digest
// authentication, so this goes through a small digest client.
export async function pointCameraAt(sim, gw, slot = 1) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>'
    + '<HttpHostNotification version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">'
    + `<id>${slot}</id><url>/hik</url><protocolType>HTTP</protocolType>`
    + '<parameterFormatType>XML</parameterFormatType><addressingFormatType>ipaddress</addressingFormatType>'
    + `<ipAddress>${gw.ingestHost}</ipAddress><portNo>${gw.ingestPort}</portNo>`
    + '<userName></userName><httpAuthenticationMethod>none</httpAuthenticationMethod></HttpHostNotification>';
  const uri = `/ISAPI/Event/notification/httpHosts/${slot}`;
  const first = await fetch(sim.url + uri, { method: 'PUT', body });
  await first.text();
  if (first.status !== 401) throw new Error(`expected a digest challenge, got ${first.status}`);
  const auth = digestHeader(first.headers.get('WWW-Authenticate'), 'PUT', uri, 'admin', sim.password);
  const r = await fetch(sim.url + uri, { method: 'PUT', body, headers: { Authorization: auth } });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`configuring the camera's HTTP host failed: ${r.status} ${text}`);
}

function digestHeader(challenge, method, uri, user, password) {
  const params = {};
  for (const m of challenge.matchAll(/(\w+)="?([^",]*)"?/g)) params[m[1]] = m[2];
  return digestSync(params, method, uri, user, password);
}

function digestSync(p, method, uri, user, password) {
  const hash = (s) => createHash('md5').update(s).digest('hex');
  const ha1 = hash(`${user}:${p.realm}:${password}`);
  const ha2 = hash(`${method}:${uri}`);
  const nc = '00000001';
  const cnonce = createHash('md5').update(String(Math.random())).digest('hex').slice(0, 16);
  const qop = (p.qop || '').split(',')[0].trim();
  const response = qop ? hash(`${ha1}:${p.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : hash(`${ha1}:${p.nonce}:${ha2}`);
  let h = `Digest username="${user}", realm="${p.realm}", nonce="${p.nonce}", uri="${uri}", response="${response}", algorithm=MD5`;
  if (qop) h += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
  if (p.opaque) h += `, opaque="${p.opaque}"`;
  return h;
}

// A fresh profile each time: playwright passes it as --user-data-dir.
export async function launchBrowser(options = {}) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'hikgate-chromium-'));
  tmpDirs.push(profile);
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...options,
  });
}

export function screenshotDir() {
  const dir = path.join(BIN_DIR, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export { waitFor, sleep };
