// The approval pages in a real browser (Debian's Chromium driven by
// playwright-core) against the real stack that conf/dev/run starts
// (nginx + gatehouse.fcgi) with its demo users: live updates without a
// reload, approving and denying, tier 3's two approvers, the self-approval
// rule, a phone-sized screen, hostile text and a browser without JavaScript.
// Requests are filed through the API with bearer tokens from the admin CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifacts, startStack } from './stack.mjs';

const LIVE_MS = 8000; // how long a live update may take to show
let stack, base, browser, logins;
const tokens = {};

const admin = (args, input) => stack.admin(args, input);

async function api(user, method, url, body) {
  const r = await fetch(`${base}${url}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${tokens[user]}`, 'Content-Type': 'application/json' },
  });
  return { status: r.status, json: await r.json() };
}

let serial = 0;
// File a request as `user` (a requester); returns the approval object.
async function fileRequest(user, fields) {
  const body = {
    action_type: 'restart_service', target: `payments-api-${++serial}`, tier: 2,
    reason: 'memory leak after 2.31 rollout', mission_id: 'mission-789',
    params: { region: 'eu-west-1' }, ...fields,
  };
  const r = await api(user, 'POST', '/api/v1/approvals', body);
  assert.equal(r.status, 201, JSON.stringify(r.json));
  assert.equal(r.json.data.status, 'pending');
  return r.json.data;
}

async function approvalNow(id) {
  const r = await api('alice', 'GET', `/api/v1/approvals/${id}`);
  assert.equal(r.status, 200);
  return r.json.data;
}

// A fresh browser context signed in as `user`, on `next`. The first time a
// user is needed the sign-in form is used; later contexts start with that
// session's cookie (each sign-in costs a password hash), unless `form` is set.
const sessions = {};
async function signedIn(user, next, { form = false, ...options } = {}) {
  if (sessions[user] && !form) {
    const ctx = await browser.newContext({ ...options, storageState: sessions[user] });
    const page = await ctx.newPage();
    await page.goto(`${base}${next}`);
    assert.equal(page.url(), `${base}${next}`);
    return { ctx, page };
  }
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  await page.goto(`${base}/login?next=${next}`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', logins[user]);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}${next}`);
  sessions[user] ??= await ctx.storageState();
  return { ctx, page };
}

// Watch a page for reloads: a marker on window, and main-frame navigations.
async function watchNavigation(page) {
  const seen = { navigations: 0 };
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) seen.navigations++; });
  await page.evaluate(() => { window.__sameDocument = true; });
  seen.check = async (what) => {
    assert.equal(seen.navigations, 0, `${what}: the page navigated`);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, `${what}: the page was reloaded`);
  };
  return seen;
}

async function text(page, selector) {
  return (await page.locator(selector).innerText()).trim();
}

before(async () => {
  stack = await startStack();
  ({ base, browser, logins } = stack);
  // Someone who both files and approves requests: the self-approval rule.
  logins.sam = 'sam files and approves';
  admin(['user', 'add', 'sam', '--role', 'requester,approver', '--display', 'Sam Both', '--password-stdin'],
    `${logins.sam}\n`);
  for (const user of ['alice', 'sam', 'bob'])
    tokens[user] = admin(['token', 'create', '--user', user, '--name', 'browser-approvals']);
});

after(async () => {
  await stack?.stop();
});

test('a new tier-2 request shows up live on the list; the approver approves it', async () => {
  const { ctx, page: list } = await signedIn('bob', '/approvals');
  const watch = await watchNavigation(list);

  const a = await fileRequest('alice', { tier: 2 });
  const row = list.locator(`#pending #approval-${a.id}`);
  await row.waitFor({ timeout: LIVE_MS });
  await watch.check('a new request arriving');
  assert.equal(await text(list, `#approval-${a.id} .row-head`), `Tier 2 pending #${a.id}`);
  assert.equal(await text(list, `#approval-${a.id} .action`), 'restart_service');
  assert.equal(await text(list, `#approval-${a.id} .target`), a.target);
  assert.match(await text(list, `#approval-${a.id} .meta`), /^by alice · filed (just now|\d+ min ago) · expires in 23 h 5\d min · mission mission-789$/);
  assert.equal(await list.locator(`#approval-${a.id} .meta time`).count(), 2);

  // Open it in a second tab; the list stays open and follows the decision.
  assert.equal(await row.locator('a').getAttribute('href'), `/approvals/${a.id}`);
  const detail = await ctx.newPage();
  await detail.goto(`${base}/approvals/${a.id}`);
  assert.equal(await text(detail, '#status'), 'pending');
  assert.equal(await text(detail, '.needs'), 'Still needed: 1 more approval from an approver');
  await detail.fill('#approve-comment', 'heap graphs agree; go');
  await detail.click('#approve');
  await detail.waitForURL(`${base}/approvals/${a.id}?done=granted`);
  assert.equal(await text(detail, '#status'), 'approved');
  assert.equal(await text(detail, '[role=alert]'),
    'You approved this request: it is granted and the executor is being told.');
  assert.equal(await text(detail, '.outcome'), 'Approved; the last approval came from bob.');
  assert.equal(await detail.locator('#approve').count(), 0);
  assert.match(await text(detail, 'ul.votes'), /bob approved[\s\S]*heap graphs agree; go/);

  // The list moved it from "waiting" to "recent decisions", still without a reload.
  await list.locator(`#decided #approval-${a.id}.status-approved`).waitFor({ timeout: LIVE_MS });
  assert.equal(await list.locator(`#pending #approval-${a.id}`).count(), 0);
  await watch.check('the request being decided');

  const now = await approvalNow(a.id);
  assert.equal(now.status, 'approved');
  assert.deepEqual(now.votes.map((v) => [v.by, v.verdict, v.comment]), [['bob', 'approve', 'heap graphs agree; go']]);
  await ctx.close();
});

test('tier 3 needs two approvers; both pages follow along live', async () => {
  const a = await fileRequest('alice', { tier: 3, action_type: 'rollback_release' });
  const bob = await signedIn('bob', `/approvals/${a.id}`);
  const carol = await signedIn('carol', `/approvals/${a.id}`);
  assert.equal(await text(carol.page, '.needs'), 'Still needed: 2 more approvals from 2 different approvers');
  const carolWatch = await watchNavigation(carol.page);

  await bob.page.click('#approve');
  await bob.page.waitForURL(`${base}/approvals/${a.id}?done=voted`);
  assert.equal(await text(bob.page, '#status'), 'pending');
  assert.equal(await text(bob.page, '[role=alert]'),
    'Your approval is counted; the request still needs another approver.');
  assert.equal(await text(bob.page, '.needs'), 'Still needed: 1 more approval from another approver');
  assert.equal(await text(bob.page, '.notice'), 'You have voted on this request; it is waiting for the others.');
  assert.equal(await bob.page.locator('#approve').count(), 0);
  const bobWatch = await watchNavigation(bob.page);

  // Carol's open page learns of Bob's vote by itself.
  await carol.page.locator('.needs', { hasText: '1 more approval from another approver' })
    .waitFor({ timeout: LIVE_MS });
  assert.match(await text(carol.page, 'ul.votes'), /bob approved/);
  await carolWatch.check("bob's vote arriving");
  assert.equal((await approvalNow(a.id)).status, 'pending');

  await carol.page.click('#approve');
  await carol.page.waitForURL(`${base}/approvals/${a.id}?done=granted`);
  assert.equal(await text(carol.page, '#status'), 'approved');
  assert.equal(await text(carol.page, '.outcome'), 'Approved; the last approval came from carol.');

  // Bob's page turns approved without a reload.
  await bob.page.locator('#status', { hasText: 'approved' }).waitFor({ timeout: LIVE_MS });
  assert.equal(await text(bob.page, '.outcome'), 'Approved; the last approval came from carol.');
  assert.equal(await bob.page.locator('.needs').count(), 0);
  // "still needs another approver" is no longer true: the confirmation goes.
  assert.equal(await bob.page.locator('[role=alert]').count(), 0);
  assert.match(await text(bob.page, 'ul.votes'), /bob approved[\s\S]*carol approved/);
  await bobWatch.check("carol's vote arriving");

  const now = await approvalNow(a.id);
  assert.equal(now.status, 'approved');
  assert.deepEqual(now.votes.map((v) => v.by), ['bob', 'carol']);
  await bob.ctx.close();
  await carol.ctx.close();
});

test('a requester who is also an approver cannot approve their own request', async () => {
  const a = await fileRequest('sam', { tier: 2, target: 'ledger-writer' });
  const { ctx, page } = await signedIn('sam', `/approvals/${a.id}`);
  assert.equal(await text(page, '#status'), 'pending');
  assert.equal(await text(page, '.notice'),
    'You filed this request, so you cannot approve or deny it: another approver must.');
  assert.equal(await page.locator('form.vote').count(), 0);
  assert.equal(await page.locator('#approve').count(), 0);
  assert.equal(await page.locator('#deny').count(), 0);

  // A vote posted anyway (an old tab, a hand-made form) is refused in words, on the page.
  const csrf = await page.locator('form[action="/logout"] input[name=csrf]').inputValue();
  const answer = page.waitForResponse((r) => r.url() === `${base}/approvals/${a.id}/vote`);
  await page.evaluate(({ id, csrf }) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = `/approvals/${id}/vote`;
    for (const [name, value] of Object.entries({ csrf, verdict: 'approve', comment: 'my own change' })) {
      const input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, { id: a.id, csrf });
  const response = await answer;
  await page.waitForLoadState();
  assert.equal(response.status(), 409);
  assert.match(response.headers()['content-type'], /^text\/html/);
  const body = (await page.locator('body').innerText()).trim();
  assert.ok(!body.startsWith('{') && !body.includes('"error"'), `raw JSON shown: ${body.slice(0, 200)}`);
  const alert = await text(page, '[role=alert]');
  assert.match(alert, /^Your vote was not counted: .*cannot vote on it.*another approver must\.$/);
  assert.ok(await page.locator('[role=alert]').isVisible());
  assert.equal(await text(page, '#status'), 'pending');

  const now = await approvalNow(a.id);
  assert.equal(now.status, 'pending');
  assert.deepEqual(now.votes, []);
  // The API says the same, as an error code.
  const r = await api('sam', 'POST', `/api/v1/approvals/${a.id}/votes`, { verdict: 'approve' });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'self_approval');
  await ctx.close();
});

test('deny asks for confirmation before it denies', async () => {
  const a = await fileRequest('alice', { tier: 2, action_type: 'scale_down' });
  const { ctx, page } = await signedIn('bob', `/approvals/${a.id}`);
  const confirm = page.locator('#confirm-deny');
  assert.equal(await confirm.isVisible(), false);

  const watch = await watchNavigation(page);
  await page.click('#deny');
  await confirm.waitFor({ state: 'visible' });
  assert.equal(await page.locator('details.deny').getAttribute('open'), '');
  // Opening the confirmation changed nothing yet.
  await page.waitForTimeout(300);
  await watch.check('opening the deny confirmation');
  assert.equal((await approvalNow(a.id)).status, 'pending');
  assert.equal(await text(page, '#status'), 'pending');

  // Closing it again leaves the request alone too.
  await page.click('#deny');
  await confirm.waitFor({ state: 'hidden' });
  assert.equal((await approvalNow(a.id)).status, 'pending');

  await page.click('#deny');
  await page.fill('#deny-comment', 'not during the freeze');
  await confirm.click();
  await page.waitForURL(`${base}/approvals/${a.id}?done=denied`);
  assert.equal(await text(page, '#status'), 'denied');
  assert.equal(await text(page, '[role=alert]'), 'You denied this request.');
  assert.equal(await text(page, '.outcome'), 'Denied by bob.');
  assert.equal(await page.locator('form.vote').count(), 0);

  const now = await approvalNow(a.id);
  assert.equal(now.status, 'denied');
  assert.deepEqual(now.votes.map((v) => [v.by, v.verdict, v.comment]), [['bob', 'deny', 'not during the freeze']]);
  await ctx.close();
});

test('on a phone the request page and the list fit the screen', async () => {
  const a = await fileRequest('alice', {
    tier: 2,
    mission_id: 'M' + 'm'.repeat(63),
    action_type: 'k8s.rollout-restart',
    target: 'arn:aws:ecs:eu-west-1:123456789012:service/payments-prod-cluster/payments-api-canary-blue',
    reason: 'Heap grows 40 MB/h since 2.31; see https://grafana.example.com/d/payments-api/heap?orgId=1&from=now-24h&to=now&var-pod=payments-api-7d9f8b6c5-x2x4z',
    params: {
      deployment: 'payments-api-7d9f8b6c5',
      selector: 'app.kubernetes.io/name=payments-api,app.kubernetes.io/instance=payments-api-canary-blue',
      checksum: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    },
  });
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const { ctx, page } = await signedIn('bob', `/approvals/${a.id}`, phone);
  assert.equal(await text(page, '#status'), 'pending');
  await page.screenshot({ path: path.join(artifacts, 'approval-detail-390x844.png'), fullPage: true });

  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollWidth <= 390, `the request page is ${scrollWidth}px wide`);
  for (const id of ['#approve', '#deny']) {
    const button = page.locator(id);
    assert.ok(await button.isVisible(), `${id} is not visible`);
    const box = await button.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, `${id} spans ${box.x}..${box.x + box.width}`);
    assert.ok(box.height >= 44, `${id} is ${box.height}px tall: too small to tap`);
  }
  // The deny confirmation fits too.
  await page.tap('#deny');
  const confirm = page.locator('#confirm-deny');
  await confirm.waitFor({ state: 'visible' });
  const box = await confirm.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `#confirm-deny spans ${box.x}..${box.x + box.width}`);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);

  await page.goto(`${base}/approvals`);
  await page.locator(`#approval-${a.id}`).waitFor();
  const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.screenshot({ path: path.join(artifacts, 'approvals-list-390x844.png'), fullPage: true });
  assert.ok(listWidth <= 390, `the approvals list is ${listWidth}px wide`);
  // A mission with the longest id allowed fits as well, on its page and listed.
  for (const url of [`/missions/${a.mission_id}`, '/missions']) {
    await page.goto(base + url);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${url} is ${width}px wide`);
  }
  await ctx.close();
});

test('hostile text in a request stays text, on the list, the request page and live', async () => {
  const hostile = {
    img: '<img src=x onerror="window.__xss=1;alert(1)">',
    script: '<script>window.__xss=1;alert(2)</script>',
    svg: '"><svg onload="window.__xss=1;alert(3)">',
    pre: '</pre><script>window.__xss=1</script><pre>',
    quote: "'\"><iframe srcdoc=\"<script>parent.__xss=1</script>\">",
  };
  // action_type is held to a strict pattern: markup is refused at the door.
  const refused = await api('alice', 'POST', '/api/v1/approvals',
    { action_type: hostile.img, target: 'x', tier: 2 });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'validation_failed');

  const dialogs = [];
  const onDialog = (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); };
  const bob = await signedIn('bob', '/approvals');
  bob.page.on('dialog', onDialog);

  const a = await fileRequest('alice', {
    tier: 3,
    target: hostile.img,
    reason: `${hostile.script} ${hostile.svg}`,
    params: { [hostile.script]: hostile.img, note: hostile.pre, nested: { q: hostile.quote } },
  });
  // Live onto Bob's list.
  const row = bob.page.locator(`#pending #approval-${a.id}`);
  await row.waitFor({ timeout: LIVE_MS });
  assert.equal(await text(bob.page, `#approval-${a.id} .target`), hostile.img);

  // Carol watches the request page while Bob votes with a hostile comment.
  const carol = await signedIn('carol', `/approvals/${a.id}`);
  carol.page.on('dialog', onDialog);
  assert.equal(await text(carol.page, '.approval-head .target'), hostile.img);
  assert.match(await text(carol.page, 'dl.facts'), new RegExp(escapeRe(`${hostile.script} ${hostile.svg}`)));
  const params = JSON.parse(await carol.page.locator('pre.params').innerText());
  assert.deepEqual(params, a.params);

  await bob.page.goto(`${base}/approvals/${a.id}`);
  const comment = `${hostile.img}\n${hostile.script}\n${hostile.quote}`;
  await bob.page.fill('#approve-comment', comment);
  await bob.page.click('#approve');
  await bob.page.waitForURL(`${base}/approvals/${a.id}?done=voted`);
  assert.equal(await text(bob.page, 'ul.votes blockquote'), comment);

  await carol.page.locator('ul.votes blockquote').waitFor({ timeout: LIVE_MS });
  assert.equal(await text(carol.page, 'ul.votes blockquote'), comment);

  await bob.page.goto(`${base}/approvals`);
  assert.equal(await text(bob.page, `#approval-${a.id} .target`), hostile.img);
  await bob.page.waitForTimeout(300); // any injected handler would have run by now

  for (const page of [bob.page, carol.page]) {
    assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${page.url()}`);
    assert.equal(await page.locator('main img, main svg, main iframe, main script:not([src])').count(), 0);
  }
  assert.deepEqual(dialogs, []);
  await bob.ctx.close();
  await carol.ctx.close();
});

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('without JavaScript an approver signs in, opens a request and approves it', async () => {
  const a = await fileRequest('alice', { tier: 2, action_type: 'flush_cache' });
  // Bob has the same request open in another browser without scripts: his page goes stale.
  const bob = await signedIn('bob', `/approvals/${a.id}`, { javaScriptEnabled: false });
  const { ctx, page } = await signedIn('carol', '/approvals', { form: true, javaScriptEnabled: false });
  const streams = [];
  for (const p of [page, bob.page])
    p.on('request', (r) => { if (r.url().includes('/stream')) streams.push(r.url()); });
  await page.click(`#approval-${a.id} a`);
  await page.waitForURL(`${base}/approvals/${a.id}`);
  assert.equal(await text(page, '#status'), 'pending');
  await page.fill('#approve-comment', 'approved from a browser without scripts');
  await page.click('#approve');
  await page.waitForURL(`${base}/approvals/${a.id}?done=granted`);
  assert.equal(await text(page, '#status'), 'approved');
  assert.equal(await text(page, '.outcome'), 'Approved; the last approval came from carol.');

  const now = await approvalNow(a.id);
  assert.equal(now.status, 'approved');
  assert.deepEqual(now.votes.map((v) => [v.by, v.comment]), [['carol', 'approved from a browser without scripts']]);

  // Bob's stale form is refused in a sentence, and the page shows the decision.
  assert.equal(await text(bob.page, '#status'), 'pending');
  const answer = bob.page.waitForResponse((r) => r.url() === `${base}/approvals/${a.id}/vote`);
  await bob.page.click('#approve');
  assert.equal((await answer).status(), 409);
  await bob.page.waitForLoadState();
  assert.equal(await text(bob.page, '[role=alert]'), 'Your vote was not counted: this request is already approved.');
  assert.equal(await text(bob.page, '#status'), 'approved');
  assert.equal((await approvalNow(a.id)).votes.length, 1);
  assert.deepEqual(streams, [], 'approvals.js ran although scripts are off');
  await bob.ctx.close();
  await ctx.close();
});

test('a half-written comment survives a live update until the request is decided', async () => {
  const a = await fileRequest('alice', { tier: 3, action_type: 'drain_node' });
  const { ctx, page } = await signedIn('carol', `/approvals/${a.id}`);
  const watch = await watchNavigation(page);
  await page.fill('#approve-comment', 'checking the dashboards first');

  // Bob votes meanwhile (through the API): the votes update, Carol's form and text stay.
  const r = await api('bob', 'POST', `/api/v1/approvals/${a.id}/votes`, { verdict: 'approve', comment: 'fine by me' });
  assert.equal(r.status, 200);
  await page.locator('ul.votes li.vote-approve', { hasText: 'bob' }).waitFor({ timeout: LIVE_MS });
  assert.equal(await page.inputValue('#approve-comment'), 'checking the dashboards first');
  await watch.check("bob's vote arriving");

  await page.click('#approve');
  await page.waitForURL(`${base}/approvals/${a.id}?done=granted`);
  assert.equal(await text(page, '#status'), 'approved');
  const now = await approvalNow(a.id);
  assert.deepEqual(now.votes.map((v) => [v.by, v.comment]), [['bob', 'fine by me'], ['carol', 'checking the dashboards first']]);
  await ctx.close();
});

test('the dashboard counts a new request live, and fits a phone with its charts', async () => {
  const { ctx, page } = await signedIn('bob', '/');
  const watch = await watchNavigation(page);
  const before = Number((await text(page, '#pending-summary h2')).match(/^(\d+) waiting/)?.[1] ?? 0);
  const a = await fileRequest('alice', { tier: 2, expires_in_seconds: 60 });
  await page.locator('#pending-summary h2', { hasText: `${before + 1} waiting for a decision` })
    .waitFor({ timeout: LIVE_MS });
  // It expires first, so it leads "Expiring soonest", a tap away from its vote buttons.
  assert.equal(await page.locator('#pending-summary ul.approvals li').first().getAttribute('id'), `approval-${a.id}`);
  await watch.check('a request filed while the dashboard is open');
  await ctx.close();

  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
  const p = await signedIn('bob', '/', phone);
  const width = await p.page.evaluate(() => document.documentElement.scrollWidth);
  await p.page.screenshot({ path: path.join(artifacts, 'dashboard-390x844.png'), fullPage: true });
  assert.ok(width <= 390, `the dashboard is ${width}px wide`);
  await p.ctx.close();
});
