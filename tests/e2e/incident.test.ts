/**
 * A whole major-incident EXERCISE in real Chromium against a real Prosody: a coordinator, three
 * responders and a control-room display, five separate profiles in five windows, each with its
 * own data folder. Screenshots of every view land in test-results/screens/.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { startProsody, type ProsodyServer } from '../fixtures/prosody.js';
import { checkScreen, expectAccessible } from './checkScreen.js';
import { unlockThroughUi } from './steps.js';

interface Person {
  app: OpenWardline;
  page: Page;
  jid: string;
  dataDir: string;
}

const PIN = '246810';

async function createProfile(page: Page, name: string, role: string, display: boolean): Promise<void> {
  const form = page.getByRole('form', { name: 'Create profile' });
  await form.getByLabel('Your name, as colleagues know you').fill(name);
  await form.getByLabel('Role').fill(role);
  await form.getByLabel('PIN or passphrase', { exact: true }).fill(PIN);
  await form.getByLabel('Repeat PIN or passphrase').fill(PIN);
  if (display) await form.getByLabel(/control-room display screen/).check();
  await form.getByRole('button', { name: 'Create profile' }).click();
  await page.getByRole('status', { name: 'Session state' }).filter({ hasText: /^Unlocked$/ }).waitFor();
}

async function connect(page: Page, server: ProsodyServer, user: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Messaging account' });
  await form.getByLabel('Messaging address').fill(`${user}@${server.domain}`);
  await form.getByLabel('Password').fill(`${user}-password`);
  await form.getByText('Server settings (only if IT asked you to)').click();
  await form.getByLabel('Server').fill(server.host);
  await form.getByLabel('Port').fill(String(server.c2sPort));
  await form.getByRole('button', { name: 'Connect' }).click();
  await page.getByRole('status', { name: 'Connection' }).filter({ hasText: /^Connected$/ }).waitFor({ state: 'attached' });
}

/**
 * What has keyboard focus, as a keyboard user meets it: the element's tag and its name (aria-label,
 * else its label's text, else its own text), or BODY when focus has fallen off the page to the top.
 */
async function focused(page: Page): Promise<string> {
  return (await page.evaluate(
    `(() => { const el = document.activeElement; return el === null || el === document.body ? 'BODY' : el.tagName + ' ' + (el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.textContent ?? '').trim(); })()`,
  )) as string;
}

/** Focuses `control` and presses `key` on it, as someone Tabbing through the screen would. */
async function press(control: ReturnType<Page['getByRole']>, key = 'Enter'): Promise<void> {
  await control.focus();
  await control.page().keyboard.press(key);
}

/** Waits for `done`, failing at once with the page's alert if one appears instead. */
async function settled(page: Page, done: ReturnType<Page['getByRole']>): Promise<void> {
  const alert = page.getByRole('alert');
  await Promise.race([
    done.waitFor(),
    alert.waitFor().then(async () => {
      throw new Error(`The page says: ${(await alert.textContent()) ?? ''}`);
    }),
  ]);
}

describe('major-incident exercise, end to end', () => {
  let keyring: Keyring;
  let server: ProsodyServer;
  const people: Person[] = [];
  let lead: Person, amy: Person, ben: Person, cai: Person, wall: Person;
  let announce: string;
  /** The hospital's admin policy: it names who may declare (without it, nobody can). */
  let policyFile: string;

  /** `setupScreenshot: false` for a second display: its set-up screen is the first's. */
  async function person(user: string, name: string, role: string, options: { display?: boolean; setupScreenshot?: boolean } = {}): Promise<Person> {
    const dataDir = await mkdtemp(join(tmpdir(), `wardline-e2e-mi-${user}-`));
    const app = await openWardline({
      dataDir,
      headless: true,
      policyFile,
      ...(options.display ? { viewport: { width: 1920, height: 1080 } } : { viewport: { width: 1400, height: 900 } }),
      core: { chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] } },
    });
    const p = { app, page: app.page, jid: `${user}@${server.domain}`, dataDir };
    people.push(p);
    await createProfile(app.page, name, role, options.display === true);
    if (options.display) {
      // The profile form is gone: focus is in the account's first field, not on the page.
      // Polled from here: the app's CSP (no eval) refuses waitForFunction's in-page polling.
      const focusedField = () => app.page.evaluate('document.activeElement?.placeholder');
      for (let tries = 0; tries < 50 && (await focusedField()) !== 'name@hospital.example'; tries++) await new Promise((r) => setTimeout(r, 100));
      if ((await focusedField()) !== 'name@hospital.example') throw new Error('After creating a display profile, focus is not in the account form.');
      if (options.setupScreenshot !== false) await checkScreen(app.page, 'incident-00-display-setup');
    }
    await connect(app.page, server, user);
    return p;
  }

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    const users = ['lead', 'amy', 'ben', 'cai', 'wall'];
    server = await startProsody({
      users: users.map((username) => ({ username, password: `${username}-password` })),
      // The coordinator is in IT's directory by name (mod_groups), as in a deployment; the others are not.
      sharedRoster: [{ group: 'ED', members: [{ jid: 'lead@wardline.test', name: 'Dr Lena Okoro' }, { jid: 'amy@wardline.test', name: 'Amy Ng' }] }],
    });
    announce = `mi-staff@${server.mucDomain}`;
    const policyDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-mi-policy-'));
    policyFile = join(policyDir, 'policy.json');
    await writeFile(policyFile, JSON.stringify({ version: 1, incident: { declarers: [`lead@${server.domain}`] } }));
    [lead, amy, ben, cai, wall] = await Promise.all([
      person('lead', 'DEMO Dr Lena Okoro', 'ED consultant'),
      person('amy', 'DEMO Amy Ng', 'ED nurse'),
      person('ben', 'DEMO Ben Adeyemi', 'ED nurse'),
      person('cai', 'DEMO Cai Jones', 'ED nurse'),
      person('wall', 'Control room wall', 'Display', { display: true }),
    ]);
  }, 120_000);

  afterAll(async () => {
    for (const p of people) await p.app.close().catch(() => undefined);
    await server?.stop();
    await keyring?.stop();
    for (const p of people) await rm(p.dataDir, { recursive: true, force: true });
    if (policyFile) await rm(join(policyFile, '..'), { recursive: true, force: true });
  });

  const board = (p: Person) => p.page.getByRole('table', { name: 'Responders' });
  const row = (p: Person, name: string) => board(p).getByRole('row').filter({ has: p.page.getByRole('rowheader', { name: new RegExp(name) }) });

  it("a colleague's status changes in the directory while it is open", async () => {
    await lead.page.getByRole('button', { name: 'New', exact: true }).click();
    const amyInDirectory = lead.page.getByRole('list', { name: 'Directory' }).getByRole('button', { name: /Amy Ng/ });
    await expect.poll(() => amyInDirectory.textContent()).toContain('Available');
    await amy.page.getByLabel('Status').selectOption('busy');
    await expect.poll(() => amyInDirectory.textContent()).toContain('Busy');
    await amy.page.getByLabel('Status').selectOption('available');
    await expect.poll(() => amyInDirectory.textContent()).toContain('Available');
    await lead.page.getByRole('region', { name: 'New conversation' }).getByRole('button', { name: 'Close' }).click();
  });

  it('declares an EXERCISE with its rooms; staff join the announcement room and see it', async () => {
    // By keyboard: opening the screen puts focus on its heading, not back at the top of the page.
    await press(lead.page.getByRole('button', { name: 'Major incident' }));
    await expect.poll(() => focused(lead.page)).toBe('H2 Major incident');
    const form = lead.page.getByRole('form', { name: 'Declare major incident' });
    await form.getByLabel('Incident name').fill('Tram collision, Victoria St');
    expect(await form.getByLabel(/EXERCISE/).isChecked()).toBe(true);
    await form.getByLabel('Details (METHANE)').fill('M: declared 13:02\nE: Victoria St tram stop\nT: tram v bus\nH: none known\nA: north side\nN: ~30 casualties\nE: ambulance, fire, police');
    await form.getByLabel('Control-room displays (addresses)').fill(wall.jid);
    await form.getByLabel('Staff announcement room').fill(announce);
    await form.getByLabel('Coordination room').fill(`mi-coord@${server.mucDomain}`);
    await checkScreen(lead.page, 'incident-01-coordinator-declare');
    // Called away mid-form: Lock now, then back. The half-filled form is where it was (kept
    // encrypted in main, not in the page), and so is the incident screen.
    await lead.page.keyboard.press('Control+L');
    await lead.page.getByRole('heading', { level: 1, name: 'Wardline is locked' }).waitFor();
    expect(await lead.page.content()).not.toContain('Victoria St');
    await unlockThroughUi(lead.page, 'DEMO Dr Lena Okoro', PIN);
    await expect.poll(() => form.getByLabel('Incident name').inputValue()).toBe('Tram collision, Victoria St');
    expect(await form.getByLabel('Details (METHANE)').inputValue()).toContain('N: ~30 casualties');
    expect(await form.getByLabel('Staff announcement room').inputValue()).toBe(announce);
    expect(await form.getByLabel(/EXERCISE/).isChecked()).toBe(true);
    await press(form.getByRole('button', { name: 'Declare EXERCISE' }));
    await settled(lead.page, lead.page.getByRole('heading', { name: 'EXERCISE — Tram collision, Victoria St' }));
    // The form went with the declaration; focus is on the declared incident's heading.
    await expect.poll(() => focused(lead.page)).toBe('H2 EXERCISE — Tram collision, Victoria St');
    await lead.page.getByRole('note', { name: 'Exercise' }).waitFor();

    for (const p of [amy, ben, cai]) {
      await p.page.getByRole('button', { name: 'Major incident' }).click();
      // Staff the policy does not name cannot declare: no form, a plain explanation instead.
      await p.page.getByRole('status').filter({ hasText: 'Only the people your IT team named can declare one.' }).waitFor();
      expect(await p.page.getByRole('form', { name: 'Declare major incident' }).count()).toBe(0);
      if (p === amy) await checkScreen(p.page, 'incident-01b-responder-before-call-in');
      const watch = p.page.getByRole('form', { name: 'Receive call-in requests' });
      if (p === amy) {
        // Typed with a space: refused by main, named as the form labels it, the cursor back in it.
        await watch.getByLabel('Announcement room').fill('mi staff');
        await watch.getByRole('button', { name: 'Join announcement room' }).click();
        await watch.getByRole('alert').filter({ hasText: 'Announcement room: enter an address like name@hospital.example.' }).waitFor();
        await expect.poll(() => focused(p.page)).toBe('INPUT Announcement room');
        expect(await watch.getByLabel('Announcement room').getAttribute('aria-invalid')).toBe('true');
      }
      await watch.getByLabel('Announcement room').fill(announce);
      await watch.getByRole('button', { name: 'Join announcement room' }).click();
    }
    for (const p of [amy, ben, cai]) await p.page.getByRole('heading', { name: 'EXERCISE — Tram collision, Victoria St' }).waitFor();
    // Who declared it: by the directory's name where IT's directory has one, always with the address.
    await expect.poll(() => amy.page.getByText(/^Declared \d\d:\d\d by Dr Lena Okoro \(lead@wardline\.test\)\s*$/).count()).toBe(1);
    expect(await ben.page.getByText(/^Declared \d\d:\d\d by lead@wardline\.test\s*$/).count()).toBe(1);
    expect(await lead.page.getByText(/^Declared \d\d:\d\d by you\s*$/).count()).toBe(1);
  });

  it('sends a call-in request; responders answer privately (one changes, one after filled)', async () => {
    const editor = lead.page.getByRole('form', { name: 'Call-in request' });
    await editor.getByLabel('Role, line 1').fill('ED nurse');
    await editor.getByLabel('How many, line 1').fill('1');
    await editor.getByLabel('Report to, line 1').fill('ED resus');
    // Add line takes focus to the new line's first box, so typing goes there.
    await press(editor.getByRole('button', { name: 'Add line' }));
    await expect.poll(() => focused(lead.page)).toBe('INPUT Role, line 2');
    await lead.page.keyboard.type('Anaesthetist');
    expect(await editor.getByLabel('Role, line 2').inputValue()).toBe('Anaesthetist');
    // A line removed: focus to the line before it, not the top of the page.
    await press(editor.getByRole('button', { name: 'Add line' }));
    await expect.poll(() => focused(lead.page)).toBe('INPUT Role, line 3');
    await press(editor.getByRole('button', { name: 'Remove line 3' }));
    await expect.poll(() => focused(lead.page)).toBe('INPUT Role, line 2');
    expect(await editor.getByLabel('Role, line 3').count()).toBe(0);
    await editor.getByLabel('How many, line 2').fill('2');
    await editor.getByLabel('Report to, line 2').fill('Theatre 3');
    await editor.getByLabel('By when, line 2').fill('23:30');
    // Back to messages and in again: both lines are still there. By keyboard, focus goes back to
    // the button that opened the screen, and into the screen again.
    await press(lead.page.getByRole('button', { name: 'Back to messages' }));
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Major incident');
    await lead.page.keyboard.press('Enter');
    await expect.poll(() => focused(lead.page)).toBe('H2 EXERCISE — Tram collision, Victoria St');
    await expect.poll(() => editor.getByLabel('Report to, line 2').inputValue()).toBe('Theatre 3');
    expect(await editor.getByLabel('How many, line 2').inputValue()).toBe('2');
    expect(await editor.getByLabel('Role, line 1').inputValue()).toBe('ED nurse');
    await press(editor.getByRole('button', { name: 'Send call-in request' }));
    await settled(lead.page, lead.page.getByRole('table', { name: /^Lines of the call-in at/ }));
    // The editor does not fold away under the person: focus stays on the button they pressed.
    await editor.getByRole('status').filter({ hasText: 'Call-in request sent.' }).waitFor();
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Send call-in request');

    for (const p of [amy, ben, cai]) await p.page.getByRole('button', { name: 'Available now' }).waitFor();
    // The role is prefilled from the profile.
    expect(await amy.page.getByLabel('Your role or grade').inputValue()).toBe('ED nurse');
    await amy.page.getByRole('button', { name: 'Not available' }).click();
    await amy.page.getByRole('status', { name: 'Your answer' }).filter({ hasText: 'Not available' }).waitFor();
    await amy.page.getByLabel('ETA (minutes)').fill('20');
    await amy.page.getByRole('button', { name: 'Available now' }).click();
    await amy.page.getByRole('status', { name: 'Your answer' }).filter({ hasText: 'Available now (ETA 20 min)' }).waitFor();
    // Ben answers from the keyboard: Enter in a box answers with that box's choice. A time he
    // cannot give is named in his card and the box is marked; his answer is spoken once it is in.
    await ben.page.getByLabel('From (HH:MM)').fill('half four');
    await ben.page.getByLabel('From (HH:MM)').press('Enter');
    await ben.page.getByRole('article').getByRole('alert').filter({ hasText: 'Give a time as HH:MM, for example 16:30.' }).waitFor();
    expect(await ben.page.getByLabel('From (HH:MM)').getAttribute('aria-invalid')).toBe('true');
    await ben.page.getByLabel('ETA (minutes)').fill('35');
    await ben.page.getByLabel('ETA (minutes)').press('Enter');
    await ben.page.getByRole('status', { name: 'Your answer' }).filter({ hasText: 'Available now (ETA 35 min)' }).waitFor();
    expect(await focused(ben.page)).toBe('INPUT ETA (minutes)');
    expect(await ben.page.getByRole('alert').count()).toBe(0);
    await checkScreen(amy.page, 'incident-02-responder-answered');

    await row(lead, 'DEMO Amy Ng').filter({ hasText: 'Available now (ETA 20 min)' }).waitFor();
    await row(lead, 'DEMO Ben Adeyemi').waitFor();
    expect(await row(lead, 'DEMO Amy Ng').textContent()).toContain('changed answer once');
    // Beside the name each typed, the address the server vouches for.
    expect(await row(lead, 'DEMO Amy Ng').getByRole('rowheader').textContent()).toMatch(/^DEMO Amy Ng \(changed answer once\) amy@wardline\.test$/);
  });

  it('sort buttons are named by their column alone; aria-sort says the order', async () => {
    const status = board(lead).getByRole('button', { name: 'Status', exact: true });
    expect(await status.count()).toBe(1);
    expect(await board(lead).getByRole('columnheader', { name: 'Status' }).getAttribute('aria-sort')).toBe('ascending');
    await press(board(lead).getByRole('button', { name: 'Name', exact: true }));
    await expect.poll(() => board(lead).getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await focused(lead.page)).toBe('BUTTON Name ▲');
    await press(status);
    await expect.poll(() => board(lead).getByRole('columnheader', { name: 'Status' }).getAttribute('aria-sort')).toBe('ascending');
  });

  it('assigns Amy (she acknowledges); a later offer gets the automatic "not needed now"', async () => {
    // Words left in the bulk "Report to" box are for the "(selected)" actions: her own row's
    // Come in sends her to her line's location (ED resus), not there.
    const reportTo = lead.page.getByLabel('Report to location');
    await reportTo.fill('Theatre 3');
    // Her row re-sorts by its new status; focus stays on the button that was pressed.
    await press(lead.page.getByRole('button', { name: 'Come in: DEMO Amy Ng' }));
    await row(lead, 'DEMO Amy Ng').filter({ hasText: 'not yet acknowledged' }).waitFor();
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Come in: DEMO Amy Ng');
    const directive = amy.page.getByRole('region', { name: 'Instruction from the coordinator' });
    await directive.getByText('Please come in: report to ED resus.').waitFor();
    expect(await row(lead, 'DEMO Amy Ng').textContent()).toContain('→ ED resus');
    await reportTo.fill('');
    await checkScreen(amy.page, 'incident-03-responder-directive');
    // Acknowledge is replaced by "Acknowledged.": focus goes to the card's heading, in the same card.
    await press(directive.getByRole('button', { name: 'Acknowledge' }));
    await row(lead, 'DEMO Amy Ng').filter({ hasText: '· acknowledged' }).waitFor();
    await directive.getByRole('status').filter({ hasText: 'Acknowledged.' }).waitFor();
    await expect.poll(() => focused(amy.page)).toMatch(/^H3 Call-in request · \d\d:\d\d$/);

    await cai.page.getByLabel('ETA (minutes)').fill('10');
    await cai.page.getByRole('button', { name: 'Available now' }).click();
    await cai.page.getByText('Thank you — not needed now, please stand by.').waitFor({ timeout: 15_000 });
    await checkScreen(cai.page, 'incident-04-responder-not-needed');
    await checkScreen(lead.page, 'incident-05-coordinator-board');

    // The wall shows Amy en route with her ETA.
    const enRoute = wall.page.getByRole('region', { name: 'En route' });
    await enRoute.getByText('DEMO Amy Ng').waitFor();
    await checkScreen(wall.page, 'incident-06-display-en-route');
  });

  it('a responder can clear the prefilled role and type another', async () => {
    const role = cai.page.getByLabel('Your role or grade');
    expect(await role.inputValue()).toBe('ED nurse');
    await role.fill('');
    await role.pressSequentially('Porter');
    expect(await role.inputValue()).toBe('Porter');
    await cai.page.getByRole('button', { name: 'Available now' }).click();
    await row(lead, 'DEMO Cai Jones').filter({ hasText: 'Porter' }).waitFor();
  });

  it('the coordinator sees only the outcome of their latest action', async () => {
    // "'Come in' sent to DEMO Amy Ng at 14:02." from coming Amy in is still there...
    const notice = lead.page.getByRole('status', { name: 'Board notice' });
    await notice.filter({ hasText: /^'Come in' sent to DEMO Amy Ng at \d\d:\d\d\.$/ }).waitFor();
    // ...until an action fails: no line of the call-in is for a porter, and no "Report to" is given.
    await lead.page.getByRole('button', { name: 'Come in: DEMO Cai Jones' }).click();
    await lead.page.getByRole('alert').filter({ hasText: `No location to send ${cai.jid} to` }).waitFor();
    // The region stays (so the next outcome is spoken); the stale outcome is gone from it.
    expect(await notice.textContent()).toBe('');
  });

  it('responders never see one another’s answers', async () => {
    for (const [p, others] of [
      [amy, ['Ben Adeyemi', 'Cai Jones']],
      [ben, ['Amy Ng', 'Cai Jones']],
      [cai, ['Amy Ng', 'Ben Adeyemi']],
    ] as const) {
      const text = (await p.page.locator('body').textContent()) ?? '';
      for (const other of others) expect(text).not.toContain(other);
      expect(await p.page.getByRole('table', { name: 'Responders' }).count()).toBe(0);
    }
  });

  it("records Amy's arrival on the board and the display", async () => {
    // "I'm here" goes with the whole answer group: focus to the card's heading, not the top of the page.
    await press(amy.page.getByRole('button', { name: "I'm here" }));
    await row(lead, 'DEMO Amy Ng').filter({ hasText: 'Arrived' }).waitFor();
    await amy.page.getByRole('status').filter({ hasText: /^Checked in at/ }).waitFor();
    await expect.poll(() => focused(amy.page)).toMatch(/^H3 Call-in request · \d\d:\d\d$/);
    const needs = wall.page.getByRole('region', { name: 'Needs by location' });
    await needs.getByRole('row', { name: /ED resus 1 1 1 0/ }).waitFor();
    await checkScreen(wall.page, 'incident-07-display-arrived');
  });

  it('ends the call-in: Ben, who offered and was not assigned, is stood down', async () => {
    await lead.page.getByRole('button', { name: /^End call-in at/ }).click();
    // Asked first, like closing the incident: the safe choice has focus, Escape keeps it open.
    const ask = lead.page.getByRole('alertdialog', { name: /End the call-in at/ });
    await expect.poll(() => lead.page.evaluate('document.activeElement?.textContent')).toBe('Keep call-in open');
    await lead.page.keyboard.press('Escape');
    await expect.poll(() => ask.count()).toBe(0);
    await expect.poll(() => lead.page.evaluate('document.activeElement?.getAttribute("aria-label")')).toMatch(/^End call-in at/);
    await lead.page.keyboard.press('Enter');
    await ask.getByRole('button', { name: 'Confirm: end call-in' }).click();
    await lead.page.getByRole('status', { name: 'Board notice' }).filter({ hasText: /Call-in ended\. \d+ stood down\./ }).waitFor();
    // The failed "Come in" before it is no longer on screen beside this success.
    expect(await lead.page.getByRole('alert').filter({ hasText: 'No location to send' }).count()).toBe(0);
    // The card says why, in the words of the message he was sent.
    await ben.page.getByText('Stand down: the call-in has ended and you are not needed. Thank you.').waitFor();
    await checkScreen(ben.page, 'incident-08-responder-stood-down');
    await row(lead, 'DEMO Ben Adeyemi').filter({ hasText: 'Stood down' }).waitFor();
    // Nobody can be called in on an ended call-in, and a stand-down goes once: those buttons are off.
    for (const name of ['Come in: DEMO Ben Adeyemi', 'Stand by: DEMO Ben Adeyemi', 'Stand down: DEMO Ben Adeyemi']) {
      expect(await lead.page.getByRole('button', { name }).isDisabled(), name).toBe(true);
    }
  });

  it('exports the timeline as CSV and JSON, every row marked EXERCISE', async () => {
    await lead.page.getByRole('button', { name: 'Export timeline' }).click();
    await lead.page.getByRole('status', { name: 'Board notice' }).filter({ hasText: 'Timeline exported' }).waitFor();
    const dir = join(lead.dataDir, 'exports');
    const files = await readdir(dir);
    const csv = files.find((f) => f.endsWith('.csv'));
    const json = files.find((f) => f.endsWith('.json'));
    expect(csv && json).toBeTruthy();
    const csvText = await readFile(join(dir, csv!), 'utf8');
    for (const kind of ['declare', 'request', 'response', 'assign', 'ack', 'arrive', 'close', 'standdown']) expect(csvText).toContain(kind);
    expect(JSON.parse(await readFile(join(dir, json!), 'utf8'))).toMatchObject({ exercise: true });
    await checkScreen(lead.page, 'incident-09-coordinator-exported');
  });

  it('the display refuses conversation channels', async () => {
    const refused = (await wall.page.evaluate("window.wardline.invoke('conversations:list', {})")) as { ok: boolean; error?: { code: string } };
    expect(refused).toMatchObject({ ok: false, error: { code: 'rejected' } });
    const search = (await wall.page.evaluate("window.wardline.invoke('messages:search', { query: 'x', limit: 5 })")) as { ok: boolean };
    expect(search.ok).toBe(false);
    // A passer-by at the wall cannot sign it into another account (review finding).
    const before = (await wall.page.evaluate("window.wardline.invoke('account:get', {})")) as { ok: boolean; value?: { jid: string } };
    const swapped = (await wall.page.evaluate(
      `window.wardline.invoke('account:set', { jid: 'amy@${server.domain}', password: 'amy-password' })`,
    )) as { ok: boolean; error?: { code: string; message: string } };
    expect(swapped).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringMatching(/already signed in/) } });
    expect(await wall.page.evaluate("window.wardline.invoke('account:get', {})")).toEqual(before);
  });

  it('at the wall, every control Tab reaches is in view (none under the board), and Lock now locks it, by keyboard or mouse', async () => {
    const onTop = `(() => { const el = document.activeElement; const r = el.getBoundingClientRect(); return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2)); })()`;
    const stops: string[] = [];
    for (let i = 0; i < 6 && !stops.includes('BUTTON Lock now'); i++) {
      await wall.page.keyboard.press('Tab');
      const now = await focused(wall.page);
      expect(now).not.toBe('BODY');
      expect(await wall.page.evaluate(onTop), `${now} is covered`).toBe(true);
      stops.push(now);
    }
    expect(stops).toContain('BUTTON Lock now');
    await checkScreen(wall.page, 'incident-06b-display-lock-now-focused');
    await wall.page.keyboard.press('Enter');
    await wall.page.getByRole('heading', { level: 1, name: 'Wardline is locked' }).waitFor();
    await unlockThroughUi(wall.page, 'Control room wall', PIN);
    await wall.page.getByRole('region', { name: 'Incident board' }).getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
    // Nothing of the header over the board once focus has left it.
    await wall.page.evaluate('document.activeElement?.blur()');
    expect(await wall.page.evaluate(`document.elementFromPoint(20, 20)?.closest('.display') != null`)).toBe(true);

    // With only a mouse: moving it brings up "Lock this screen" over the board; it locks the wall.
    const pointerLock = wall.page.getByRole('button', { name: 'Lock this screen' });
    await wall.page.mouse.move(900, 500);
    await wall.page.mouse.move(960, 540);
    await pointerLock.waitFor();
    await checkScreen(wall.page, 'incident-06c-display-pointer-lock');
    await pointerLock.click();
    await wall.page.getByRole('heading', { level: 1, name: 'Wardline is locked' }).waitFor();
    await unlockThroughUi(wall.page, 'Control room wall', PIN);
    await wall.page.getByRole('region', { name: 'Incident board' }).getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
  });

  it('with two call-ins open, what a responder types in one card stays in that card', async () => {
    const editor = lead.page.getByRole('form', { name: 'Call-in request' });
    for (const [role, location] of [['Porter', 'Block C'], ['Electrician', 'Plant room']] as const) {
      await editor.getByLabel('Role, line 1').fill(role);
      await editor.getByLabel('How many, line 1').fill('1');
      await editor.getByLabel('Report to, line 1').fill(location);
      await editor.getByRole('button', { name: 'Send call-in request' }).click();
      await lead.page.getByRole('cell', { name: location, exact: true }).waitFor();
    }
    // Ben's cards that still take an answer: one per open call-in, each with its own boxes.
    const cards = ben.page.getByRole('article', { name: /^Call-in request at/ }).filter({ has: ben.page.getByLabel('ETA (minutes)') });
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2);
    await cards.nth(0).getByLabel('ETA (minutes)').fill('5');
    await cards.nth(0).getByLabel('Your role or grade').fill('Porter');
    await cards.nth(0).getByLabel('From (HH:MM)').fill('16:30');
    expect(await cards.nth(1).getByLabel('ETA (minutes)').inputValue()).toBe('20');
    expect(await cards.nth(1).getByLabel('Your role or grade').inputValue()).toBe('ED nurse');
    expect(await cards.nth(1).getByLabel('From (HH:MM)').inputValue()).toBe('');
    expect(await cards.nth(0).getByLabel('ETA (minutes)').inputValue()).toBe('5');
    // Two cards' landmarks say which call-in each answers (axe: landmark-unique).
    await expectAccessible(ben.page, 'incident-responder-two-call-ins');
  });

  it('closes the incident: everyone is stood down and the display stops its clock', async () => {
    // The confirmation takes focus to its safe choice; Escape and "Keep incident open" go back to
    // "Close incident".
    const close = lead.page.getByRole('button', { name: 'Close incident', exact: true });
    await press(close);
    const confirm = lead.page.getByRole('alertdialog', { name: /^Close the incident/ });
    await confirm.waitFor();
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Keep incident open');
    await checkScreen(lead.page, 'incident-10a-coordinator-close-confirm');
    await lead.page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Close incident');
    await lead.page.keyboard.press('Enter');
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Keep incident open');
    await lead.page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Close incident');
    await lead.page.keyboard.press('Enter');
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Keep incident open');
    await lead.page.keyboard.press('Shift+Tab');
    expect(await focused(lead.page)).toBe('BUTTON Confirm: close incident and stand everyone down');
    await lead.page.keyboard.press('Enter');
    await lead.page.getByRole('status', { name: 'Board notice' }).filter({ hasText: 'Incident closed.' }).waitFor();
    // "Close incident" has gone with the open incident; focus is on the board's next control.
    await expect.poll(() => focused(lead.page)).toBe('BUTTON Export timeline');
    await amy.page.getByText('The major incident is closed. Thank you.', { exact: true }).waitFor();
    // Amy is on site: she is stood down because the incident closed, not told she was not needed.
    await amy.page.getByRole('region', { name: 'Instruction from the coordinator' }).getByText('Stand down: the major incident is closed. Thank you.').waitFor();
    expect(await amy.page.getByText('you are not needed').count()).toBe(0);
    await wall.page.getByLabel('Time since declaration').filter({ hasText: 'Closed after' }).waitFor();
    // The wall says it is over and keeps the final figures: Amy's arrival stays counted (the
    // close's stand-down does not undo it), and nothing reads as a shortfall still to find.
    const wallBoard = wall.page.getByRole('region', { name: 'Incident board' });
    await wallBoard.getByRole('status').filter({ hasText: 'Major incident closed · stand down' }).waitFor();
    const resus = wallBoard.getByRole('row', { name: /^ED resus/ });
    expect((await resus.getByRole('cell').allTextContents()).map((t) => t.trim())).toEqual(['1', '1', '1', '—']);
    // The coordinator's record agrees: the ED nurse line is still filled, with its one arrival.
    const nurses = lead.page.getByRole('table', { name: /^Lines of the call-in at/ }).first().getByRole('row', { name: /^ED nurse/ });
    expect((await nurses.getByRole('cell').allTextContents()).map((t) => t.trim())).toEqual(['ED resus', '1', '2', '1 ✓', '1']);
    await checkScreen(wall.page, 'incident-10-display-closed');
    await checkScreen(lead.page, 'incident-11-coordinator-closed');
  });

  it('a declaration refused for an address with no account shows as not delivered; once IT creates it, "Send again" reaches that screen', async () => {
    await press(lead.page.getByRole('button', { name: 'Declare a new incident' }));
    const form = lead.page.getByRole('form', { name: 'Declare major incident' });
    // That button is gone; focus goes to the new form's first box.
    await expect.poll(() => focused(lead.page)).toBe('INPUT Incident name');
    // The first declaration went, so its draft went with it: a new form starts empty.
    await expect.poll(() => form.getByLabel('Details (METHANE)').inputValue()).toBe('');
    expect(await form.getByLabel('Incident name').inputValue()).toBe('');
    await form.getByLabel('Incident name').fill('Power failure, Block C');
    await form.getByLabel('Control-room displays (addresses)').fill(`no-such-screen@${server.domain}`);
    await form.getByRole('button', { name: 'Declare EXERCISE' }).click();
    const alert = lead.page.getByRole('alert').filter({ hasText: 'Not delivered' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain(`The declaration to no-such-screen@${server.domain}`);
    expect(await alert.textContent()).toContain('this address does not exist');
    // Named no announcement room (and policy has none): the coordinator is told, as an alert (it
    // arrives with the screen, where a status inserted holding its text is not read out).
    const noStaff = lead.page.getByRole('alert').filter({ hasText: 'No staff announcement room.' });
    await noStaff.waitFor();
    expect(await noStaff.textContent()).toContain('reach only its coordinators and control-room displays');
    await alert.scrollIntoViewIfNeeded();
    await checkScreen(lead.page, 'incident-12-coordinator-not-delivered');

    // IT creates the screen's account. The coordinator sends the declaration again, by keyboard.
    const screenJid = `no-such-screen@${server.domain}`;
    await server.register('no-such-screen', 'no-such-screen-password');
    await press(alert.getByRole('button', { name: `Send again: the declaration to ${screenJid}` }));
    const sentAgain = lead.page.getByRole('status').filter({ hasText: `Sent again: the declaration to ${screenJid}.` });
    await sentAgain.waitFor();
    // Its line (and the button that had focus) are gone: focus is on what happened, not at the top.
    await expect.poll(() => focused(lead.page)).toMatch(/^P Sent again: the declaration/);
    expect(await lead.page.getByRole('alert').filter({ hasText: 'Not delivered' }).count()).toBe(0);
    await checkScreen(lead.page, 'incident-12b-coordinator-sent-again');

    // What the screen received: signed in for the first time, it shows the incident it is named in.
    const screen = await person('no-such-screen', 'Second control-room screen', 'Display', { display: true, setupScreenshot: false });
    const screenBoard = screen.page.getByRole('region', { name: 'Incident board' });
    await screenBoard.getByRole('heading', { name: 'Power failure, Block C' }).waitFor({ timeout: 20_000 });
    // Still refused nowhere: the server took it this time.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await lead.page.getByRole('alert').filter({ hasText: 'Not delivered' }).count()).toBe(0);
  });

  // Last: these stop and restart the server under everyone.
  it('the wall never says "no incident" when its feed breaks: offline, it keeps the last board marked not live', async () => {
    const liveBoard = wall.page.getByRole('region', { name: 'Incident board' });
    await liveBoard.getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
    await server.kill();
    const alert = wall.page.getByRole('alert', { name: 'Board not updating' });
    await alert.filter({ hasText: 'No connection to the messaging server.' }).waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(/Board not updating since \d\d:\d\d/);
    const stale = wall.page.getByRole('region', { name: 'Last known board, not live' });
    await stale.getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
    expect(await stale.textContent()).toMatch(/NOT LIVE · last received \d\d:\d\d/);
    expect(await wall.page.getByText('No major incident declared.').count()).toBe(0);
    await checkScreen(wall.page, 'incident-13-display-offline');

    // A workstation says it too, in words a clerk can act on, and that what they send is kept.
    const outage = amy.page.getByRole('status').filter({ hasText: 'Messaging offline since' });
    await outage.waitFor({ timeout: 30_000 });
    const said = (await outage.textContent())?.replace(/\s+/g, ' ');
    expect(said).toMatch(/Messaging offline since \d\d:\d\d\. .*Wardline keeps trying by itself.* Messages you send wait in this workstation's outbox/);
    expect(said).not.toMatch(/ECONN|127\.0\.0\.1|5222|connect /);
    // Her status still reads "Available", so it says nobody sees it just now.
    const status = amy.page.getByRole('combobox', { name: 'Status' });
    expect(await status.getAttribute('aria-describedby')).not.toBeNull();
    expect(await amy.page.locator(`#${await status.getAttribute('aria-describedby')}`).textContent()).toBe('colleagues see you offline until reconnected');
    await checkScreen(amy.page, 'incident-13a-workstation-offline');
  });

  it('a revoked wall says so over its last board and can be signed in again', async () => {
    await server.unregister('wall');
    await server.restart();
    // Back online: the workstation's outage note goes by itself.
    await amy.page.getByRole('status').filter({ hasText: 'Messaging offline since' }).waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => amy.page.getByText('colleagues see you offline until reconnected').count()).toBe(0);
    const alert = wall.page.getByRole('alert', { name: 'Board not updating' });
    await alert.filter({ hasText: 'no longer accepts this messaging account' }).waitFor({ timeout: 60_000 });
    expect(await alert.textContent()).toContain('This display has been signed out.');
    // 'display:view' answers null once signed out: the old wall read that as "No major incident declared.".
    expect(await wall.page.getByText('No major incident declared.').count()).toBe(0);
    await wall.page.getByRole('region', { name: 'Last known board, not live' }).getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
    await checkScreen(wall.page, 'incident-14-display-signed-out');

    await server.register('wall', 'wall-password');
    await wall.page.getByText('Sign this display in again').click();
    await connect(wall.page, server, 'wall');
    await wall.page.getByRole('region', { name: 'Incident board' }).getByRole('heading', { name: 'Tram collision, Victoria St' }).waitFor();
    expect(await alert.count()).toBe(0);
  }, 120_000);
});
