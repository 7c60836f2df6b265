// The browsers console_test.mjs runs in, behind one small page API, so that
// the same scenario drives both:
//   chromium  Debian's /usr/bin/chromium through playwright-core (CDP);
//   firefox   Debian's /usr/bin/firefox-esr through puppeteer-core over
//             WebDriver BiDi (playwright-core drives only its own patched
//             Firefox build, which is not a Debian package).
// Each launch gives the page a fake microphone, allows autoplay, uses a
// fresh profile under `tmp` and keeps the browser off the network except
// for the server under test. `mic` says what that microphone sends, for the
// talkback check: Chromium plays a WAV file the test writes (a tone shaped
// like syllables); Firefox's fake device plays no files: it is a steady sine
// whose frequency is a preference, set to the WAV's tone.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../web/node_modules');

export const EXECUTABLES = { chromium: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };
const VIEWPORT = { width: 1280, height: 860 };

// ---- Chromium (playwright-core) -------------------------------------------

class PlaywrightPage {
  constructor(page) {
    this.page = page;
  }

  onLog(fn) {
    this.page.on('pageerror', (err) => fn('page error', err.message));
    this.page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') fn(`page ${m.type()}`, m.text());
    });
  }

  goto(url) { return this.page.goto(url); }
  reload() { return this.page.reload(); }
  url() { return this.page.url(); }
  evaluate(fn) { return this.page.evaluate(fn); }
  waitVisible(sel, timeout = 30000) {
    return this.page.locator(sel).waitFor({ state: 'visible', timeout });
  }
  text(sel) { return this.page.locator(sel).textContent(); }
  fill(sel, value) { return this.page.fill(sel, value); }
  click(sel) { return this.page.click(sel); }
  select(sel, value) { return this.page.selectOption(sel, value); }
  press(key) { return this.page.keyboard.press(key); }
  keyDown(key) { return this.page.keyboard.down(key); }
  keyUp(key) { return this.page.keyboard.up(key); }
  pressIn(sel, key) { return this.page.press(sel, key); }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  waitForFunction(fn, arg, timeout = 30000) {
    return this.page.waitForFunction(fn, arg, { timeout });
  }
  beforeScripts(fn) { return this.page.addInitScript(fn); }
  screenshot(file) { return this.page.screenshot({ path: file }); }
  close() { return this.page.close(); }
}

async function launchChromium({ tmp, mic }) {
  const { chromium } = await import(path.join(modules, 'playwright-core/index.mjs'));
  const userData = fs.mkdtempSync(path.join(tmp, 'chromium-'));
  const context = await chromium.launchPersistentContext(userData, {
    executablePath: EXECUTABLES.chromium,
    headless: true,
    viewport: VIEWPORT,
    args: ['--no-sandbox', '--disable-background-networking', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${mic.wav}`,
      '--autoplay-policy=no-user-gesture-required'],
  });
  return {
    name: 'chromium',
    steadyMic: false,  // the WAV's syllables, through noise suppression
    async firstPage() {
      return new PlaywrightPage(context.pages()[0] || await context.newPage());
    },
    async newPage() { return new PlaywrightPage(await context.newPage()); },
    close() { return context.close(); },
  };
}

// ---- Firefox (puppeteer-core, WebDriver BiDi) -------------------------------

class PuppeteerPage {
  constructor(page) {
    this.page = page;
  }

  onLog(fn) {
    this.page.on('pageerror', (err) => fn('page error', err.message));
    this.page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warn') fn(`page ${m.type()}`, m.text());
    });
  }

  goto(url) { return this.page.goto(url); }
  reload() { return this.page.reload(); }
  url() { return this.page.url(); }
  evaluate(fn) { return this.page.evaluate(fn); }
  waitVisible(sel, timeout = 30000) {
    return this.page.waitForSelector(sel, { visible: true, timeout });
  }
  async text(sel) {
    await this.page.waitForSelector(sel);
    return this.page.$eval(sel, (e) => e.textContent);
  }
  fill(sel, value) { return this.page.locator(sel).fill(value); }
  click(sel) { return this.page.locator(sel).click(); }
  async select(sel, value) {
    await this.page.waitForSelector(sel);
    return this.page.select(sel, value);
  }
  press(key) { return this.page.keyboard.press(key); }
  keyDown(key) { return this.page.keyboard.down(key); }
  keyUp(key) { return this.page.keyboard.up(key); }
  async pressIn(sel, key) { return (await this.page.waitForSelector(sel)).press(key); }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  waitForFunction(fn, arg, timeout = 30000) {
    return this.page.waitForFunction(fn, { timeout }, arg);
  }
  beforeScripts(fn) { return this.page.evaluateOnNewDocument(fn); }
  screenshot(file) { return this.page.screenshot({ path: file }); }
  close() { return this.page.close(); }
}

async function launchFirefox({ tmp, mic }) {
  const { default: puppeteer } = await import(
    path.join(modules, 'puppeteer-core/lib/esm/puppeteer/puppeteer-core.js'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: EXECUTABLES.firefox,
    headless: true,
    userDataDir: fs.mkdtempSync(path.join(tmp, 'firefox-')),
    defaultViewport: VIEWPORT,
    extraPrefsFirefox: {
      // The fake microphone, granted without a prompt.
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      'media.navigator.audio.fake_frequency': mic.toneHz,
      // Audio plays without a user gesture.
      'media.autoplay.default': 0,
      'media.autoplay.blocking_policy': 0,
      // A sound card without the card: Firefox's mock audio backend. With
      // no output device (a build machine has none) an AudioContext's
      // resume() never settles in Firefox (Chromium falls back to a fake
      // output of its own), and Firefox's ALSA backend did not take the
      // CLI tests' paced ALSA plugin. The mock's clock sleeps 10 ms between
      // 10 ms blocks, so it runs a few percent slow, more under load: the
      // page's jitter buffer drops the surplus of the program, and the
      // talkback check measures the tone in 10 ms pieces.
      'media.cubeb.force_mock_context': true,
      // No network services (puppeteer's profile already turns off updates,
      // safe browsing, telemetry uploads and the like).
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'network.dns.disablePrefetch': true,
      'network.predictor.enabled': false,
      'browser.region.network.url': '',
      'browser.region.update.enabled': false,
      'media.gmp-gmpopenh264.enabled': false,
      'toolkit.telemetry.enabled': false,
      'toolkit.telemetry.server': '',
      'app.normandy.enabled': false,
      'messaging-system.rsexperimentloader.enabled': false,
    },
  });
  return {
    name: 'firefox',
    steadyMic: true,
    async firstPage() {
      const [page] = await browser.pages();
      if (!page) return new PuppeteerPage(await browser.newPage());
      await page.setViewport(VIEWPORT);  // defaultViewport applies to new pages only
      return new PuppeteerPage(page);
    },
    async newPage() { return new PuppeteerPage(await browser.newPage()); },
    close() { return browser.close(); },
  };
}

// Launches `name` ('chromium' or 'firefox'). `mic`: { wav, toneHz }, the
// WAV file Chromium's fake microphone plays and its tone, which Firefox's
// fake microphone plays as a steady sine.
export function launch(name, opts) {
  if (name === 'chromium') return launchChromium(opts);
  if (name === 'firefox') return launchFirefox(opts);
  throw new Error(`unknown browser ${name}`);
}
