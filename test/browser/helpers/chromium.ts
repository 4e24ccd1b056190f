import { accessSync, constants } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { npmChromium } from './npm-chromium.ts';

/**
 * Chromium driven by playwright-core (`npx playwright install` cannot download a browser here):
 * `KILN_CHROMIUM` if set (a path, or `npm` for the one npm ships), else Debian's at
 * /usr/bin/chromium when it is there, else the one the devDependency `@sparticuz/chromium` ships
 * (so `npm ci && npm test` needs no browser installed).
 */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Which Chromium a launch uses, and what its process needs in its environment. */
export interface ChromiumBinary {
  executablePath: string;
  env: Record<string, string>;
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium to use on this machine (see above). */
export async function findChromium(choice = process.env.KILN_CHROMIUM): Promise<ChromiumBinary> {
  if (choice === 'npm') return npmChromium();
  if (choice) {
    if (!isExecutable(choice)) throw new Error(`KILN_CHROMIUM names ${choice}, which is not an executable`);
    return { executablePath: choice, env: {} };
  }
  if (isExecutable(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, env: {} };
  return npmChromium();
}

/** A fresh browser context (no cookies, storage or cache of another), and how to close it. */
export interface Chromium {
  context: BrowserContext;
  /** The binary it runs. */
  executablePath: string;
  close(): Promise<void>;
}

/**
 * One Chromium for the whole browser round (the worker keeps its modules from file to file:
 * vitest.browser.config.ts): launching one took about 2 s of a file's setup. Each file gets a
 * context of its own, which shares no cookies, storage or cache with another.
 */
let shared: Promise<Launched> | undefined;

interface Launched {
  browser: Browser;
  executablePath: string;
}

async function sharedBrowser(): Promise<Launched> {
  const running = await shared?.catch(() => undefined);
  if (running?.browser.isConnected()) return running;
  shared = findChromium().then(launch);
  return shared;
}

async function launch({ executablePath, env }: ChromiumBinary): Promise<Launched> {
  // Playwright ends the browser when this process exits.
  const browser = await chromium.launch({
    executablePath,
    env: { ...process.env, ...env },
    headless: true,
    args: ARGS,
  });
  return { browser, executablePath };
}

/**
 * A fresh browser context with a viewport of `width` x `height`: in the shared Chromium, or in
 * one of its own started from `binary`, ended by close().
 */
export async function launchChromium(
  viewport = { width: 1280, height: 900 },
  binary?: ChromiumBinary,
): Promise<Chromium> {
  const own = binary ? await launch(binary) : undefined;
  const { browser, executablePath } = own ?? (await sharedBrowser());
  const context = await browser
    .newContext({
      viewport,
      // The story reads English text and dates. Fixed here, not taken from LANG: with LANG=C the
      // headless shell npm ships reports the locale "en-US@posix", on which Intl throws.
      locale: 'en-US',
      timezoneId: process.env.TZ || undefined,
    })
    .catch(async (error: unknown) => {
      await own?.browser.close();
      throw error;
    });
  return {
    context,
    executablePath,
    async close() {
      await context.close();
      await own?.browser.close();
    },
  };
}

/** The page's document, as the init script below sees it (this file is compiled without the DOM). */
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};

/**
 * Collects into `violations` whatever the Content-Security-Policy blocks on any page of `context`
 * (Chromium reports each on the console as well as with the event).
 */
export async function watchCsp(context: BrowserContext, violations: string[]): Promise<void> {
  context.on('console', (message) => {
    if (/Content Security Policy|csp-violation/i.test(message.text())) violations.push(message.text());
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`csp-violation ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

/** A new page of the dashboard at `url`, signed in as admin. */
export async function signedInPage(context: BrowserContext, url: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  return page;
}
