// The freeze pages in a real browser (Debian's Chromium driven by
// playwright-core) against the real stack conf/dev/run starts, with the demo
// release frozen as v0.02-final: the state badges, a changed byte turning the
// freeze red with both hashes, an admin acknowledging it by form, the file put
// back turning it green again, the banner while a window is in effect and
// break-glass on an approval page, lifting by form, and a phone-sized screen.
// The worker runs as cron would, from the command line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, repo, startStack } from './stack.mjs';

let stack, base, browser, logins, release, conf;
const tokens = {};

const sha = (data) => crypto.createHash('sha256').update(data).digest('hex');
const admin = (args, input) => stack.admin(args, input);

// The worker's verify-freezes job, as cron runs it.
function verifyFreezes() {
  return execFileSync(path.join(repo, 'bin/gatehouse-worker'),
    ['--config', conf, 'run', '--job', 'verify-freezes'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function api(user, method, url, body) {
  const r = await fetch(`${base}${url}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${tokens[user]}`, 'Content-Type': 'application/json' },
  });
  return { status: r.status, json: await r.json() };
}

async function signedIn(user, next, options = {}) {
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  await page.goto(`${base}/login?next=${encodeURIComponent(next)}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', logins[user]);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}${next}`);
  return { ctx, page };
}

async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

before(async () => {
  stack = await startStack();
  ({ base, browser, logins } = stack);
  // make run's configuration names the demo release's root: find it (and the file) from there.
  release = admin(['config', 'check']).match(/^freeze_root\.release = (.+)$/m)[1];
  conf = path.join(path.dirname(release), 'gatehouse.conf');
  for (const user of ['alice', 'ada'])
    tokens[user] = admin(['token', 'create', '--user', user, '--name', 'browser-freezes']);
});

after(async () => {
  await stack?.stop();
});

test('a changed byte turns the demo freeze red; an admin acknowledges it; put back, it is green', async () => {
  const { ctx, page } = await signedIn('ada', '/freezes');
  assert.equal(await page.locator('nav a[aria-current=page]').innerText(), 'Freezes');
  const row = page.locator('#freeze-v0\\.02-final');
  assert.equal(await text(row, '.state-badge'), 'INTACT');
  assert.equal(await row.locator('.state-badge').evaluate((e) => getComputedStyle(e).backgroundColor),
    await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--ok)';
      document.body.append(probe);
      return getComputedStyle(probe).color;
    }));
  assert.match(await text(row, '.meta'), /^10 artifacts · checked .* ago · window: ended$/);

  await row.locator('a').click();
  await page.waitForURL(`${base}/freezes/v0.02-final`);
  assert.equal(await text(page, '#state'), 'INTACT');
  assert.equal(await page.locator('table.manifest tbody tr').count(), 10);
  assert.match(await text(page, '#checks'), /intact/);

  // One byte of the changelog changes; the worker's next run finds it.
  const file = path.join(release, 'CHANGELOG.md');
  const before = fs.readFileSync(file);
  const after = Buffer.from(before);
  after[before.indexOf('0.02') + 3] = '3'.charCodeAt(0);
  fs.writeFileSync(file, after);
  assert.match(verifyFreezes(), /1 violated; 1 new violation/);
  await page.reload();
  assert.equal(await text(page, '#state'), 'VIOLATED');
  const v = page.locator('li.violation').first();
  assert.equal(await text(v, '.path'), 'CHANGELOG.md');
  assert.equal(await text(v, '.badge'), 'modified');
  assert.match(await text(v, 'dl.hashes'), new RegExp(`expected\\s+${sha(before)}[\\s\\S]*actual\\s+${sha(after)}`));

  // The admin acknowledges it with a comment; it still stands (the file is still changed).
  await v.locator('textarea[name=comment]').fill('typo fix in the notes, approved by Erin');
  await v.locator('button[type=submit]').click();
  await page.waitForURL(/\/freezes\/v0\.02-final\?done=acked&vid=\d+/);
  assert.match(await text(page, '[role=alert]'), /^Your acknowledgement of violation #\d+ is recorded\.$/);
  assert.equal(await text(page, '#state'), 'VIOLATED');
  assert.match(await text(page, 'li.violation .ack'), /^Acknowledged by ada (just now|\d+ min ago): typo fix in the notes, approved by Erin$/);
  assert.equal(await page.locator('li.violation textarea').count(), 0);

  // Put back as frozen: the next run restores it.
  fs.writeFileSync(file, before);
  assert.match(verifyFreezes(), /1 restored/);
  await page.reload();
  assert.equal(await text(page, '#state'), 'INTACT');
  assert.equal(await page.locator('li.violation').count(), 0);
  assert.match(await text(page, '#checks li'), /intact.* · 1 restored/);
  await ctx.close();
});

test('while a window is in effect: a banner everywhere, break-glass on approvals, lifted by form', async () => {
  const now = Date.now();
  const changelog = fs.readFileSync(path.join(release, 'CHANGELOG.md'));
  const created = await api('ada', 'POST', '/api/v1/freezes', {
    name: 'hotfix-window',
    window: { starts_at: new Date(now - 3600e3).toISOString(), ends_at: new Date(now + 3600e3).toISOString() },
    artifacts: [{ path: 'CHANGELOG.md', sha256: sha(changelog), size: changelog.length }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));

  // A tier 1 request filed now is not granted on arrival: it waits for an approver and an executive.
  const filed = await api('alice', 'POST', '/api/v1/approvals',
    { action_type: 'scale_out', target: 'payments-api', tier: 1, reason: 'traffic above forecast' });
  assert.equal(filed.status, 201);
  const a = filed.json.data;
  assert.equal(a.status, 'pending');
  assert.equal(a.tier, 2);
  assert.equal(a.break_glass_required, true);

  const erin = await signedIn('erin', `/approvals/${a.id}`);
  const banner = erin.page.locator('.freeze-banner');
  assert.match(await banner.innerText(), /^Freeze in effect: hotfix-window \(ends in (5\d min|1 h)\)\. Tier 2 and 3 approvals also need an executive's break-glass vote\.$/);
  assert.match(await text(erin.page, '#break-glass'),
    /^Break-glass required: the freeze hotfix-window is in effect, so besides its approvers this request needs an approve vote from an executive\. That executive's vote is still missing\.$/);
  assert.equal(await text(erin.page, '.needs'),
    'Still needed: 1 more approval from an approver, and a break-glass vote from an executive');
  await erin.page.click('#approve');
  await erin.page.waitForURL(new RegExp(`/approvals/${a.id}\\?done=voted`));
  assert.match(await text(erin.page, '#break-glass'), /An executive has approved it\.$/);
  assert.equal(await text(erin.page, '.needs'), 'Still needed: 1 more approval from another approver');

  const bob = await signedIn('bob', `/approvals/${a.id}`);
  await bob.page.click('#approve');
  await bob.page.waitForURL(`${base}/approvals/${a.id}?done=granted`);
  assert.equal(await text(bob.page, '#status'), 'approved');

  // The banner links to the freeze, where an admin lifts the window.
  const ada = await signedIn('ada', '/');
  await ada.page.locator('.freeze-banner a').click();
  await ada.page.waitForURL(`${base}/freezes/hotfix-window`);
  assert.equal(await text(ada.page, '#facts .badge.window-in_effect'), 'in effect');
  await ada.page.click('#lift');
  await ada.page.waitForURL(`${base}/freezes/hotfix-window?done=lifted`);
  assert.equal(await text(ada.page, '[role=alert]'),
    'You lifted the window: approvals no longer need break-glass for this freeze.');
  assert.equal(await ada.page.locator('.freeze-banner').count(), 0);
  assert.match(await text(ada.page, '#facts'), /lifted by ada/);
  await bob.page.reload();
  assert.equal(await bob.page.locator('.freeze-banner').count(), 0);
  for (const c of [erin, bob, ada]) await c.ctx.close();
});

test('on a phone the freeze page fits the screen, hashes and all', async () => {
  // A violation with two long hashes, shown at 390x844.
  const file = path.join(release, 'schemas/event.schema.json');
  const before = fs.readFileSync(file);
  fs.writeFileSync(file, '{"$id": "event", "changed": true}\n');
  verifyFreezes();
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const { ctx, page } = await signedIn('ada', '/freezes/v0.02-final', phone);
  assert.equal(await text(page, '#state'), 'VIOLATED');
  await page.screenshot({ path: path.join(artifacts, 'freeze-detail-390x844.png'), fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the freeze page is ${width}px wide`);
  for (const selector of ['li.violation', 'form.ack-form button', 'table.manifest']) {
    const box = await page.locator(selector).first().boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `${selector} spans ${box.x}..${box.x + box.width}`);
  }
  await page.goto(`${base}/freezes`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
  await page.screenshot({ path: path.join(artifacts, 'freezes-list-390x844.png'), fullPage: true });
  fs.writeFileSync(file, before);
  verifyFreezes();
  await ctx.close();
});
