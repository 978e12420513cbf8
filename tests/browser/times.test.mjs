// Times and timelines that explain themselves, in a real browser (Debian's
// Chromium driven by playwright-core) against the real stack conf/dev/run
// starts with its demo data:
// - static/time.js words times exactly as core/timeutil.c does (the same
//   table as tests/unit/test_time.c);
// - relative times stay fresh while a page stays open, on the server's
//   clock even when the browser's clock is hours off;
// - a mission timeline's live events arrive as the server renders them: a
//   <time> in words with the exact time on hover, Gatehouse's own events
//   with their summary linking to the approval they are about, a client's
//   hostile text as inert text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { artifacts, repo, startStack } from './stack.mjs';

const require = createRequire(import.meta.url);
const words = require(path.join(repo, 'static/time.js'));
const LIVE_MS = 8000; // how long a live update may take to show
const HOSTILE = '<img src=x onerror="window.__pwned=1">';
let stack, base, browser, logins;
const tokens = {};

async function api(user, method, url, body) {
  const r = await fetch(`${base}${url}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${tokens[user]}`, 'Content-Type': 'application/json' },
  });
  return { status: r.status, json: await r.json() };
}

async function signedIn(user, next, setup) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  if (setup) await setup(page);
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', logins[user]);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}${next}`);
  return { ctx, page };
}

before(async () => {
  stack = await startStack();
  ({ base, browser, logins } = stack);
  for (const user of ['alice', 'carol'])
    tokens[user] = stack.admin(['token', 'create', '--user', user, '--name', 'browser-times']);
});

after(async () => {
  await stack?.stop();
});

test('time.js words times as the server does', () => {
  const now = 1795341600123;
  const cases = [
    [0, 'just now'], [59999, 'just now'], [-59999, 'just now'], [60000, '1 min ago'],
    [12 * 60000 + 59999, '12 min ago'], [3600000, '1 h ago'], [3 * 3600000 + 20 * 60000, '3 h 20 min ago'],
    [86400000, '1 d ago'], [2 * 86400000 + 3 * 3600000, '2 d 3 h ago'], [-5 * 60000, 'in 5 min'],
    [-(3 * 3600000 + 20 * 60000), 'in 3 h 20 min'], [-30 * 86400000, 'in 30 d'],
  ];
  for (const [delta, text] of cases) assert.equal(words.ago(now - delta, now), text, `${delta} ms`);
  assert.equal(words.human(1795341600123, true), '22 Nov 2026 10:00:00 UTC');
  assert.equal(words.human(1795341600123, false), '22 Nov 2026 10:00 UTC');
  assert.equal(words.human(951782399999, true), '28 Feb 2000 23:59:59 UTC');
});

// Every <time> of a page: its datetime, title, text and whether it is relative.
function timesOf(page) {
  return page.$$eval('time', (els) => els.map((e) => ({
    datetime: e.getAttribute('datetime'), title: e.getAttribute('title'), text: e.textContent,
    relative: e.hasAttribute('data-relative'),
  })));
}

test('relative times stay fresh on the server clock, even when the browser clock is off', async () => {
  // The browser's clock is two hours behind the server's.
  const { ctx, page } = await signedIn('bob', '/approvals', (p) =>
    p.clock.install({ time: new Date(Date.now() - 2 * 3600e3) }));
  const filed = page.locator('#approval-8 .meta time').first();
  const before = await filed.textContent();
  assert.match(before, /^2[4-7] min ago$/); // the demo's restart_service, filed 25 minutes ago
  const serverNow = Number(await page.locator('body').getAttribute('data-now'));
  await page.clock.fastForward(3 * 60e3 + 1000);
  await page.clock.runFor(1000);
  const after = await filed.textContent();
  assert.notEqual(after, before);
  assert.match(after, /^(2[7-9]|30) min ago$/);
  // Every relative time on the page reads as the server's clock says, not the browser's.
  const clientNow = await page.evaluate(() => Date.now());
  for (const t of await timesOf(page)) {
    assert.match(t.datetime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(t.title, words.human(Date.parse(t.datetime), true));
    assert.equal(t.relative, true);
    // Past times read "... ago", deadlines "in ...": on the browser's clock, all would be "in ...".
    if (Date.parse(t.datetime) < serverNow) assert.match(t.text, /^(just now|.+ ago)$/, t.text);
    else assert.match(t.text, /^in /, t.text);
  }
  assert.ok(clientNow < serverNow - 3600e3);
  await ctx.close();
});

test('live timeline events arrive in words, linked, with their time in a <time>', async () => {
  const { ctx, page } = await signedIn('vera', '/missions/mission-789');
  const shown = await page.locator('ol.timeline li').count();
  // carol gives the demo's tier 3 rollback its second approval: Gatehouse records approval.granted.
  let r = await api('carol', 'POST', '/api/v1/approvals/7/votes', { verdict: 'approve', comment: 'go' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.data.status, 'approved');
  // And automation posts an event whose summary is hostile.
  r = await api('alice', 'POST', '/api/v1/events', {
    id: 'times-hostile', type: 'agentic.action_planned', mission_id: 'mission-789',
    payload: { summary: `plan: ${HOSTILE}` },
  });
  assert.equal(r.status, 202, JSON.stringify(r.json));

  const granted = page.locator('ol.timeline li.live.own', { hasText: 'approval.granted' });
  await granted.waitFor({ timeout: LIVE_MS });
  const link = granted.locator('p.summary a');
  assert.equal(await link.textContent(), 'bob and carol approved rollback.deploy on checkout-web');
  assert.equal(await link.getAttribute('href'), '/approvals/7');
  const time = granted.locator('time');
  assert.equal(await time.textContent(), 'just now');
  const at = await time.getAttribute('datetime');
  assert.match(at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(await time.getAttribute('title'), words.human(Date.parse(at), true));
  assert.equal(await time.getAttribute('data-relative'), '');

  const client = page.locator('ol.timeline li.live', { hasText: 'agentic.action_planned' });
  await client.waitFor({ timeout: LIVE_MS });
  assert.equal(await client.locator('p.summary').textContent(), `plan: ${HOSTILE}`);
  assert.equal(await client.locator('p.summary a').count(), 0);
  assert.equal(await client.locator('img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('ol.timeline li').count(), shown + 2);

  // The link leads to the approval it is about; a reload renders the same words.
  await page.reload();
  const again = page.locator('ol.timeline li.own', { hasText: 'approval.granted' }).last();
  assert.equal(await again.locator('p.summary a').textContent(), 'bob and carol approved rollback.deploy on checkout-web');
  await page.screenshot({ path: path.join(artifacts, 'mission-summaries.png'), fullPage: true });
  await again.locator('p.summary a').click();
  await page.waitForURL(`${base}/approvals/7`);
  assert.equal((await page.locator('#status').textContent()).trim(), 'approved');
  await ctx.close();
});
