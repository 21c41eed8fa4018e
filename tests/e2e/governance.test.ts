/**
 * Clinical governance as people see it (issue 5), in real Chromium windows on real cores, real
 * SQLCipher stores, the real keyring and a real Prosody: the reminder and the patient-identifiable
 * marker, the "Needs transcription" list, transcription with both outputs (clipboard text and a
 * FHIR R4 file that validates), deleting the originals with the other person's tombstone, the
 * audit log, an invalid policy failing closed, and the privacy blur.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootClockMs } from '../../electron/core/governance/wallClockTrust.js';
import { openWardline, type OpenOptions, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { CHROMIUM_APP_ORIGIN } from '../../tools/chromium/rendererRoute.js';
import { createFhirR4Validators, fhirR4Problems } from '../fixtures/fhirR4.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { ManualTicker } from '../fixtures/manualTicker.js';
import { startProsody, type ProsodyServer } from '../fixtures/prosody.js';
import { checkScreen } from './checkScreen.js';
import { connectThroughUi, createProfileThroughUi, messageThroughUi } from './steps.js';

const ADVICE = 'Start co-amoxiclav 1.2g IV tds for 943 476 5919. Review cultures at 48h.';

interface Person {
  app: OpenWardline;
  page: Page;
  jid: string;
  exportDir: string;
}

/** Seen, not merely laid out: what is at its centre on screen is the element itself (not clipped, covered or below the window). */
function seen(element: Locator): Promise<boolean> {
  return element.evaluate((el) => {
    // This file is typed without the DOM library: the few browser calls used, spelled out.
    type Box = { left: number; top: number; width: number; height: number; bottom: number };
    const node = el as unknown as { getBoundingClientRect(): Box; contains(other: unknown): boolean };
    const page = globalThis as unknown as { innerHeight: number; document: { elementFromPoint(x: number, y: number): unknown } };
    const r = node.getBoundingClientRect();
    const hit = page.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return r.bottom <= page.innerHeight && hit !== null && (hit === el || node.contains(hit));
  });
}

describe('clinical governance, end to end', () => {
  let keyring: Keyring;
  let server: ProsodyServer;
  const dirs: string[] = [];
  const apps: OpenWardline[] = [];
  let alice: Person;
  let bob: Person;

  async function tempDir(name: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `wardline-e2e-gov-${name}-`));
    dirs.push(dir);
    return dir;
  }

  /** A missing file: the platform default is ignored, so the built-in defaults apply. */
  async function noPolicy(): Promise<string> {
    return join(await tempDir('no-policy'), 'policy.json');
  }

  async function launch(policyFile: string, exportDir?: string, seams: Pick<NonNullable<OpenOptions['core']>, 'now' | 'bootClock' | 'ticker'> = {}): Promise<OpenWardline> {
    const app = await openWardline({
      dataDir: await tempDir('data'),
      headless: true,
      policyFile,
      ...(exportDir ? { exportDir } : {}),
      core: { chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] }, ...seams },
    });
    apps.push(app);
    return app;
  }

  async function person(name: string, role: string, user: string): Promise<Person> {
    const exportDir = await tempDir(`exports-${user}`);
    const app = await launch(await noPolicy(), exportDir);
    await createProfileThroughUi(app.page, name, role, '246810');
    await connectThroughUi(app.page, server, user, `${user}-password`);
    return { app, page: app.page, jid: `${user}@${server.domain}`, exportDir };
  }

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    server = await startProsody({ users: ['alice', 'bob', 'carol', 'dave', 'erin'].map((u) => ({ username: u, password: `${u}-password` })) });
    alice = await person('Sr Alice Moreno', 'Ward sister', 'alice');
    bob = await person('Dr Bob Reyes', 'Consultant', 'bob');
    // The test reads back what "Copy note for the record" put on the clipboard.
    await alice.app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: CHROMIUM_APP_ORIGIN });
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await server?.stop();
    await keyring?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('marks patient-identifiable advice and lists it as needing transcription', async () => {
    await messageThroughUi(bob.page, alice.jid, ADVICE);

    const fromBob = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob/i });
    await fromBob.click();
    const messages = alice.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain('co-amoxiclav');
    expect(await messages.getByText('Patient identifiable', { exact: true }).count()).toBe(1);
    expect(await alice.page.getByText('Messages are not the patient record: tick the box beside advice to transcribe it, then delete.').isVisible()).toBe(true);
    // The count is on the button, without opening the list.
    const needsButton = alice.page.getByRole('button', { name: /^Needs transcription/ });
    await expect.poll(async () => (await needsButton.textContent())?.trim()).toBe('Needs transcription (1)');
    await checkScreen(alice.page, 'governance-01-advice-with-identifier');

    await alice.page.getByRole('button', { name: 'Needs transcription' }).click();
    const list = alice.page.getByRole('list', { name: 'Messages needing transcription' });
    // A 1:1 conversation is titled with the sender's name: it is said once.
    await expect.poll(() => list.getByRole('button').first().textContent()).toMatch(/^\s*From Dr Bob Reyes, \w+day, \d+ \w+ \d{4} \d\d:\d\d\s*$/);
    expect(await list.textContent()).toMatch(/deleted in 30 days/);
    await checkScreen(alice.page, 'governance-02-needs-transcription');
    await list.getByRole('button').first().click();
  });

  it('transcribes with attribution: the note on the clipboard and a FHIR R4 file that validates', async () => {
    const messages = alice.page.getByRole('list', { name: 'Messages' });
    await messages.getByRole('checkbox', { name: /Select message from Dr Bob Reyes/ }).check();
    // From the keyboard, focus follows each step and never falls to the page.
    const focused = () =>
      alice.page.evaluate<string>(`(() => {
        const el = document.activeElement;
        return el === null || el === document.body ? 'BODY' : (el.getAttribute('aria-label') ?? el.closest('label')?.textContent?.trim() ?? el.textContent?.trim() ?? el.tagName);
      })()`);
    const transcribe = alice.page.getByRole('button', { name: 'Transcribe to record (1)' });
    await transcribe.focus();
    await alice.page.keyboard.press('Enter');
    const panel = alice.page.getByRole('region', { name: /Transcribe 1 message to the record/ });
    await expect.poll(focused).toBe("Patient's NHS number (optional)");
    await panel.getByRole('button', { name: 'Cancel' }).press('Enter');
    await expect.poll(focused).toBe('Transcribe to record (1)');
    await alice.page.keyboard.press('Enter');
    await expect.poll(focused).toBe("Patient's NHS number (optional)");
    await alice.page.keyboard.type('943 476 5919');
    await panel.getByLabel('Record reference (optional)').fill('EPR-2231');
    await panel.getByRole('button', { name: 'Create note' }).press('Enter');

    const note = panel.getByLabel('Note for the record');
    await expect.poll(() => note.inputValue()).toContain(ADVICE);
    await expect.poll(focused).toMatch(/^Note for the record/);
    const text = await note.inputValue();
    for (const expected of ['Dr Bob Reyes', 'Consultant', bob.jid, 'Sr Alice Moreno', '943 476 5919', 'EPR-2231']) expect(text).toContain(expected);
    // Not transcribed until the note leaves Wardline: the panel says so, and offers no deletion yet.
    expect(await panel.getByText(/count as transcribed once you copy this note or save the FHIR file/).isVisible()).toBe(true);
    expect(await panel.getByRole('button', { name: 'Delete originals' }).count()).toBe(0);
    // On a 1280×720 screen too, the panel scrolls within what is left: Urgent and Send stay in view.
    const usual = alice.page.viewportSize();
    await alice.page.setViewportSize({ width: 1280, height: 720 });
    await expect.poll(() => seen(alice.page.getByRole('button', { name: 'Send' }))).toBe(true);
    expect(await seen(alice.page.getByRole('checkbox', { name: 'Urgent' }))).toBe(true);
    await checkScreen(alice.page, 'governance-03-transcribe-on-1280x720');
    if (usual !== null) await alice.page.setViewportSize(usual);

    await panel.getByRole('button', { name: 'Copy note for the record' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toContain('Note copied; the messages now count as transcribed');
    expect(await panel.getByRole('status').textContent()).toMatch(/clears it from the clipboard in 3 minutes or when it locks/);
    expect(await alice.page.evaluate('navigator.clipboard.readText()')).toBe(text);

    await panel.getByRole('button', { name: 'Save FHIR file' }).click();
    await expect.poll(() => panel.getByRole('status').textContent()).toMatch(/FHIR file saved to .*This file is not encrypted: anyone using this computer’s login can open it/);
    const saved = /saved to (.*\.json)\. /.exec((await panel.getByRole('status').textContent()) ?? '')?.[1] ?? '';
    expect(saved.startsWith(alice.exportDir)).toBe(true);
    const fhir: unknown = JSON.parse(await readFile(saved, 'utf8'));
    expect(fhirR4Problems(createFhirR4Validators().validateFhir, fhir)).toEqual([]);
    expect(JSON.stringify(fhir)).toContain('https://fhir.nhs.uk/Id/nhs-number');
    await checkScreen(alice.page, 'governance-03-transcription-note');
  });

  it('deletes the originals: a tombstone here and on the other person\'s screen', async () => {
    const panel = alice.page.getByRole('region', { name: /Transcribe 1 message to the record/ });
    const focused = () => alice.page.evaluate<string>(`document.activeElement === document.body ? 'BODY' : (document.activeElement?.textContent?.trim() ?? '')`);
    const deleteOriginals = panel.getByRole('button', { name: 'Delete originals', exact: true });
    await deleteOriginals.click();
    await checkScreen(alice.page, 'governance-03b-confirm-delete-originals');
    // The safe choice has focus; Escape keeps them and puts focus back on what opened the question.
    await expect.poll(focused).toBe('Keep them for now');
    await alice.page.keyboard.press('Escape');
    await expect.poll(() => alice.page.getByRole('alertdialog').count()).toBe(0);
    await expect.poll(focused).toBe('Delete originals');
    await alice.page.keyboard.press('Enter');
    await alice.page.getByRole('alertdialog').getByRole('button', { name: 'Yes, delete originals' }).click();
    // The panel is gone: focus goes to the conversation's heading, not the page.
    await expect.poll(() => alice.page.evaluate('document.activeElement?.id')).toBe('thread-title');
    const messages = alice.page.getByRole('list', { name: 'Messages' });
    const tombstone = `Removed after transcription into the record by Sr Alice Moreno (${alice.jid}) at`;
    await expect.poll(() => messages.textContent()).toContain(tombstone);
    expect(await messages.textContent()).not.toContain('co-amoxiclav');
    // Nor in the conversation list's preview line (it showed the removed text until the next change).
    const list = alice.page.getByRole('navigation', { name: 'Conversations' });
    await expect.poll(() => list.textContent()).not.toContain('co-amoxiclav');
    expect(await list.textContent()).not.toContain('943 476');
    // Transcribed and deleted: nothing waits any more.
    await expect.poll(async () => (await alice.page.getByRole('button', { name: /^Needs transcription/ }).textContent())?.trim()).toBe('Needs transcription');
    expect(await messages.textContent()).toMatch(/Transcribed to record by Sr Alice Moreno \(Ward sister\) at .* · ref EPR-2231/);
    await checkScreen(alice.page, 'governance-04-tombstone-here');

    const theirs = bob.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => theirs.textContent()).toContain(tombstone);
    expect(await theirs.textContent()).not.toContain('co-amoxiclav');
    await checkScreen(bob.page, 'governance-05-tombstone-other-client');
  });

  it('shows the person their own audit log, verified, and exports it', async () => {
    await alice.page.getByRole('button', { name: 'My audit log' }).click();
    const table = alice.page.getByRole('table', { name: 'Audit entries' });
    await expect.poll(() => table.textContent()).toContain('Deleted after transcription');
    for (const label of ['Unlocked', 'Policy applied', 'Signed in to messaging', 'Transcribed into the record', 'Exported']) {
      expect(await table.textContent(), label).toContain(label);
    }
    expect(await alice.page.getByText('Integrity check passed').isVisible()).toBe(true);
    expect(await table.textContent()).not.toContain('amoxiclav');
    // Details in words a governance lead reads, not the stored keys.
    const deletion = table.getByRole('row').filter({ hasText: 'Deleted after transcription' });
    expect(await deletion.getByRole('cell').last().textContent()).toMatch(/^1 message · after transcription · 1 removal request to the other participants · conversation #\d+ · message id \d+$/);
    expect(await table.textContent()).not.toMatch(/retractionsQueued|conversationId|nhsNumberGiven/);
    await alice.page.getByRole('button', { name: 'Export audit log' }).click();
    await expect.poll(() => alice.page.getByText(/Saved to .*wardline-audit-log\.json/).count()).toBe(1);
    await checkScreen(alice.page, 'governance-06-audit-log');

    // The note Wardline put on the clipboard leaves with the session on a shared PC.
    expect(await alice.page.evaluate('navigator.clipboard.readText()')).toContain('co-amoxiclav');
    await alice.page.getByRole('button', { name: 'Lock now' }).click();
    await alice.page.getByRole('status', { name: 'Session state' }).filter({ hasText: /^Locked$/ }).waitFor();
    await expect.poll(() => alice.page.evaluate('navigator.clipboard.readText()')).toBe('');
  });

  it('refuses to start with an invalid policy, naming the file and the problem for IT', async () => {
    const policyFile = join(await tempDir('bad-policy'), 'policy.json');
    await writeFile(policyFile, JSON.stringify({ version: 1, retentionDays: 0, notificationMode: 'everything' }));
    const app = await launch(policyFile);
    const alert = app.page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain(policyFile);
    expect(await alert.textContent()).toMatch(/retentionDays/);
    expect(await app.page.getByRole('heading', { name: 'Wardline cannot start' }).isVisible()).toBe(true);
    expect(await app.page.getByRole('form', { name: 'Create profile' }).count()).toBe(0);
    await checkScreen(app.page, 'governance-07-invalid-policy');
  });

  it('blurs conversation content while the window is not in use, when policy asks; a new PIN is asked for as policy sets it', async () => {
    const policyFile = join(await tempDir('blur-policy'), 'policy.json');
    await writeFile(policyFile, JSON.stringify({ version: 1, privacyBlur: true, pinMinLength: 8 }));
    const app = await launch(policyFile);
    // The hint and the box's own minimum say what main will accept, not the built-in 6 digits.
    const hint = app.page.getByRole('form', { name: 'Create profile' }).getByText('Nobody, including IT, can recover it.', { exact: false });
    await expect.poll(() => hint.textContent()).toBe('At least 8 digits, or a passphrase of 8 or more characters. Nobody, including IT, can recover it.');
    expect(await app.page.getByLabel('PIN or passphrase', { exact: true }).getAttribute('minlength')).toBe('8');
    await createProfileThroughUi(app.page, 'Night Clerk', 'Ward clerk', '13579024');
    const auditButton = app.page.getByRole('button', { name: 'My audit log' });
    await auditButton.focus();
    await app.page.evaluate(`window.dispatchEvent(new Event('blur'))`);
    await expect.poll(() => app.page.getByText('Content hidden while Wardline is not in use.', { exact: false }).isVisible()).toBe(true);
    // Not only blurred: out of the accessibility tree (a screen reader reads nothing of it) and
    // out of reach of the keyboard (inert), and the focused control gave its focus up.
    expect(await auditButton.count()).toBe(0);
    expect(await app.page.evaluate(`document.querySelector('.workspace').inert && document.activeElement?.closest('.workspace') == null`)).toBe(true);
    await app.page.keyboard.press('Tab');
    expect(await app.page.evaluate(`document.activeElement?.closest('.workspace') == null`)).toBe(true);
    await checkScreen(app.page, 'governance-08-privacy-blur');
    await app.page.evaluate(`window.dispatchEvent(new Event('focus'))`);
    await expect.poll(() => app.page.getByText('Content hidden while Wardline is not in use.', { exact: false }).count()).toBe(0);
    expect(await auditButton.count()).toBe(1);
    // Back where the person was.
    await expect.poll(() => app.page.evaluate(`document.activeElement?.textContent`)).toBe('My audit log');
  });

  it("erases a profile nobody has used for the policy's days, and the lock screen says so without a name", async () => {
    const policyFile = join(await tempDir('dormant-policy'), 'policy.json');
    await writeFile(policyFile, JSON.stringify({ version: 1, eraseDormantProfilesAfterDays: 30 }));
    const dataDir = await tempDir('dormant-data');
    const chatTrust = { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] };
    const first = await openWardline({ dataDir, headless: true, policyFile, core: { chatTrust } });
    try {
      await createProfileThroughUi(first.page, 'Agency Nurse', 'Staff nurse', '135790');
    } finally {
      await first.close();
    }
    // Day 30.5: Wardline starts again; after a gap of more than a day the sweep only notes the time.
    const between = await openWardline({ dataDir, headless: true, policyFile, core: { chatTrust, now: () => Date.now() + 30.5 * 86_400_000 } });
    try {
      // A fresh start knows nothing of anyone's messages, so its lock screen claims none ("No new messages" was a guess).
      await between.page.getByRole('heading', { name: 'Wardline is locked' }).waitFor();
      expect((await between.page.getByRole('status', { name: 'Waiting messages' }).textContent())?.trim()).toBe('');
    } finally {
      await between.close();
    }
    // Day 31: still nobody has unlocked it.
    const later = await openWardline({ dataDir, headless: true, policyFile, core: { chatTrust, now: () => Date.now() + 31 * 86_400_000 } });
    apps.push(later);
    const alert = later.page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/^One profile not used for 30 days was erased from this computer, with its messages/);
    expect(await later.page.getByRole('heading', { name: 'Welcome to Wardline' }).isVisible()).toBe(true);
    expect(await later.page.getByText('Agency Nurse').count()).toBe(0);
    await checkScreen(later.page, 'governance-08b-dormant-profile-erased');
  });

  it('hides NHS numbers on a shared screen, and refuses to search by one there', async () => {
    const policyFile = join(await tempDir('mask-policy'), 'policy.json');
    await writeFile(policyFile, JSON.stringify({ version: 1, maskPatientIdentifiers: 'always' }));
    const app = await launch(policyFile);
    await createProfileThroughUi(app.page, 'Dave Okoro', 'Bed manager', '135790');
    await connectThroughUi(app.page, server, 'dave', 'dave-password');
    await messageThroughUi(bob.page, `dave@${server.domain}`, 'Side room needed for 943 476 5919, cultures pending.');

    await app.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob/i }).click();
    const messages = app.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain('Side room needed for [NHS no. hidden], cultures pending.');
    expect(await messages.textContent()).not.toContain('5919');
    // Said beside it, so nobody guesses the patient: why it is hidden, and where to see it.
    expect(await messages.textContent()).toContain('The NHS number is hidden on this computer by hospital policy: see it on a clinical workstation, or ask the sender.');

    const search = app.page.getByRole('searchbox');
    await search.fill('943 476 5919');
    await search.press('Enter');
    const results = app.page.getByRole('region', { name: 'Search results' });
    await expect.poll(() => results.getByRole('alert').textContent()).toContain('Searching by NHS number is turned off on this computer');
    await checkScreen(app.page, 'governance-08c-search-by-nhs-number-refused');
    // A new search replaces the refusal, and its results are masked too.
    await search.fill('cultures');
    await search.press('Enter');
    await expect.poll(() => results.textContent()).toContain('Side room needed for [NHS no. hidden]');
    expect(await results.getByRole('alert').count()).toBe(0);
    expect(await results.textContent()).not.toContain('5919');
  });

  it('takes messages past the retention period off the open conversation, not only out of the store', async () => {
    let shiftMs = 0;
    const ticker = new ManualTicker();
    // The boot clock moves with it: a wall clock alone jumping 31 days would defer the sweep.
    const app = await launch(await noPolicy(), undefined, { now: () => Date.now() + shiftMs, bootClock: () => bootClockMs() + shiftMs, ticker });
    await createProfileThroughUi(app.page, 'Erin Shaw', 'Ward clerk', '975310');
    await connectThroughUi(app.page, server, 'erin', 'erin-password');
    await messageThroughUi(bob.page, `erin@${server.domain}`, 'Porter booked for bed 6 at 14:00.');
    await app.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /bob/i }).click();
    const messages = app.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain('Porter booked for bed 6');

    // 31 days on (the default retention is 30), the periodic sweep runs with the conversation open.
    shiftMs = 31 * 86_400_000;
    ticker.tick();
    await expect.poll(() => messages.textContent()).not.toContain('Porter booked for bed 6');
    // Nor anywhere else on screen: the list's preview re-reads on the same change, a moment apart
    // from the thread (the two reads race, so this waits for it rather than assuming an order).
    await expect.poll(() => app.page.locator('body').textContent()).not.toContain('Porter booked');
  });

  // Last: it restarts the server under everyone.
  it('signs a revoked account out and tells the person why', async () => {
    const carol = await person('Carol Diaz', 'Ward clerk', 'carol');
    // A conversation is open when it happens: the form to sign in again must still be there.
    await messageThroughUi(carol.page, `dave@${server.domain}`, 'Bed 4 cleaned and ready.');
    await expect.poll(() => carol.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Bed 4 cleaned and ready.');
    await server.unregister('carol');
    await server.kill();
    await server.restart();
    const status = carol.page.getByRole('status', { name: 'Connection' });
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Signed out at /);
    await expect.poll(() => carol.page.getByRole('alert').textContent()).toMatch(/no longer accepts this messaging account/);
    // The account form is back (folded away under the open conversation): the password is forgotten,
    // the address kept, so signing in again once IT says so is one field.
    await carol.page.getByText('Sign in again', { exact: true }).click();
    const form = carol.page.getByRole('form', { name: 'Messaging account' });
    expect(await form.isVisible()).toBe(true);
    expect(await form.getByLabel('Password').inputValue()).toBe('');
    await expect.poll(() => form.getByLabel('Messaging address').inputValue()).toBe(`carol@${server.domain}`);
    // Nothing already here is hidden by it: the conversation stays readable below, and listed.
    expect(await carol.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Bed 4 cleaned and ready.');
    const list = carol.page.getByRole('navigation', { name: 'Conversations' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
    expect(await list.getByRole('alert').count()).toBe(0);
    await checkScreen(carol.page, 'governance-09-account-revoked');
  });
});
