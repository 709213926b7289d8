// The HTML report: static checks in Node, then the real thing in headless Chromium (Debian `chromium` driven by
// playwright-core; no browser download). Without /usr/bin/chromium the browser tests are reported as skipped with
// the reason in their names.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffRuns } from '../diff';
import { HOSTILE, hostileReport, makeReport, multiProfileReport, multiProfileResults, sampleReport, sampleResults, TWIN_ID } from '../test-fixtures';
import { renderHtml } from './page';

const CHROMIUM = process.env.CERTGATE_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const needsChromium = hasChromium ? '' : `SKIPPED, no Chromium at ${CHROMIUM} (Debian package chromium): `;
const dir = mkdtempSync(join(tmpdir(), 'certgate-html-'));

const dataBlock = (html: string) => {
  const m = /<script type="application\/json" id="certgate-data">([\s\S]*?)<\/script>/.exec(html);
  return JSON.parse(m![1]!) as { report: unknown; view: { tier: string }[] };
};

describe('HTML report (static)', () => {
  it('embeds the run as JSON that parses back to the same report, hostile strings included', () => {
    const report = hostileReport();
    expect(dataBlock(renderHtml(report)).report).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('never lets a scenario string close a tag: no raw hostile markup anywhere in the page', () => {
    const html = renderHtml(hostileReport());
    expect(html).not.toContain(HOSTILE.script);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold</b>');
    // Exactly the two script elements the page owns.
    expect(html.match(/<script[\s>]/g)).toHaveLength(2);
  });

  it('pins its one inline script and stylesheet by hash in the Content-Security-Policy', () => {
    const html = renderHtml(sampleReport());
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
  });

  it('a run under several profiles has one cell per scenario × profile, each naming its profile', () => {
    const report = multiProfileReport();
    const html = renderHtml(report);
    const cells = [...html.matchAll(/<button type="button" class="cell [^"]*" data-i="(\d+)" title="([^"]*)">(.*?)<\/button>/g)];
    expect(cells).toHaveLength(report.results.length);
    const twins = cells.filter((c) => c[2]!.startsWith(`${TWIN_ID} under `));
    expect(twins.map((c) => /<span class="p">([^<]*)<\/span>/.exec(c[3]!)![1])).toEqual(['developer', 'standardv2']);
    expect(dataBlock(html).view.map((v) => (v as unknown as { key: string }).key)).toEqual(report.results.map((r) => `${r.id} [${r.profile}]`));
    // A single-profile page keeps bare ids and has no profile filter.
    const single = renderHtml(sampleReport());
    expect(single).not.toContain('id="f-profile"');
    expect(single).not.toContain('<span class="p">');
  });

  it('loads nothing from elsewhere: no src/href pointing outside the file', () => {
    const html = renderHtml(hostileReport());
    expect(html).not.toMatch(/\s(src|href)="(?!data:)/);
  });
});

describe.skipIf(!hasChromium)(`${needsChromium}HTML report in headless Chromium`, () => {
  let browser: Browser;
  const problems: string[] = [];
  const files: Record<string, string> = {};

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const before = sampleReport();
    // Under several profiles: the twin regresses under apim-developer only (it already failed under apim-standardv2).
    const multiRegressed = multiProfileReport(
      multiProfileResults().map((r) => (r.id === TWIN_ID && r.profile === 'apim-developer' ? { ...r, verdict: 'fail' as const } : r)),
    );
    const regressed = makeReport(
      sampleResults().map((r) => (r.id === 'policy.verify.expired-certificate' ? { ...r, verdict: 'fail' as const } : r)),
    );
    for (const [name, html] of [
      ['sample', renderHtml(before)],
      ['hostile', renderHtml(hostileReport())],
      ['baseline', renderHtml(regressed, { diff: diffRuns(before, regressed) })],
      ['multi', renderHtml(multiProfileReport(), { diff: diffRuns(multiProfileReport(), multiRegressed) })],
    ] as const) {
      files[name] = join(dir, `${name}.html`);
      writeFileSync(files[name], html);
    }
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(name: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${name} console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${name} page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`${name} dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (r.url() !== pathToFileURL(files[name]!).href) problems.push(`${name} request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(files[name]!).href);
    return page;
  }

  const visibleCells = (page: Page) =>
    page.$$eval('.cell', (cells) => cells.filter((c) => (c as unknown as { offsetParent: unknown }).offsetParent !== null).map((c) => c.className));

  it('renders one matrix cell per scenario with no console errors and no network requests', async () => {
    const report = sampleReport();
    const page = await open('sample');
    expect(await visibleCells(page)).toHaveLength(report.results.length);
    expect(await page.textContent('#shown')).toBe(`${report.results.length} of ${report.results.length} shown`);
    await page.screenshot({ path: join(tmpdir(), 'certgate-report-matrix.png'), fullPage: true });
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a verdict filter hides every other verdict; clear brings them back', async () => {
    const report = sampleReport();
    const page = await open('sample');
    await page.selectOption('#f-verdict', 'fail');
    const shown = await visibleCells(page);
    expect(shown).toHaveLength(report.totals.fail);
    expect(shown.every((c) => c.includes('v-fail'))).toBe(true);
    await page.click('#f-clear');
    expect(await visibleCells(page)).toHaveLength(report.results.length);
    await page.click('.chip[data-verdict="skipped"]');
    expect(await visibleCells(page)).toHaveLength(report.totals.skipped);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('tier and tag filters and the search box narrow the matrix', async () => {
    const report = sampleReport();
    const page = await open('sample');
    await page.selectOption('#f-tier', 'consumption');
    expect(await visibleCells(page)).toHaveLength(report.results.filter((r) => r.tags.includes('tier:consumption')).length);
    await page.click('#f-clear');
    await page.selectOption('#f-tag', 'deadlock');
    expect(await visibleCells(page)).toHaveLength(report.results.filter((r) => r.tags.includes('deadlock')).length);
    await page.click('#f-clear');
    await page.fill('#f-search', 'expect-100 PUT');
    expect(await visibleCells(page)).toHaveLength(1);
    await page.fill('#f-search', 'no such scenario anywhere');
    expect(await page.isVisible('#empty')).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('opening a scenario shows expected vs observed, the citation and its SVG timelines', async () => {
    const page = await open('sample');
    await page.click('.cell[title^="deadlock.classic.negotiate-off.put.128k.expect-100-continue "]');
    const drawer = page.locator('#drawer');
    expect(await drawer.isVisible()).toBe(true);
    expect(await drawer.locator('svg.timeline').count()).toBe(2); // client and server
    const client = drawer.locator('figure.tl-client svg.timeline');
    expect(await client.locator('rect.stall').count()).toBe(1);
    expect(await client.locator('path.sent').count()).toBe(1);
    expect(await client.locator('g.m-reneg-requested').count()).toBe(1);
    const box = await client.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    const text = await drawer.innerText();
    expect(text).toContain('App Service blog 2017, fact 3.mitigations');
    expect(await drawer.locator('tr.mismatch').first().innerText()).toMatch(/Outcome\s+response\s+stall/);
    await page.screenshot({ path: join(tmpdir(), 'certgate-report-details.png') });
    await page.keyboard.press('Escape');
    expect(await drawer.isVisible()).toBe(false);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('hostile strings are shown as text and run nothing', async () => {
    const page = await open('hostile');
    const index = hostileReport().results.findIndex((r) => r.id.includes('very-long-segment'));
    await page.click(`.cell[data-i="${index}"]`);
    expect(await page.locator('#drawer h2').innerText()).toBe(`Title with ${HOSTILE.script} and ${HOSTILE.img}`);
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#drawer img').count()).toBe(0);
    expect(await page.locator('#drawer b', { hasText: 'bold' }).count()).toBe(0);
    expect(await page.locator('#drawer').innerText()).toContain(`"double" & 'single' &amp; <b>bold</b>`);
    await page.close();
    expect(problems).toEqual([]);
  });

  it('a deep link (#id) opens that scenario; regressions since a baseline are ringed', async () => {
    const page = await browser.newPage();
    await page.goto(`${pathToFileURL(files.baseline!).href}#${encodeURIComponent('policy.verify.expired-certificate')}`);
    expect(await page.locator('#drawer h2').innerText()).toBe('Verify() rejects an expired certificate');
    // The newly failing scenario and the run's unexpected pass (an unexpected pass is always a regression).
    const ringed = await page.$$eval('.cell.regressed', (cells) => cells.map((c) => c.getAttribute('title')!.split(' ')[0]));
    expect(ringed.sort()).toEqual(['policy.verify.expired-certificate', 'validate.identity.thumbprint.lower-case']);
    expect(await page.locator('header.top').innerText()).toContain('regressions since baseline');
    await page.close();
  });

  it('several profiles: a profile filter and profile chips narrow the matrix; a deep link names id and profile', async () => {
    const report = multiProfileReport();
    const page = await open('multi');
    expect(await visibleCells(page)).toHaveLength(report.results.length);
    await page.selectOption('#f-profile', 'apim-standardv2');
    const v2 = report.results.filter((r) => r.profile === 'apim-standardv2');
    expect(await visibleCells(page)).toHaveLength(v2.length);
    await page.click('#f-clear');
    await page.click('.chip[data-profile="apim-developer"]');
    expect(await visibleCells(page)).toHaveLength(report.results.length - v2.length);
    expect(await page.locator('header.top').innerText()).toContain('profiles apim-developer, apim-standardv2');
    // Only the twin under apim-developer is ringed as a regression (plus the run's unexpected pass).
    const ringed = await page.$$eval('.cell.regressed', (cells) => cells.map((c) => c.getAttribute('title')!.split(' — ')[0]));
    expect(ringed.sort()).toEqual([`${TWIN_ID} under apim-developer`, 'validate.identity.thumbprint.lower-case under apim-developer']);
    await page.close();

    const linked = await browser.newPage();
    await linked.goto(`${pathToFileURL(files.multi!).href}#${encodeURIComponent(`${TWIN_ID} [apim-standardv2]`)}`);
    const facts = await linked.locator('#drawer dl.facts').innerText();
    expect(facts).toMatch(/Profile\s+apim-standardv2/);
    expect(await linked.locator('#drawer .badge').innerText()).toContain('fail');
    // Opening the other twin rewrites the fragment to name its profile.
    await linked.keyboard.press('Escape');
    await linked.click(`.cell[title^="${TWIN_ID} under apim-developer"]`);
    expect(decodeURIComponent(new URL(linked.url()).hash.slice(1))).toBe(`${TWIN_ID} [apim-developer]`);
    await linked.close();
    expect(problems).toEqual([]);
  });
});
