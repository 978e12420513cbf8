// The real stack every browser test runs against: conf/dev/run (the script
// behind `make run`: nginx + gatehouse.fcgi with its demo users) on a free
// loopback port in a temporary folder, and Debian's Chromium driven by
// playwright-core. Not a test file itself (node --test runs *.test.mjs).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Screenshots kept by the tests (not in git; CI can keep them).
export const artifacts = path.join(repo, 'tests/artifacts');

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

// Start the stack and the browser: { base, browser, logins, admin(args, input), stop() }.
export async function startStack() {
  const varDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(path.join(repo, 'conf/dev/run'), [], {
    env: { ...process.env, VAR: varDir, PORT: String(port), WORKER: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForHealth(`${base}/healthz`, 20000);
  const logins = Object.fromEntries(
    [...fs.readFileSync(path.join(varDir, 'demo-logins.txt'), 'utf8').matchAll(/login: (\S+)\s+password: (\S+)/g)]
      .map((m) => [m[1], m[2]]));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  fs.mkdirSync(artifacts, { recursive: true });
  return {
    base,
    browser,
    logins,
    // The admin command line on this stack's configuration; its standard output.
    admin(args, input) {
      return execFileSync(path.join(repo, 'bin/gatehouse'),
        ['--config', path.join(varDir, 'gatehouse.conf'), ...args],
        { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] }).trim();
    },
    async stop() {
      await browser.close();
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
      fs.rmSync(varDir, { recursive: true, force: true });
    },
  };
}
