/**
 * Debian's Chromium, headless, driven through playwright-core (no browser download): a fresh
 * profile per run, the flags that keep it from reaching for the network by itself, and a
 * record of every request its pages make and every error they log.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BONDFW_CHROMIUM ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium phones home (updates, sync, field trials). */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch {
    return `${CHROMIUM} not found (apt-get install chromium; .ci/run installs it)`;
  }
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL the pages asked for: documents, scripts, styles, images, fetches, WebSockets. */
  requests: string[];
  /** Console errors and uncaught exceptions of the pages. */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(dir: string, viewport = { width: 1280, height: 900 }): Promise<Browser> {
  // launchPersistentContext passes the fresh profile as --user-data-dir.
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
    colorScheme: 'light',
  });
  const requests: string[] = [];
  const problems: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const watch = (p: Page) => {
    p.on('websocket', (ws) => requests.push(ws.url()));
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };
  context.on('page', watch);
  const first = context.pages()[0];
  if (first) watch(first); // there before the listener was
  const page = first ?? (await context.newPage());
  return { context, page, requests, problems, close: () => context.close() };
}
