import { expectEventually, ManualClock, startServiceUnderTest, uniqueTestId, type ServiceUnderTest } from '@holdfast/testing';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/system/system-runner.mjs';
import { analyzerService } from '../services/impact-analyzer/src/app.module';
import { plannerService } from '../services/maintenance-planner/src/app.module';

/** Debian's chromium package; HOLDFAST_CHROMIUM names another build. Never downloaded. */
const CHROMIUM = process.env.HOLDFAST_CHROMIUM ?? '/usr/bin/chromium';
const INSTALL_HINT =
  "this spec drives a real headless Chromium and downloads none. Install Debian's package (sudo apt-get install -y --no-install-recommends chromium; npm test does as root) or set HOLDFAST_CHROMIUM to a Chromium binary.";
/** Gitignored, with .holdfast/: a CI job keeps the folder as its artifacts. */
const SCREENSHOTS = join(ROOT, '.holdfast/artifacts/calendar-page');

// Election night in Iran, 12 June 2009: 20:30 UTC is 01:00 on the 13th in Tehran, 13:30 in Los Angeles.
const NOW = '2009-06-12T20:30:00Z';

interface WindowView {
  windowId: string;
}

interface OccurrenceView {
  status: string;
}

/**
 * The week page at /calendar in a real headless Chromium, against the planner and the analyzer on
 * the real broker and PostgreSQL. Both run in this process so their clock can stand in June 2009;
 * the page's own clock (Playwright's) is paused there too and moved on by hand to fire its live refresh.
 */
describe('the calendar page in headless Chromium', () => {
  const clock = new ManualClock(NOW);
  let planner: ServiceUnderTest;
  let analyzer: ServiceUnderTest;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let routerWindow: string;

  const plan = async (body: object): Promise<string> => {
    const response = await planner.fetch('/v1/windows', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as WindowView).windowId;
  };
  const occurrences = async (windowId: string) => ((await (await planner.fetch(`/v1/windows/${windowId}/occurrences`)).json()) as { items: OccurrenceView[] }).items;
  /** A day of the grid (named by its date in the chosen zone, e.g. Friday, 12 June 2009, with or without the comma as the ICU build has it) and an occurrence card in it. */
  const card = (day: RegExp, name: RegExp) => page.getByRole('group', { name: day }).getByRole('article', { name });
  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  // document.activeElement (a string, as the spec has no DOM types): `:focus` misses a date input whose inner field has it.
  const focusedId = () => page.evaluate('document.activeElement && document.activeElement.id');
  /** Presses Tab until the control named `name` has the focus: it is reachable from the keyboard. */
  const tabTo = async (name: string, within = 60) => {
    for (let presses = 0; presses < within; presses++) {
      await page.keyboard.press('Tab');
      if ((await focusedId()) === name) return;
    }
    throw new Error(`#${name} was not reached with Tab in ${within} presses`);
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: ${INSTALL_HINT}`);
    // This run's screenshots only: a failure's shot from an earlier run would mislead.
    rmSync(SCREENSHOTS, { recursive: true, force: true });
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM }).catch((error: Error) => {
      throw new Error(`Chromium at ${CHROMIUM} did not start (${error.message.split('\n')[0]}): ${INSTALL_HINT}`, { cause: error });
    });
    // One topic prefix: the analyzer's surges reach this planner.
    const topicPrefix = `${uniqueTestId('calendar-page')}.`;
    [planner, analyzer] = await Promise.all([
      // A custom region: its code is lower-case by contract, and the page must keep it so.
      startServiceUnderTest(plannerService, { clock, topicPrefix, environment: { HOLDFAST_CUSTOM_REGIONS: JSON.stringify([{ code: 'eu-west', name: 'Western Europe', zones: ['Europe/Dublin', 'Europe/London'] }]) } }),
      // A region still learning its baseline decides on a ceiling: one sample above it is a surge.
      startServiceUnderTest(analyzerService, { clock, topicPrefix, environment: { ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupCeiling: 1_000 } }) } }),
    ]);
    routerWindow = await plan({
      title: 'Core router upgrade',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['IR'] },
      // 14:00 to 15:00 in Los Angeles (PDT) on 12 June 2009.
      startsAt: '2009-06-12T21:00:00Z',
      endsAt: '2009-06-12T22:00:00Z',
      plannedZone: 'America/Los_Angeles',
      priority: 'routine',
      surgePolicy: 'hold',
    });
    await plan({
      title: 'DNS failover drill',
      ownerTeam: 'dns',
      footprint: { global: true, regions: [] },
      startsAt: '2009-06-13T07:00:00Z',
      endsAt: '2009-06-13T08:00:00Z',
      plannedZone: 'Europe/Berlin',
      priority: 'important',
      surgePolicy: 'hold',
    });
    await plan({
      title: 'Payments database patch',
      ownerTeam: 'payments',
      footprint: { global: false, regions: ['US'] },
      startsAt: '2009-06-14T16:00:00Z',
      endsAt: '2009-06-14T17:00:00Z',
      plannedZone: 'America/Los_Angeles',
      priority: 'routine',
      surgePolicy: 'hold',
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Installed a little before NOW, as pauseAt only moves forward.
    await page.clock.install({ time: new Date(Date.parse(NOW) - 60_000) });
    await page.clock.pauseAt(new Date(NOW));
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) await page.screenshot({ path: join(SCREENSHOTS, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}.png`), fullPage: true });
  });

  afterAll(async () => {
    await browser?.close();
    await analyzer?.close();
    await planner?.close();
  });

  it('shows the windows the test created in the week, in the zone asked for, after the key is typed', async () => {
    await page.goto(`${planner.baseUrl}/calendar?zone=America/Los_Angeles`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to the hold forms');
    await tabTo('key', 1);
    await page.keyboard.type(planner.adminKey);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in America/Los_Angeles');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('America/Los_Angeles');
    await card(/^Friday,? 12 June 2009$/, /^14:00–15:00 Core router upgrade\. network-ops · IR · scheduled$/).waitFor();
    await card(/^Saturday,? 13 June 2009$/, /^00:00–01:00 DNS failover drill\. dns · global · scheduled$/).waitFor();
    await card(/^Sunday,? 14 June 2009$/, /^09:00–10:00 Payments database patch\. payments · US · scheduled$/).waitFor();
    expect(await page.getByRole('article').count()).toBe(3);
    await screenshot('1-week-los-angeles');
  });

  it('moves the 14:00 Los Angeles window to 01:30 the next day when the zone switch, reached with Tab, says Asia/Tehran', async () => {
    await page.getByLabel('API key').focus();
    await tabTo('zone');
    await page.keyboard.type('Asia/Tehran');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Asia/Tehran');
    await card(/^Saturday,? 13 June 2009$/, /^01:30–02:30 Core router upgrade/).waitFor();
    expect(await card(/^Friday,? 12 June 2009$/, /Core router upgrade/).count()).toBe(0);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in Asia/Tehran');
    await screenshot('2-week-tehran');
  });

  it("opens in the browser's own zone, an alias shown as the catalog names it (Asia/Calcutta as Asia/Kolkata) and a country's own zone as itself (Europe/Stockholm)", async () => {
    for (const [reported, shown] of [
      ['Asia/Calcutta', 'Asia/Kolkata'],
      ['Europe/Stockholm', 'Europe/Stockholm'],
    ]) {
      // A browser of its own: its zone is the one its ICU reports, and it has chosen none on the page yet.
      const context = await browser.newContext({ timezoneId: reported });
      const local = await context.newPage();
      local.on('pageerror', (error) => pageErrors.push(error.message));
      await local.clock.install({ time: new Date(Date.parse(NOW) - 60_000) });
      await local.clock.pauseAt(new Date(NOW));
      await local.goto(`${planner.baseUrl}/calendar`);
      expect(await local.evaluate('Intl.DateTimeFormat().resolvedOptions().timeZone')).toBe(reported);
      await local.getByLabel('API key').fill(planner.adminKey);
      await local.getByLabel('API key').press('Enter');
      await expect.poll(() => local.getByRole('status').textContent(), { timeout: 15_000 }).toBe(`Week of 2009-06-08 in ${shown}`);
      expect(await local.getByLabel('Time zone').inputValue()).toBe(shown);
      await context.close();
    }
  });

  it('turns the IR window held when a sample surges in IR, without a reload: the page asks again on its own', async () => {
    // A mark on this document: a reload would lose it.
    await page.evaluate('window.notReloaded = true');
    const intake = await analyzer.fetch('/v1/samples', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ samples: [{ region: 'IR', metric: 'requests', at: '2009-06-12T20:15:00Z', value: 5_000, source: 'calendar-page-spec' }] }),
    });
    expect(intake.status, await intake.clone().text()).toBe(202);
    await expectEventually(async () => expect((await occurrences(routerWindow))[0].status).toBe('held'), { message: 'the planner holds the IR window' });
    // Still as drawn: the page's clock is paused, so nothing has asked the planner again yet.
    expect(await card(/^Saturday,? 13 June 2009$/, /Core router upgrade/).getAttribute('data-status')).toBe('scheduled');
    // Five seconds of the page's time: its live refresh runs once.
    await page.clock.runFor(5_000);
    await card(/^Saturday,? 13 June 2009$/, /^01:30–02:30 Core router upgrade\. network-ops · IR · held\. Held \(detector\): Surge in IR: requests in IR reached 5000, at or above the warm-up ceiling 1000/).waitFor();
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await card(/^Saturday,? 13 June 2009$/, /Core router upgrade/).getAttribute('class')).toBe('occurrence held');
    // Until when, as far as anyone knows: a warm-up surge has no expected end.
    await page.locator('#gates [data-region="IR"]').filter({ hasText: /^IR: held: Surge in IR: requests in IR reached 5000.* \(until released\)$/ }).waitFor();
    // The hold lasts until the surge clears (a warm-up surge has no expected end): the global drill
    // later that night is held too; the US-only patch is not.
    await card(/^Saturday,? 13 June 2009$/, /^11:30–12:30 DNS failover drill\. dns · global · held\. Held \(detector\): Surge in IR/).waitFor();
    expect(await card(/^Sunday,? 14 June 2009$/, /Payments database patch/).getAttribute('data-status')).toBe('scheduled');
    expect(await page.getByRole('status').textContent()).toBe('Updated: week of 2009-06-08 in Asia/Tehran');
    await screenshot('3-surge-held-tehran');
  });

  it('declares a manual hold through the form, reached with Tab, and shows it on the window it holds', async () => {
    // Past however many occurrence cards the week has: the skip link (first in the Tab order), then the form.
    await page.getByRole('link', { name: 'Skip to the hold forms' }).focus();
    await page.keyboard.press('Enter');
    await tabTo('declareRegions', 1);
    await page.keyboard.type('US');
    await page.keyboard.press('Tab');
    expect(await focusedId()).toBe('declareFrom');
    await page.getByLabel('From (UTC)').fill('2009-06-14T12:00');
    await page.getByLabel('Until (UTC)').fill('2009-06-14T20:00');
    await page.getByRole('group', { name: 'Declare a manual hold' }).getByLabel('Reason').fill('quarter-end payments freeze');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Declare hold');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Hold declared.');
    const payments = card(/^Sunday,? 14 June 2009$/, /^20:30–21:30 Payments database patch\. payments · US · held\. Held \(manual\): quarter-end payments freeze/);
    await payments.waitFor();
    expect(await page.getByLabel('Hold', { exact: true }).locator('option').allTextContents()).toEqual(expect.arrayContaining(['US (manual): quarter-end payments freeze', expect.stringMatching(/^IR \(detector\): Surge in IR: requests in IR reached 5000/)]));
    await page.getByLabel('Time zone').selectOption('America/Los_Angeles');
    await card(/^Sunday,? 14 June 2009$/, /^09:00–10:00 Payments database patch\. .*\. Held \(manual\): quarter-end payments freeze/).waitFor();
    await screenshot('4-declared-hold-los-angeles');
  });

  it('draws a week that takes several pages of runs and holds whole, following each nextCursor', async () => {
    // The page asks for the planner's default page of runs; the planner is asked for one, so each run and hold is a page of its own.
    const asked: string[] = [];
    const runsAsked: string[] = [];
    await page.route(/\/v1\/(occurrences|holds|windows)\?/, async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('limit', '1');
      asked.push(`${url.pathname}${url.searchParams.has('cursor') ? ' (next page)' : ''}`);
      if (url.pathname === '/v1/occurrences') runsAsked.push(`${url.searchParams.get('from')} to ${url.searchParams.get('to')}`);
      await route.continue({ url: url.toString() });
    });
    try {
      await page.getByRole('button', { name: 'Show', exact: true }).click();
      // Three runs and two holds: each list's last page is the one without a nextCursor.
      await expect.poll(() => asked.filter((path) => path === '/v1/occurrences (next page)').length, { timeout: 15_000 }).toBe(2);
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in America/Los_Angeles');
      await card(/^Friday,? 12 June 2009$/, /^14:00–15:00 Core router upgrade\. .* held\. Held \(detector\): Surge in IR/).waitFor();
      await card(/^Saturday,? 13 June 2009$/, /^00:00–01:00 DNS failover drill\. .* held\. Held \(detector\): Surge in IR/).waitFor();
      await card(/^Sunday,? 14 June 2009$/, /^09:00–10:00 Payments database patch\. .* held\. Held \(manual\): quarter-end payments freeze/).waitFor();
      expect(await page.getByRole('article').count()).toBe(3);
      // One list of the week's runs (a day either side), not a list a window, nor the windows first.
      expect(asked.filter((path) => path === '/v1/occurrences')).toHaveLength(1);
      expect(asked.filter((path) => path.startsWith('/v1/windows'))).toEqual([]);
      expect(runsAsked.slice(0, 3)).toEqual(Array(3).fill('2009-06-07T00:00:00.000Z to 2009-06-16T00:00:00.000Z'));
      expect(asked.filter((path) => path === '/v1/holds (next page)')).toHaveLength(1);
    } finally {
      await page.unrouteAll();
    }
  });

  it('names every control and puts each in the Tab order', async () => {
    // Chromium's accessibility tree, as a screen reader gets it: every control has a name.
    const unnamed: string[] = [];
    for (const control of await page.locator('input, select, button').all()) {
      const [node] = (await control.ariaSnapshot()).split('\n');
      if (!/^- '?\w+ "[^"]+"/.test(node)) unnamed.push(`${node} (#${await control.getAttribute('id')})`);
    }
    expect(unnamed).toEqual([]);
    expect(pageErrors).toEqual([]);
    for (const [role, name] of [
      ['textbox', 'Team'],
      ['textbox', 'Region'],
      ['combobox', 'Time zone'],
      ['button', 'Previous week'],
      ['button', 'Next week'],
      ['button', 'Show'],
      ['button', 'Declare hold'],
      ['combobox', 'Hold'],
      ['button', 'Release hold'],
      ['combobox', 'Window'],
      ['button', 'Override'],
      ['link', 'Skip to the hold forms'],
    ] as const) {
      const control = page.getByRole(role, { name, exact: true });
      expect(await control.count(), `${role} "${name}"`).toBe(1);
      expect(await control.isEnabled(), `${role} "${name}" enabled`).toBe(true);
      expect(await control.getAttribute('tabindex'), `${role} "${name}" left in the Tab order`).toBeNull();
    }
  });

  // Last: it adds a window and a hold, which the counts above do not expect.
  it('keeps a custom region lower-case in ?region= and the hold form, and finds a country typed in lower case', async () => {
    await plan({
      title: 'Edge cache rollout',
      ownerTeam: 'cdn',
      footprint: { global: false, regions: ['eu-west'] },
      startsAt: '2009-06-13T09:00:00Z',
      endsAt: '2009-06-13T10:00:00Z',
      plannedZone: 'Europe/London',
      priority: 'routine',
      surgePolicy: 'hold',
    });
    // The key is kept for the tab: the page loads the week at once.
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-06-08&region=eu-west`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    await card(/^Saturday,? 13 June 2009$/, /^09:00–10:00 Edge cache rollout\. cdn · eu-west · scheduled$/).waitFor();
    // eu-west's own window and the global drill only.
    expect(await page.getByRole('article').count()).toBe(2);
    await page.locator('#gates [data-region="eu-west"]').filter({ hasText: 'eu-west: allowed' }).waitFor();

    await page.getByLabel('Regions').fill('eu-west');
    await page.getByLabel('From (UTC)').fill('2009-06-12T20:00');
    await page.getByLabel('Until (UTC)').fill('2009-06-13T12:00');
    await page.getByRole('group', { name: 'Declare a manual hold' }).getByLabel('Reason').fill('Dublin marathon');
    await page.getByRole('button', { name: 'Declare hold' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Hold declared.');
    await card(/^Saturday,? 13 June 2009$/, /^09:00–10:00 Edge cache rollout\. cdn · eu-west · held\. Held \(manual\): Dublin marathon$/).waitFor();
    await page.locator('#gates [data-region="eu-west"]').filter({ hasText: 'eu-west: held: Dublin marathon (until 2009-06-13 12:00)' }).waitFor();

    await page.getByLabel('Region', { exact: true }).fill('ir');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    await card(/^Friday,? 12 June 2009$/, /^21:00–22:00 Core router upgrade\. network-ops · IR · held/).waitFor();
    expect(await page.getByRole('article').count()).toBe(2);
    // Asked once, as the catalog spells it.
    expect(await page.locator('#gates [data-region]').evaluateAll((badges) => badges.map((badge) => badge.getAttribute('data-region')))).toEqual(['IR', 'US', 'eu-west']);
    expect(pageErrors).toEqual([]);
    await screenshot('5-custom-region');
  });

  // After the others: it plans many windows, which their counts do not expect.
  it('paces its live refresh on a busy week within 300 requests a minute, and waits out a 429 before asking again', async () => {
    // 60 windows in the week: each refresh reads their runs (one page), the holds and the gates.
    await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        plan({
          title: `Rolling patch ${index + 1}`,
          ownerTeam: 'fleet',
          footprint: { global: false, regions: ['DE'] },
          startsAt: `2009-06-1${3 + (index % 2)}T0${index % 8}:00:00Z`,
          endsAt: `2009-06-1${3 + (index % 2)}T0${index % 8}:30:00Z`,
          plannedZone: 'UTC',
          priority: 'routine',
          surgePolicy: 'hold',
        }),
      ),
    );
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-06-08`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    let inFlight = 0;
    const asked: number[] = [];
    const answered = () => (inFlight -= 1);
    page.on('request', () => {
      inFlight += 1;
      asked.push(1);
    });
    page.on('requestfinished', answered);
    page.on('requestfailed', answered);
    /** The page's clock moved on in steps of 5 s (its shortest live interval), each refresh it fires answered before the next step. */
    const runPageFor = async (ms: number) => {
      for (let moved = 0; moved < ms; moved += 5_000) {
        await page.clock.runFor(5_000);
        await expect.poll(() => inFlight, { timeout: 15_000, interval: 50 }).toBe(0);
      }
    };
    try {
      await runPageFor(60_000);
      // One refresh is a page of runs, the holds and the gates: a few requests, so one every 5 s (12 a minute) stays well within 300.
      const perRefresh = 3;
      expect(asked.length).toBeGreaterThanOrEqual(12 * perRefresh);
      expect(asked.length).toBeLessThanOrEqual(300);

      // The planner answers the next refresh's first request with a 429: nothing more is asked until its Retry-After has passed.
      let refused = false;
      await page.route(/\/v1\/occurrences\?/, async (route) => {
        if (refused) return route.continue();
        refused = true;
        await route.fulfill({
          status: 429,
          headers: { 'content-type': 'application/problem+json', 'retry-after': '120' },
          body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'Key hf_x sent more than 1200 requests in a minute; retry in 120 s.' }),
        });
      });
      await expect.poll(async () => { await runPageFor(5_000); return refused; }, { timeout: 30_000 }).toBe(true);
      await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toMatch(/retry in 120 s\. Live updates resume in 120 s\.$/);
      const whenRefused = asked.length;
      await runPageFor(110_000);
      expect(asked.length).toBe(whenRefused);
      await runPageFor(15_000);
      // Polled: Playwright tells of a request the page sent a moment after, and runPageFor's wait for nothing in flight can come first.
      await expect.poll(() => asked.length, { timeout: 5_000 }).toBeGreaterThan(whenRefused);
      expect(pageErrors).toEqual([]);
    } finally {
      page.removeAllListeners('request');
      page.removeAllListeners('requestfinished');
      page.removeAllListeners('requestfailed');
      await page.unrouteAll();
    }
  });

  // The link a Slack, Grafana or Alertmanager message gives: the planner's explanation, read with the key typed in the page.
  it("opens a window's link on why it is held, on the week of its held run, with the window ready to override", async () => {
    await page.goto(`${planner.baseUrl}/calendar?window=${routerWindow}&zone=Asia/Tehran`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in Asia/Tehran');
    const why = page.getByRole('region', { name: 'Why is "Core router upgrade" held?' });
    await why.waitFor();
    expect(await why.getByRole('paragraph').first().textContent()).toBe('Team network-ops · IR · held');
    const cause = why.getByRole('article');
    expect(await cause.count()).toBe(1);
    // Its surge's reason and latest evidence, dated by its sample, the run it holds with its start, from the sample's time in Tehran (20:15 UTC), until the surge clears.
    expect(await cause.getAttribute('aria-label')).toMatch(
      /^A traffic surge in IR \(critical\)\. requests in IR reached 5000, at or above the warm-up ceiling 1000 \(the seasonal baseline is still learning\)\. Latest evidence, 2009-06-13 00:45 \(Asia\/Tehran\): observed 5,000 against a usual 1,000\. Holds its run 1 \(2009-06-13 01:30\) from 2009-06-13 00:45 until it is released \(Asia\/Tehran\)\. Hold [0-9a-f-]{36}$/,
    );
    expect(await page.getByLabel('Window', { exact: true }).inputValue()).toBe(routerWindow);
    await screenshot('6-why-held-tehran');

    // A window no hold ever held, weeks ahead: the page opens on the week of its next run, in the zone
    // shown: Sunday 21 June 21:00 UTC is Monday 22 June 01:30 in Tehran, a week later than in UTC.
    const later = await plan({
      title: 'Firewall rules refresh',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['DE'] },
      startsAt: '2009-06-21T21:00:00Z',
      endsAt: '2009-06-21T22:00:00Z',
      plannedZone: 'Europe/Berlin',
      priority: 'routine',
      surgePolicy: 'hold',
    });
    await page.goto(`${planner.baseUrl}/calendar?window=${later}&zone=Asia/Tehran`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-22 in Asia/Tehran');
    await page.getByRole('region', { name: '"Firewall rules refresh" is not held' }).getByText('No hold has ever held it.').waitFor();
    await card(/^Monday,? 22 June 2009$/, /^01:30–02:30 Firewall rules refresh\. network-ops · DE · scheduled$/).waitFor();

    // A link that names no window, or one that does not exist: said so, and the week is drawn all the same.
    await page.goto(`${planner.baseUrl}/calendar?window=not-an-id&zone=UTC&week=2009-06-08`);
    await page.getByText('The link names no window: "not-an-id" is not a window id').waitFor();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    const unknown = '0190a7d1-0000-7abc-8def-0123456789ab';
    await page.goto(`${planner.baseUrl}/calendar?window=${unknown}&zone=UTC`);
    await page.getByText(`Could not read window ${unknown}: `).waitFor();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    expect(pageErrors).toEqual([]);
  });

  it('shows this week for a week that is no date, or none, and the week holding a day that is no Monday', async () => {
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-13-45`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('week=2009-13-45 is no date (YYYY-MM-DD), so this week is shown. Week of 2009-06-08 in UTC');
    await card(/^Friday,? 12 June 2009$/, /Core router upgrade/).waitFor();
    await page.getByLabel('Week of').fill('');
    await page.getByRole('button', { name: 'Next week', exact: true }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('No week was chosen, so this week is shown. Week of 2009-06-15 in UTC');
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-06-10`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    expect(await page.getByLabel('Week of').inputValue()).toBe('2009-06-08');
    // A team typed in capitals is the team: names are lower case.
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-06-08&team=DNS`);
    await card(/^Saturday,? 13 June 2009$/, /DNS failover drill\. dns · global/).waitFor();
    // A week nothing runs in says so, with the filters that left it empty.
    await page.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-08-03&team=DNS`);
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-08-03 in UTC: no window runs in it for team dns');
    // Nothing chosen in the hold forms until a person chooses: Enter must not release whatever came first.
    expect(await page.getByLabel('Hold', { exact: true }).inputValue()).toBe('');
    expect((await page.getByLabel('Hold', { exact: true }).locator('option').allTextContents())[0]).toBe('Choose a hold');
    expect(pageErrors).toEqual([]);
  });

  it("opens on this week as the browser's zone has it: Monday 01:00 in Auckland is still Sunday in UTC", async () => {
    const context = await browser.newContext({ timezoneId: 'Pacific/Auckland' });
    const local = await context.newPage();
    local.on('pageerror', (error) => pageErrors.push(error.message));
    await local.clock.install({ time: new Date('2009-06-14T12:00:00Z') });
    await local.clock.pauseAt(new Date('2009-06-14T13:00:00Z'));
    await local.goto(`${planner.baseUrl}/calendar`);
    await local.getByLabel('API key').fill(planner.adminKey);
    await local.getByLabel('API key').press('Enter');
    await expect.poll(() => local.getByRole('status').textContent(), { timeout: 15_000 }).toMatch(/^Week of 2009-06-15 in Pacific\/Auckland/);
    await context.close();
  });

  it('reads on a phone without scrolling sideways: the days one under another, the forms within the screen', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 } });
    phone.on('pageerror', (error) => pageErrors.push(error.message));
    await phone.clock.install({ time: new Date(Date.parse(NOW) - 60_000) });
    await phone.clock.pauseAt(new Date(NOW));
    await phone.goto(`${planner.baseUrl}/calendar?zone=UTC&week=2009-06-08`);
    await phone.getByLabel('API key').fill(planner.adminKey);
    await phone.getByLabel('API key').press('Enter');
    await expect.poll(() => phone.getByRole('status').textContent(), { timeout: 15_000 }).toBe('Week of 2009-06-08 in UTC');
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
    await phone.screenshot({ path: join(SCREENSHOTS, '7-phone.png'), fullPage: true });
    await phone.close();
  });

  it('asks for the key when a link is opened in a tab that has none', async () => {
    const context = await browser.newContext();
    const fresh = await context.newPage();
    await fresh.goto(`${planner.baseUrl}/calendar?window=${routerWindow}`);
    await fresh.getByText('Type an API key above and press Enter to see why this window is held.').waitFor();
    await fresh.getByLabel('API key').fill(planner.adminKey);
    await fresh.getByLabel('API key').press('Enter');
    await fresh.getByRole('region', { name: 'Why is "Core router upgrade" held?' }).waitFor();
    await context.close();
  });

  // Last: it lets the held window through, which the tests above do not expect.
  it("says who let a held window's run through its hold, and why, and that it runs despite the hold", async () => {
    const override = await planner.fetch(`/v1/windows/${routerWindow}/override`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'the router fix cannot wait', occurrence: 1 }),
    });
    expect(override.status, await override.clone().text()).toBe(200);
    await page.goto(`${planner.baseUrl}/calendar?window=${routerWindow}&zone=Asia/Tehran`);
    const why = page.getByRole('region', { name: '"Core router upgrade" runs despite a hold' });
    await why.getByText('A hold in force on its regions lets its runs through, by an override:').waitFor();
    expect(await why.getByRole('article').getAttribute('aria-label')).toMatch(
      // The run named by its start too, from the override's entry: a later change of the window's times would number its runs anew.
      /^A traffic surge in IR \(critical\), in force, its runs let through\. .*\. Run 1 \(2009-06-13 01:30\) let through by [^ ]+ 2009-06-13 \d\d:\d\d \(Asia\/Tehran\): the router fix cannot wait\. Hold [0-9a-f-]{36}$/,
    );
    expect(await why.getByRole('article').getAttribute('class')).toBe('cause overridden');
    expect(pageErrors).toEqual([]);
  });

  it("says a notify-only window's run falls in a hold it runs through, which its scheduled status alone does not", async () => {
    await plan({
      title: 'CDN cache purge',
      ownerTeam: 'edge',
      footprint: { global: false, regions: ['IR'] },
      startsAt: '2009-06-13T03:00:00Z',
      endsAt: '2009-06-13T03:30:00Z',
      plannedZone: 'Asia/Tehran',
      priority: 'routine',
      surgePolicy: 'notify-only',
    });
    // A key of its own: the busy week above spent the admin key's requests for this minute.
    const created = await planner.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'edge', scopes: ['read'], name: 'week page' }) });
    expect(created.status, await created.clone().text()).toBe(201);
    await page.goto(`${planner.baseUrl}/calendar?zone=Asia/Tehran&week=2009-06-08`);
    await page.getByLabel('API key').fill(((await created.json()) as { key: string }).key);
    await page.getByLabel('API key').press('Enter');
    const purge = card(/^Saturday,? 13 June 2009$/, /CDN cache purge/);
    await expect
      .poll(() => purge.getAttribute('aria-label'))
      .toMatch(/^07:30–08:00 CDN cache purge\. edge · IR · scheduled\. Runs through a hold, notify-only \(detector\): Surge in IR: requests in IR reached 5000/);
    expect(await purge.getAttribute('class')).toBe('occurrence flagged');
    // Only a notify-only window is flagged so: the router window, let through the same hold by an override above, is not.
    expect(await card(/^Saturday,? 13 June 2009$/, /Core router upgrade/).getAttribute('class')).toBe('occurrence');
    expect(pageErrors).toEqual([]);
  });
});
