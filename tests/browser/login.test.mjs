// The sign-in flow in a real browser (Debian's Chromium driven by
// playwright-core), on a phone-sized screen, against the real stack that
// conf/dev/run starts (nginx + gatehouse.fcgi) with its demo users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, startStack } from './stack.mjs';

let stack, base, browser, logins;

before(async () => {
  stack = await startStack();
  ({ base, browser, logins } = stack);
});

after(async () => {
  await stack?.stop();
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
  const token = stack.admin(['token', 'create', '--user', 'alice', '--name', 'browser']);
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
