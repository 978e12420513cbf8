// The sign-in flow in a real browser (Debian's Chromium driven by
// playwright-core), on a phone-sized screen, against the real stack that
// conf/dev/run starts (nginx + gatehouse.fcgi) with its demo users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(repo, 'tests/artifacts');
let server, base, varDir, browser, logins;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no answer from ${url}`);
}

before(async () => {
  varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-browser-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(path.join(repo, 'conf/dev/run'), [], {
    env: { ...process.env, VAR: varDir, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(`${base}/healthz`, 20000);
  logins = Object.fromEntries(
    [...fs.readFileSync(path.join(varDir, 'demo-logins.txt'), 'utf8').matchAll(/login: (\S+)\s+password: (\S+)/g)]
      .map((m) => [m[1], m[2]]));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  fs.mkdirSync(artifacts, { recursive: true });
});

after(async () => {
  await browser?.close();
  if (server) {
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
  }
  fs.rmSync(varDir, { recursive: true, force: true });
});

test('an approver signs in on a phone, sees the dashboard and signs out', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/login\?next=\/$/);

  await page.fill('input[name=username]', 'bob');
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  assert.equal(await page.locator('[role=alert]').innerText(), 'Wrong username or password.');

  await page.fill('input[name=password]', logins.bob);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
  assert.equal(await page.locator('h1').innerText(), 'Dashboard');
  assert.match(await page.locator('.who').innerText(), /Bob Approver/);
  // Nothing on the page is wider than the phone.
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= 390, `page is ${scrollWidth}px wide`);
  await page.screenshot({ path: path.join(artifacts, 'dashboard-390x844.png'), fullPage: true });

  await page.click('text=Sign out');
  await page.waitForURL(`${base}/login`);
  const me = await page.request.get(`${base}/api/v1/me`);
  assert.equal(me.status(), 401);
  await ctx.close();
});

test('the session cookie is invisible to scripts', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', 'vera');
  await page.fill('input[name=password]', logins.vera);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
  assert.equal(await page.evaluate(() => document.cookie), '');
  const cookies = await ctx.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0].httpOnly, true);
  assert.equal(cookies[0].sameSite, 'Strict');
  await ctx.close();
});

test('a mission timeline shows a new event without a reload', async () => {
  const token = execFileSync(path.join(repo, 'bin/gatehouse'),
    ['--config', path.join(varDir, 'gatehouse.conf'), 'token', 'create', '--user', 'alice', '--name', 'browser'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const post = (body) => fetch(`${base}/api/v1/events`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  assert.equal((await post({ id: 'live-1', type: 'error.detected', mission_id: 'm-browser' })).status, 202);
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await ctx.newPage();
  await page.goto(`${base}/login?next=/missions/m-browser`);
  await page.fill('input[name=username]', 'vera');
  await page.fill('input[name=password]', logins.vera);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/missions/m-browser`);
  assert.equal(await page.locator('ol.timeline li').count(), 1);
  await page.waitForTimeout(500); // the stream is open
  const hostile = '<img src=x onerror="window.pwned=1">';
  assert.equal((await post({ id: 'live-2', type: 'agentic.action_planned', mission_id: 'm-browser',
    payload: { note: hostile } })).status, 202);
  await page.locator('ol.timeline li.live').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('ol.timeline li').count(), 2);
  assert.match(await page.locator('ol.timeline li.live').innerText(), /agentic\.action_planned/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  await page.screenshot({ path: path.join(artifacts, 'mission-live-390x844.png'), fullPage: true });
  await ctx.close();
});
