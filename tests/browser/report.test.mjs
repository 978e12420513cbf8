// The executive decision report in a real browser (Debian's Chromium driven
// by playwright-core) against the real stack conf/dev/run starts: printed by
// Chromium as a PDF, the report is one A4 page, also for a rollout at T+72h
// with every phase decided; on a phone it reads without sideways scrolling;
// an executive signs off with the form; hostile strings stay text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { artifacts, startStack } from './stack.mjs';

let stack, base, browser, logins, token;
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

async function api(method, url, body) {
  const r = await fetch(`${base}${url}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
  });
  return { status: r.status, json: await r.json() };
}

const iso = (ms) => new Date(ms).toISOString();

// A deployment on the sample plan that began `hours` ago, with passing
// samples every 30 minutes for every criterion of every phase begun, each
// phase's gate evaluated.
async function rollout(id, hours, name) {
  const start = Date.now() - hours * 3600e3;
  let r = await api('POST', '/api/v1/deployments', { id, name, plan: 't4-72h', started_at: iso(start) });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const plan = (await api('GET', '/api/v1/plans/t4-72h')).json.data;
  const good = {
    cpu_overhead: 0.023, error_rate: 0.0004, tag_accuracy: 0.97, response_time_p95_ms: 41, memory_mb: 160,
    user_complaints: 0, false_positive_rate: 0.012, uptime: 0.9995, critical_incidents: 0, threats_blocked: 3,
    response_time_change: 0.01,
  };
  const samples = [];
  plan.phases.forEach((ph, i) => {
    const from = start + ph.at_hours * 3600e3;
    const to = Math.min(Date.now(), i + 1 < plan.phases.length ? start + plan.phases[i + 1].at_hours * 3600e3 : Date.now());
    for (const c of ph.criteria)
      for (let t = from; t < to; t += 30 * 60e3)
        samples.push({ name: c.metric, value: good[c.metric] * (1 + 0.0002 * Math.sin(t / 1e6)), at: iso(t) });
  });
  for (let i = 0; i < samples.length; i += 5000) {
    r = await api('POST', `/api/v1/deployments/${id}/metrics`, { samples: samples.slice(i, i + 5000) });
    assert.equal(r.status, 202, JSON.stringify(r.json));
  }
  for (const ph of plan.phases)
    if (start + ph.at_hours * 3600e3 <= Date.now()) {
      r = await api('POST', `/api/v1/deployments/${id}/evaluate`, { phase: ph.id });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
}

async function signedIn(user, options = {}) {
  const ctx = await browser.newContext(options);
  const page = await ctx.newPage();
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', logins[user]);
  await page.click('button[type=submit]');
  await page.waitForURL(`${base}/`);
  return { ctx, page };
}

// Pages in a PDF as Chromium writes it: one /Type /Page object each.
function pdfPages(pdf) {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
}

before(async () => {
  stack = await startStack();
  ({ base, browser, logins } = stack);
  token = stack.admin(['token', 'create', '--user', 'alice', '--name', 'browser-report']);
  await rollout('full-72h', 73, `Full rollout ${HOSTILE}`);
});

after(async () => {
  await stack?.stop();
});

for (const [id, what] of [['safety-tags-v1-demo', 'the demo at T+30h'], ['full-72h', 'a rollout at T+72h']]) {
  test(`the report of ${what} prints on one A4 page`, async () => {
    const { ctx, page } = await signedIn('vera');
    await page.goto(`${base}/deployments/${id}/report`);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    fs.writeFileSync(path.join(artifacts, `report-${id}.pdf`), pdf);
    assert.equal(pdfPages(pdf), 1, `the printed report of ${id} has ${pdfPages(pdf)} pages`);
    // The page holds what an executive needs: the recommendation, the metrics and their charts.
    const text = await page.locator('#report').innerText();
    assert.match(text, /Recommendation: (APPROVE|HOLD|ROLLBACK)/);
    assert.ok(await page.locator('svg.spark polyline, svg.spark circle').count() >= 9);
    await ctx.close();
  });
}

test('on a phone the report reads without sideways scrolling', async () => {
  const { ctx, page } = await signedIn('erin', { viewport: { width: 390, height: 844 } });
  await page.goto(`${base}/deployments/full-72h/report`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: path.join(artifacts, 'report-390x844.png'), fullPage: true });
  const button = await page.locator('form.signoff-form button[type=submit]').boundingBox();
  assert.ok(button.x >= 0 && button.x + button.width <= 390, 'the sign-off button is inside the screen');
  await ctx.close();
});

test('an executive signs off with the form; the report shows who and when', async () => {
  const { ctx, page } = await signedIn('erin');
  await page.goto(`${base}/deployments/full-72h/report`);
  assert.equal(await page.locator('h2#rec-title strong').innerText(), 'APPROVE');
  await page.check('input[name=decision][value=APPROVED]');
  await page.fill('#signoff-comment', `ship it ${HOSTILE}`);
  await page.click('form.signoff-form button[type=submit]');
  await page.waitForURL(`${base}/deployments/full-72h/report?signed=1`);
  assert.equal((await page.locator('.message.good').innerText()).trim(), 'Your sign-off is recorded.');
  const signed = await page.locator('p.signed').innerText();
  assert.match(signed, /^APPROVED by Erin Executive \(erin\)/);
  assert.ok(signed.includes(`ship it ${HOSTILE}`), 'the comment is shown as text');
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(await page.locator('img[src=x]').count(), 0);
  const d = (await api('GET', '/api/v1/deployments/full-72h')).json.data;
  assert.equal(d.status, 'approved');
  await ctx.close();
});
