// Remakes the README's pictures (docs/screenshots/*.png): the Teams flow in the Microsoft 365 Agents
// Playground and the console demo, with Playwright driving Debian's Chromium. Not part of CI.
//
// Needs: Redis on REDIS_URL (default redis://127.0.0.1:6379/0), the project's venv, and, outside the repo:
//   apt-get install -y chromium fonts-noto-color-emoji
//   mkdir -p /tmp/shots && cd /tmp/shots && npm init -y \
//     && npm install @microsoft/m365agentsplayground@0.2.28 playwright-core@1.65.1
// Run from the repository root:
//   SHOTS_NODE_MODULES=/tmp/shots/node_modules PYTHON=.venv/bin/python node scripts/screenshots.mjs
//
// It starts its own `missionbot worker` and `missionbot serve --teams-dev-anonymous` (a key prefix of their
// own, a copy of worker_configs/ with the Playground's second user, Megan Bowen, `user-id-1`, as an approver
// of support-triage), the Playground, and Chromium; Alex Wilber (`user-id-0`) asks, Megan approves, and every
// process it started is stopped at the end.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const MODULES = process.env.SHOTS_NODE_MODULES || '/tmp/shots/node_modules';
const require = createRequire(join(MODULES, 'noop.js'));
const { chromium } = require('playwright-core');
const PYTHON = process.env.PYTHON || join(ROOT, '.venv/bin/python');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = join(ROOT, 'docs/screenshots');
const BOT_PORT = Number(process.env.SHOTS_BOT_PORT || 3978);
const PLAYGROUND_PORT = Number(process.env.SHOTS_PLAYGROUND_PORT || 56150);
const REQUEST = 'support-triage: ESC-1042 credit please';
const MEGAN = { id: 'user-id-1', name: 'Megan Bowen', aadObjectId: '00000000-0000-0000-0000-0000000000021' };
const TENANT = '00000000-0000-0000-0000-0000000000001';

const scratch = mkdtempSync(join(tmpdir(), 'missionbot-shots-'));
const started = [];

function start(name, command, args, env, cwd = ROOT) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  started.push({ name, child, log });
  return { child, log };
}

async function until(what, check, seconds = 60) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stopAll() {
  for (const { child } of started.reverse()) if (child.exitCode === null) child.kill('SIGTERM');
}

// A copy of the configs where Megan may approve support-triage's proposals (Alex asks: four-eyes holds).
function configs() {
  const dir = join(scratch, 'worker_configs');
  cpSync(join(ROOT, 'worker_configs'), dir, { recursive: true });
  cpSync(join(ROOT, 'knowledge'), join(scratch, 'knowledge'), { recursive: true });
  const file = join(dir, 'support-triage.yml');
  const text = readFileSync(file, 'utf8');
  const patched = text.replace(/^(  approvers: \[)(.*)\]$/m, `$1$2, ${MEGAN.id}]`);
  if (patched === text) throw new Error('could not add user-id-1 to support-triage approvers');
  writeFileSync(file, patched);
  return dir;
}

// The Playground opens a browser itself; a no-op xdg-open keeps it from failing on a headless machine.
function quietOpen() {
  const bin = join(scratch, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'xdg-open'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return bin;
}

async function consoleShot(browser, env) {
  const demoEnv = { ...process.env, ...env, MISSIONBOT_KEY_PREFIX: `${env.MISSIONBOT_KEY_PREFIX}-demo` };
  delete demoEnv.MISSIONBOT_CONFIG_DIR; // the shipped configs, not the Playground's copy
  const text = execFileSync(PYTHON, ['-m', 'bot.cli', 'demo', '--script'], { cwd: ROOT, env: demoEnv, encoding: 'utf8' });
  // The first four steps of the story: request, thread, card, approval, execution, verdict.
  const story = text.split('\n').filter((l) => !l.startsWith('missionbot demo:'));
  const end = story.findIndex((l) => l.startsWith('━━ 5.'));
  const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const page = await browser.newPage({ viewport: { width: 1400, height: 400 } });
  await page.setContent(
    `<body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:16px;color:#ddd;` +
      `font:13px/1.45 'DejaVu Sans Mono',monospace;white-space:pre-wrap">` +
      `$ missionbot demo --script\n${escape(story.slice(0, end).join('\n'))}</pre></body>`,
  );
  await page.screenshot({ path: join(OUT, 'console.png'), fullPage: true });
  await page.close();
}

async function customActivity(page, build) {
  await page.getByText('Mock an Activity').click();
  await page.getByRole('menuitem', { name: 'Custom activity' }).click();
  const editor = page.locator('[role=dialog] .monaco-editor').first();
  await editor.waitFor();
  const template = await page.locator('[role=dialog] .view-lines').innerText();
  const pick = (re) => (template.replace(/\u00a0/g, ' ').match(re) || [])[1];
  const activity = build({
    serviceUrl: pick(/"serviceUrl":\s*"([^"]+)"/),
    conversation: pick(/"conversation":\s*\{\s*"id":\s*"([^"]+)"/),
  });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(activity)); // one line: the editor would indent each new one
  await page.keyboard.press('Shift+Control+End'); // a bracket the editor closed by itself
  await page.keyboard.press('Delete');
  await page.getByRole('button', { name: 'Send activity' }).click();
}

function approveAs(user, proposalId) {
  return ({ serviceUrl, conversation }) => ({
    type: 'invoke',
    name: 'adaptiveCard/action',
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: user,
    recipient: { id: '00000000-0000-0000-0000-00000000000011', name: 'Test Bot' },
    conversation: { id: conversation, conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    value: {
      action: { type: 'Action.Execute', verb: 'mb_approve', data: { proposal_id: proposalId, mb_verb: 'mb_approve' } },
      trigger: 'manual',
    },
  });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const env = {
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    MISSIONBOT_KEY_PREFIX: `shots-${process.pid}`,
    MISSIONBOT_CONFIG_DIR: configs(),
    MISSIONBOT_TEAMS: '1',
    PYTHONPATH: ROOT,
  };
  start('worker', PYTHON, ['-m', 'bot.cli', 'worker', '--insecure-audit-key'], env);
  const serve = start('serve', PYTHON, ['-m', 'bot.cli', 'serve', '--teams-dev-anonymous', '--insecure-audit-key', '--port', String(BOT_PORT)], env);
  await until('serve', () => serve.log.join('').includes('serving on'));
  const playground = start(
    'playground',
    join(MODULES, '.bin/agentsplayground'),
    ['start', '-e', `http://127.0.0.1:${BOT_PORT}/api/messages`, '-c', 'msteams', '-p', String(PLAYGROUND_PORT), '--dt'],
    { PATH: `${quietOpen()}:${process.env.PATH}` },
    scratch, // it writes devTools/ where it runs
  );
  await until('the Playground', () => playground.log.join('').includes(`Listening on ${PLAYGROUND_PORT}`));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`http://127.0.0.1:${PLAYGROUND_PORT}`, { waitUntil: 'networkidle' });
    await page.getByText('Personal Chat').first().click();
    const box = page.getByRole('textbox').last();
    await box.fill(REQUEST);
    await box.press('Enter');
    const card = page.locator('.ac-adaptiveCard').filter({ hasText: 'Approval needed' }).last();
    await card.waitFor({ timeout: 120_000 });
    await page.getByText(/awaiting approval by/).last().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(OUT, 'teams-request-thread.png') });
    await card.screenshot({ path: join(OUT, 'teams-card.png') });

    const reject = card.getByRole('button', { name: /Reject/ });
    if (await reject.count()) {
      await reject.first().click();
      await page.waitForTimeout(800);
      await card.screenshot({ path: join(OUT, 'teams-reject-form.png') });
      await reject.first().click(); // folds the form again
    } else {
      console.log('no Reject… button on the card for this user: teams-reject-form.png not made');
    }

    const mission = ((await card.innerText()).match(/mission (M-[A-Z0-9]+)/) || [])[1];
    if (!mission) throw new Error('no mission id on the card');
    await customActivity(page, approveAs(MEGAN, `${mission}-s5`)); // support-triage proposes at step 5
    const decided = page.locator('.ac-adaptiveCard').filter({ hasText: /Approved and executed|Executed/ }).last();
    await decided.waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1500);
    await decided.screenshot({ path: join(OUT, 'teams-approved.png') });
    await page.screenshot({ path: join(OUT, 'teams-approved-thread.png') });

    await consoleShot(browser, env);
    console.log(`screenshots in ${OUT}`);
  } catch (err) {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: join(scratch, 'failed.png') });
    console.error(`the page when it failed: ${join(scratch, 'failed.png')}`);
    throw err;
  } finally {
    await browser.close();
  }
}

main()
  .catch((err) => {
    console.error(err);
    for (const { name, log } of started) console.error(`--- ${name} (last lines)\n${log.join('').split('\n').slice(-15).join('\n')}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
