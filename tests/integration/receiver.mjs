// A webhook receiver for the tests: checks every delivery's signature with
// the npm standardwebhooks package (an implementation independent of
// Gatehouse's), logs each request as a JSON line, and answers by plan.
//   node receiver.mjs PORT SECRET LOGFILE PLAN
// PLAN is comma-separated, one answer per request (the last one repeats):
//   200 | 500 | 410 | 429:SECONDS (Retry-After) | stall:SECONDS | redirect
import http from 'node:http';
import fs from 'node:fs';
import { Webhook } from 'standardwebhooks';

const [port, secret, logfile, planText] = process.argv.slice(2);
const plan = planText.split(',');
const wh = new Webhook(secret);
let n = 0;

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const step = plan[Math.min(n, plan.length - 1)];
    n += 1;
    let verified = false;
    let problem = null;
    try {
      wh.verify(body, req.headers);
      verified = true;
    } catch (e) {
      problem = String(e.message || e);
    }
    fs.appendFileSync(logfile, JSON.stringify({
      n, step, verified, problem, method: req.method, path: req.url,
      id: req.headers['webhook-id'], timestamp: req.headers['webhook-timestamp'],
      content_type: req.headers['content-type'], user_agent: req.headers['user-agent'], body,
    }) + '\n');
    if (step.startsWith('stall:')) {
      setTimeout(() => { try { res.end('late'); } catch { /* gone */ } }, Number(step.slice(6)) * 1000);
    } else if (step === 'redirect') {
      res.writeHead(302, { Location: '/elsewhere' }).end();
    } else if (step.startsWith('429:')) {
      res.writeHead(429, { 'Retry-After': step.slice(4) }).end();
    } else {
      res.writeHead(Number(step)).end();
    }
  });
});
server.keepAliveTimeout = 30000;
server.listen(Number(port), '127.0.0.1', () => fs.appendFileSync(logfile, ''));
