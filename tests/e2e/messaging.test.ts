/**
 * Two people, two Wardline windows, one real Prosody: what each of them sees.
 * Real Chromium, real core, real SQLCipher stores, real keyring.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWardline, type OpenWardline } from '../../tools/chromium/openWardline.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { startProsody, type ProsodyServer } from '../fixtures/prosody.js';
import { buildChatMessage } from '../../electron/core/messaging/index.js';
import { connectXmpp } from '../../electron/core/xmpp/index.js';
import { noAdminPolicy } from './noAdminPolicy.js';
import { checkScreen } from './checkScreen.js';
import { connectThroughUi, createProfileThroughUi, unlockThroughUi } from './steps.js';
import { DRAFT_PAUSE_MS } from '../../renderer/src/lib/draftKeeper.js';

interface Person {
  app: OpenWardline;
  dataDir: string;
  /** What the OS notifications main showed said (bodies, redacted by policy; the title is always "Wardline"). */
  notified: string[];
  /** The core's log lines (no content: the log is checked for that elsewhere). */
  logs: string[];
  page: Page;
  jid: string;
}

describe('messaging between two people, end to end', () => {
  let keyring: Keyring;
  let server: ProsodyServer;
  const dirs: string[] = [];
  let alice: Person;
  let bob: Person;

  async function person(name: string, role: string, user: string): Promise<Person> {
    const dataDir = await mkdtemp(join(tmpdir(), `wardline-e2e-${user}-`));
    dirs.push(dataDir);
    const notified: string[] = [];
    const logs: string[] = [];
    const app = await openWardline({
      dataDir,
      headless: true,
      log: (line) => logs.push(line),
      policyFile: noAdminPolicy(dataDir),
      core: {
        chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] },
        notify: { show: ({ body }) => void notified.push(body) },
      },
    });
    await createProfileThroughUi(app.page, name, role, '246810');
    await connectThroughUi(app.page, server, user, `${user}-password`);
    return { app, dataDir, notified, logs, page: app.page, jid: `${user}@${server.domain}` };
  }

  beforeAll(async () => {
    keyring = await startKeyring();
    applyKeyringEnv(keyring.env);
    server = await startProsody({
      otherDomains: ['partner.test'],
      users: [
        { username: 'alice', password: 'alice-password' },
        { username: 'bob', password: 'bob-password' },
        { username: 'visitor', password: 'visitor-password', domain: 'partner.test' },
      ],
    });
    alice = await person('Alice Moreno', 'Bed manager', 'alice');
    bob = await person('Dr Bob Reyes', 'Consultant', 'bob');
  });

  afterAll(async () => {
    await alice?.app.close();
    await bob?.app.close();
    await server?.stop();
    await keyring?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('delivers a 1:1 message and shows sent, delivered and read to the sender', async () => {
    // After connecting, focus is on the next thing to do, not the page.
    await expect.poll(() => alice.page.evaluate('document.activeElement?.id')).toBe('new-conversation');
    // New takes focus into its search; Escape closes it and hands focus back to New.
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => alice.page.evaluate('document.activeElement?.closest("label")?.textContent?.trim()')).toBe('Find a colleague or team');
    await alice.page.keyboard.press('Escape');
    await expect.poll(() => alice.page.getByRole('heading', { name: 'New conversation' }).count()).toBe(0);
    await expect.poll(() => alice.page.evaluate('document.activeElement?.id')).toBe('new-conversation');
    await alice.page.getByRole('button', { name: 'New' }).click();
    await alice.page.getByLabel('Message an address').fill(bob.jid);
    await checkScreen(alice.page, 'messaging-00-new-conversation');
    await alice.page.getByRole('button', { name: 'Message', exact: true }).click();
    const composer = alice.page.getByLabel('Message', { exact: true });
    await composer.fill('Bed 12 free on ward 7 for your patient from ED.');
    await composer.press('Enter');
    const aliceMessages = alice.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => aliceMessages.textContent()).toContain('Bed 12 free on ward 7');
    await expect.poll(() => aliceMessages.getByLabel('Delivered').count()).toBe(1);
    await checkScreen(alice.page, 'messaging-01-alice-delivered');

    // Bob's list shows the new conversation; opening it marks it read.
    const bobItem = bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /alice/i });
    await expect.poll(() => bobItem.getAttribute('aria-label')).toMatch(/1 unread/);
    await bobItem.click();
    await expect.poll(() => bob.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Bed 12 free on ward 7');
    await expect.poll(() => aliceMessages.getByLabel('Read').count()).toBe(1);

    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('Thanks. Sending him up now.\nPlease have a monitor ready.');
    await bob.page.getByLabel('Urgent').check();
    await bob.page.getByRole('button', { name: 'Send urgent', exact: true }).click();
    await expect.poll(() => aliceMessages.textContent()).toContain('Please have a monitor ready.');
    // The button disabled itself once the box emptied; focus went back to the box, not to the page.
    await expect.poll(() => bob.page.evaluate('document.activeElement?.id')).toBe('composer-text');
    expect(await aliceMessages.getByText('URGENT', { exact: true }).count()).toBe(1);
    // Alice opened the chat by address ("bob"); Bob's reply carried the name he signs with.
    const aliceList = alice.page.getByRole('navigation', { name: 'Conversations' });
    await expect.poll(() => aliceList.getByRole('button', { name: /Dr Bob Reyes/ }).count()).toBe(1);
    await expect.poll(() => alice.page.getByRole('heading', { name: /Dr Bob Reyes/ }).count()).toBe(1);
    // The list previews the newest message on one line (policy allows previews by default).
    await expect.poll(() => aliceList.getByRole('button', { name: /Dr Bob Reyes/ }).textContent()).toContain('Thanks. Sending him up now. Please have a monitor ready.');
    await checkScreen(alice.page, 'messaging-02-alice-conversation');
    await checkScreen(bob.page, 'messaging-03-bob-conversation');
  });

  it('shows hostile text as text and refuses over-long messages with a clear message', async () => {
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\u202Egnp.exe');
    await bobComposer.press('Enter');
    const aliceMessages = alice.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => aliceMessages.textContent()).toContain('<script>window.__pwned=2</script>');
    expect(await alice.page.evaluate('window.__pwned === undefined')).toBe(true);
    expect(await aliceMessages.textContent()).not.toContain('\u202E');

    await bobComposer.fill('x'.repeat(10_001));
    await expect.poll(() => bob.page.getByRole('alert').textContent()).toMatch(/too long: 1 character over the 10,000 limit/);
    expect(await bob.page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    // What was typed is still there.
    expect((await bobComposer.inputValue()).length).toBe(10_001);
    await bobComposer.fill('');
  });

  it('lets a team talk in a members-only room', async () => {
    const room = `ward7-nursing@${server.mucDomain}`;
    await alice.page.getByRole('button', { name: 'New' }).click();
    // A slip first: main refuses the address, names the field as the form labels it, and the
    // cursor goes back into that field, marked invalid, with what was typed still there.
    const roomField = alice.page.getByLabel('Join or create a team room');
    await roomField.fill('ward7-nursing@conference');
    await alice.page.getByRole('button', { name: 'Join room' }).click();
    await alice.page.getByRole('alert').filter({ hasText: 'Join or create a team room: enter an address like name@hospital.example.' }).waitFor();
    await expect.poll(() => alice.page.evaluate('document.activeElement?.getAttribute("name")')).toBe('roomJid');
    expect(await roomField.getAttribute('aria-invalid')).toBe('true');
    expect(await roomField.inputValue()).toBe('ward7-nursing@conference');
    await checkScreen(alice.page, 'messaging-04a-refused-room-address');
    // Refused in the window too, before main: a character no address can hold.
    await roomField.fill('ward7/nursing');
    await alice.page.getByRole('button', { name: 'Join room' }).click();
    await alice.page.getByRole('alert').filter({ hasText: 'A room name cannot hold' }).waitFor();
    expect(await roomField.getAttribute('aria-invalid')).toBe('true');
    // A short name is enough: the window shows the address it becomes on the hospital's room service.
    await roomField.fill('Ward7-Nursing');
    expect(await roomField.getAttribute('aria-invalid')).toBeNull();
    await expect.poll(() => alice.page.locator('#room-address').textContent()).toBe(`Room address: ${room}`);
    // The refusal went with the edit that answered it.
    expect(await alice.page.getByRole('alert').count()).toBe(0);
    await checkScreen(alice.page, 'messaging-04a2-room-short-name');
    await alice.page.getByLabel('Room name').fill('Ward 7 nursing');
    await alice.page.getByRole('button', { name: 'Join room' }).click();
    // From the keyboard: focus goes into the form, and back to "Add people" when it is done.
    await alice.page.getByRole('button', { name: 'Add people' }).press('Enter');
    await expect.poll(() => alice.page.evaluate('document.activeElement?.closest("label")?.textContent?.trim()')).toBe('Addresses to add');
    await alice.page.keyboard.type(bob.jid);
    await alice.page.keyboard.press('Enter');
    await expect.poll(() => alice.page.getByText('Added 1 person: the room is in their conversation list now, or when they next sign in.').isVisible()).toBe(true);
    await expect.poll(() => alice.page.evaluate('document.activeElement?.textContent')).toBe('Add people');

    // Bob, signed in, was invited: the room is in his list, under its name, without his asking.
    const bobsRoomRow = bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^# Ward 7 nursing|^Ward 7 nursing/ });
    await bobsRoomRow.waitFor();
    await bobsRoomRow.click();
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('Ward 7: two discharges before noon, beds 3 and 9.');
    await bobComposer.press('Enter');

    await expect
      .poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent())
      .toContain('two discharges before noon');
    // In a room the name is what Bob signed with; beside it, the address the server vouched for.
    expect(await alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain(bob.jid);
    await checkScreen(alice.page, 'messaging-04-alice-room');
  });

  it('lets a person quieten a busy room to mentions only, and still be reached by @name', async () => {
    const { page } = bob;
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const roomRow = list.getByRole('button', { name: /^ward ?7/i });
    await roomRow.click();
    const notifyMe = page.getByLabel('Notify me');
    expect(await notifyMe.inputValue()).toBe('all');
    await notifyMe.selectOption({ label: 'Only when I am mentioned' });
    // Stored in main, and said in the list: the row's name and its mark.
    await expect.poll(() => roomRow.getAttribute('aria-label')).toMatch(/mentions only$/);
    expect(await roomRow.textContent()).toContain('Mentions only');
    // Another conversation in front, so nothing is hidden by the room being on screen.
    await list.getByRole('button', { name: /^Alice Moreno/ }).click();

    const aliceSays = async (body: string) => {
      await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^# Ward 7 nursing|^Ward 7 nursing/ }).click();
      const composer = alice.page.getByLabel('Message', { exact: true });
      await composer.fill(body);
      await composer.press('Enter');
    };
    const before = bob.notified.length;
    await aliceSays('Ward 7: bay 2 cleaned, ready for the next admission.');
    await expect.poll(() => roomRow.getAttribute('aria-label')).toMatch(/1 unread/);
    expect(bob.notified.slice(before)).toEqual([]);
    // Alice need not know Bob's address: "@" offers colleagues from her directory (here a roster
    // item without a name, so his handle alone), and Enter writes the mention.
    const composer = alice.page.getByLabel('Message', { exact: true });
    await composer.pressSequentially('@bo');
    const offered = alice.page.getByRole('listbox', { name: 'Mention a colleague' }).getByRole('option');
    await expect.poll(async () => (await offered.allTextContents()).map((t) => t.trim())).toEqual(['@bob']);
    expect(await composer.getAttribute('aria-activedescendant')).toBe(await offered.first().getAttribute('id'));
    // The list follows the caret: away from the @word it closes, back on it it opens again.
    await composer.press('Home');
    await expect.poll(() => offered.count()).toBe(0);
    await composer.press('End');
    await expect.poll(() => offered.count()).toBe(1);
    await checkScreen(alice.page, 'messaging-04c-alice-mentions-bob');
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe('@bob ');
    await composer.pressSequentially('can you review the patient in bay 2 before noon?');
    await composer.press('Enter');
    await expect.poll(() => bob.notified.slice(before)).toEqual(['You were mentioned']);

    await roomRow.click();
    // Where the unseen ones start, above the first of them (Bob's own earlier message is above it).
    const newLine = page.getByRole('separator', { name: 'New messages' });
    await newLine.waitFor();
    const following = await newLine.evaluate((line) => line.nextElementSibling?.textContent ?? '');
    expect(following).toContain('bay 2 cleaned, ready for the next admission');
    const mention = page.getByRole('list', { name: 'Messages' }).getByRole('article').filter({ hasText: 'can you review the patient in bay 2' });
    await expect.poll(() => mention.textContent()).toContain('Mentions you');
    const plain = page.getByRole('list', { name: 'Messages' }).getByRole('article').filter({ hasText: 'ready for the next admission' });
    expect(await plain.textContent()).not.toContain('Mentions you');
    // Who can read the room, and who is in it now (by the address the room reveals).
    const peopleHere = page.getByRole('button', { name: 'People', exact: true });
    await peopleHere.click();
    expect(await peopleHere.getAttribute('aria-expanded')).toBe('true');
    const aliceRow = page.getByRole('list', { name: 'People who can read this room' }).getByRole('listitem').filter({ hasText: alice.jid });
    await expect.poll(() => aliceRow.textContent()).toMatch(/Owner[\s\S]*here now/);
    await checkScreen(page, 'messaging-04b-bob-room-mentions-only');
    await peopleHere.click();
    // Back to every message for the tests after this one.
    await notifyMe.selectOption('all');
    await expect.poll(() => roomRow.getAttribute('aria-label')).not.toMatch(/mentions only/);
  });

  it('holds messages from outside the organisation until the person accepts them', async () => {
    const visitor = connectXmpp({
      jid: 'visitor@partner.test',
      password: 'visitor-password',
      host: server.host,
      port: server.c2sPort,
      adminCa: { paths: [server.caCertPath] },
    });
    try {
      await new Promise<void>((resolve) => {
        if (visitor.state().kind === 'online') return resolve();
        const off = visitor.on('state', (s) => s.kind === 'online' && (off(), resolve()));
      });
      await visitor.send(buildChatMessage({ to: alice.jid, id: 'visitor-1', body: 'Hello, I am from the agency. Send me the bed list?' }));
      const held = alice.page.getByRole('region', { name: 'Outside your organisation' });
      await expect.poll(() => held.textContent()).toContain('visitor@partner.test');
      expect(await held.textContent()).toContain('1 message');
      // Held means held: the text is nowhere on screen and nowhere in the store.
      expect(await alice.page.content()).not.toContain('agency');
      expect(JSON.stringify(await alice.app.core.session.store().search('agency', 10))).toBe('[]');
      await checkScreen(alice.page, 'messaging-05-held-outside');

      // If the list cannot be read, the person is told, never shown "nobody held". Main's answer
      // to 'held:list' is made to fail across a lock; the panel's first read is after the unlock.
      await alice.page.getByRole('button', { name: 'Lock now' }).click();
      const core = alice.app.core as { dispatch: OpenWardline['core']['dispatch'] };
      const dispatch = core.dispatch;
      core.dispatch = (ctx, channel, payload) =>
        channel === 'held:list'
          ? Promise.resolve({ ok: false, error: { code: 'internal', message: 'Wardline hit an internal error. Please try again.' } })
          : dispatch(ctx, channel, payload);
      try {
        await unlockThroughUi(alice.page, 'Alice Moreno', '246810');
        await held.getByRole('alert').filter({ hasText: 'could not check for messages held from outside your organisation' }).waitFor();
        expect(await held.textContent()).not.toContain('visitor@partner.test');
        await checkScreen(alice.page, 'messaging-05b-held-list-failed');
      } finally {
        core.dispatch = dispatch;
      }
      await held.getByRole('button', { name: 'Check again' }).click();
      await expect.poll(() => held.textContent()).toContain('visitor@partner.test');
      expect(await held.getByRole('alert').count()).toBe(0);

      await alice.page.getByRole('button', { name: 'Accept messages from visitor@partner.test' }).press('Enter');
      await expect.poll(() => held.count()).toBe(0);
      // Its row went with the button: focus moves on to the conversations, not the page.
      await expect.poll(() => alice.page.evaluate('document.activeElement?.closest("nav")?.getAttribute("aria-label")')).toBe('Conversations');
      await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /visitor/ }).click();
      await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('from the agency');
    } finally {
      await visitor.close();
    }
  });

  it('keeps a half-written message through a conversation switch and a lock, encrypted, and the send uses it up', async () => {
    const { page } = bob;
    const nonce = randomBytes(4).toString('hex');
    const draft = `Half-written: bed 3 needs a falls assessment ${nonce}`;
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const withAlice = list.getByRole('button', { name: /Alice Moreno/ });
    const room = list.getByRole('button', { name: /ward ?7/i });
    const composer = page.getByLabel('Message', { exact: true });
    await withAlice.click();
    await composer.fill(draft);
    await page.getByLabel('Urgent').check();
    // Straight to another conversation, without a pause in typing.
    await room.click();
    await expect.poll(() => room.getAttribute('aria-current')).toBe('true');
    expect(await composer.inputValue()).toBe('');
    await expect.poll(() => withAlice.getAttribute('aria-label')).toMatch(/unsent draft/);
    await withAlice.click();
    await expect.poll(() => composer.inputValue()).toBe(draft);
    expect(await page.getByLabel('Urgent').isChecked()).toBe(true);

    // Still typing, then Ctrl+L: locked at once, and the draft is nowhere in the page...
    const longer = `${draft} and bed rails`;
    await composer.fill(longer);
    await page.keyboard.press('Control+L');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');
    expect(await page.content()).not.toContain(nonce);
    // ...nor in plaintext in the profile's files: it is in the encrypted store.
    for (const entry of await readdir(bob.dataDir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(join(entry.parentPath, entry.name)).catch(() => null);
      expect(bytes?.includes(Buffer.from(nonce)), `${entry.name} holds the draft in plaintext`).not.toBe(true);
    }
    await unlockThroughUi(page, 'Dr Bob Reyes', '246810');
    await expect.poll(() => composer.inputValue()).toBe(longer);
    await checkScreen(page, 'messaging-06-draft-after-unlock');

    // Typing, and the OS locks the screen (Win+L) before the pause that saves: main asks the
    // window to hand the draft over before it closes the store.
    const latest = `${longer}, pressure areas too`;
    // In order, not by the clock: the OS asks, then the window saves what was typed, then it is
    // locked (the state change, not the store's close after it). A bound on the whole round trip
    // (window, store worker, back) failed on a loaded machine although the order was right.
    const order: string[] = [];
    const core = bob.app.core as { dispatch: OpenWardline['core']['dispatch'] };
    const dispatch = core.dispatch;
    core.dispatch = (ctx, channel, payload) => {
      if (channel === 'drafts:save' && (payload as { body?: unknown }).body === latest) order.push('draft saved');
      return dispatch(ctx, channel, payload);
    };
    const stopAsking = bob.app.core.events.on('session:will-lock', () => order.push('asked'));
    const stopWatching = bob.app.core.events.on('session:changed', (state) => {
      if (state.kind === 'locked' && !order.includes('locked')) order.push('locked');
    });
    try {
      await composer.fill(latest);
      expect((await bob.app.core.session.lockForOs('os-lock')).kind).toBe('locked');
    } finally {
      stopWatching();
      stopAsking();
      core.dispatch = dispatch;
    }
    // Not saved before the OS asked (the composer's own pause, DRAFT_PAUSE_MS, had not come):
    // the window's handover saved it, and the lock waited for that.
    expect(order).toEqual(['asked', 'draft saved', 'locked']);
    expect(bob.logs).toContain('lock handover reason=os-lock');
    expect(bob.logs).not.toContain('lock handover unanswered reason=os-lock');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');
    await unlockThroughUi(page, 'Dr Bob Reyes', '246810');
    await expect.poll(() => composer.inputValue()).toBe(latest);

    // Sent, it reaches Alice once, urgent as chosen, and does not come back as a draft.
    await composer.press('Enter');
    await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^Dr Bob Reyes/ }).click();
    const aliceMessages = alice.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => aliceMessages.textContent()).toContain(latest);
    expect(await aliceMessages.getByText(latest).count()).toBe(1);
    await expect.poll(() => withAlice.getAttribute('aria-label')).not.toMatch(/unsent draft/);
    await room.click();
    await withAlice.click();
    await expect.poll(() => page.getByRole('list', { name: 'Messages' }).textContent()).toContain(latest);
    expect(await composer.inputValue()).toBe('');
    expect(await page.getByLabel('Urgent').isChecked()).toBe(false);
  });

  it('keeps the person’s place through a lock, and alerts for a conversation hidden behind another view', async () => {
    const { page } = bob;
    const list = page.getByRole('navigation', { name: 'Conversations' });
    const withAlice = list.getByRole('button', { name: /Alice Moreno/ });
    const heading = page.getByRole('heading', { name: /Alice Moreno/ });
    await withAlice.click();
    await expect.poll(() => heading.count()).toBe(1);
    const aliceToBob = async (body: string) => {
      const composer = alice.page.getByLabel('Message', { exact: true });
      await alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^Dr Bob Reyes/ }).click();
      await composer.fill(body);
      await composer.press('Enter');
    };
    // On screen: no OS notification for it (main decided when it stored it, before the thread shows it).
    const before = bob.notified.length;
    await aliceToBob('Porter booked for 14:30.');
    await expect.poll(() => page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Porter booked for 14:30.');
    expect(bob.notified.length).toBe(before);
    // Behind "New" it is not on screen, so the next message is notified.
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await aliceToBob('Porter running ten minutes late.');
    await expect.poll(() => bob.notified.length).toBeGreaterThan(before);

    // A conversation clicked in the list opens, whatever panel was showing.
    await page.getByRole('button', { name: 'My audit log' }).click();
    await expect.poll(() => heading.count()).toBe(0);
    await withAlice.click();
    await expect.poll(() => heading.count()).toBe(1);

    // The panel the person had open is where they come back to after a lock, and so is their status.
    await page.getByLabel('Status').selectOption('busy');
    await expect.poll(async () => (await bob.app.core.session.chat().presence())).toBe('busy');
    await page.getByRole('button', { name: 'My audit log' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'My audit log' }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Control+L');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Wardline is locked');
    await unlockThroughUi(page, 'Dr Bob Reyes', '246810');
    await expect.poll(() => page.getByRole('button', { name: 'My audit log' }).getAttribute('aria-pressed')).toBe('true');
    // Focus comes back to the panel the person was in, not to the first control of the page.
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('audit-title');
    await expect.poll(() => page.getByLabel('Status').inputValue()).toBe('busy');
    await page.getByRole('button', { name: 'My audit log' }).click();
    await expect.poll(() => heading.count()).toBe(1);
    await page.getByLabel('Status').selectOption('available');
  });

  it('tells a screen reader of every urgent arrival in the open conversation by name only, and keeps message text out of row names', async () => {
    const aliceList = alice.page.getByRole('navigation', { name: 'Conversations' });
    const withBob = aliceList.getByRole('button', { name: /^Dr Bob Reyes/ });
    await withBob.click();
    await expect.poll(() => alice.page.getByRole('heading', { name: /Dr Bob Reyes/ }).count()).toBe(1);
    const news = alice.page.getByRole('log', { name: 'Conversation news' });
    const entries = news.locator('p');
    const before = await entries.count();
    const bobToAlice = async (body: string) => {
      await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Alice Moreno/ }).click();
      await bob.page.getByLabel('Message', { exact: true }).fill(body);
      await bob.page.getByLabel('Urgent').check();
      await bob.page.getByRole('button', { name: 'Send urgent', exact: true }).click();
      await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain(body);
    };
    // The same words twice are still two announcements: each arrival is its own entry in the log.
    await bobToAlice('Sats dropping in bay 4, please come.');
    await expect.poll(() => entries.count()).toBe(before + 1);
    await bobToAlice('Now 86% on 15 litres.');
    await expect.poll(() => entries.count()).toBe(before + 2);
    expect(await entries.nth(before).textContent()).toBe('Urgent message from Dr Bob Reyes.');
    expect(await entries.nth(before + 1).textContent()).toBe('Urgent message from Dr Bob Reyes.');
    expect(await news.textContent()).not.toMatch(/bay 4|15 litres/);
    // The focused row's name is re-read when it changes: names and counts only. The preview is
    // its description, there when the person moves to the row.
    expect(await withBob.getAttribute('aria-label')).not.toMatch(/15 litres/);
    const described = await withBob.getAttribute('aria-describedby');
    expect(await alice.page.locator(`#${described}`).textContent()).toContain('Now 86% on 15 litres.');
  });

  it('keeps the account form and says why when the server refuses the password; a bad port is named before sending', async () => {
    await server.register('dana', 'dana-password');
    const dataDir = await mkdtemp(join(tmpdir(), 'wardline-e2e-dana-'));
    dirs.push(dataDir);
    const app = await openWardline({
      dataDir,
      headless: true,
      policyFile: noAdminPolicy(dataDir),
      core: { chatTrust: { adminCa: { paths: [server.caCertPath] }, trustedDomains: [server.domain] } },
    });
    try {
      const { page } = app;
      await createProfileThroughUi(page, 'Dana Kerr', 'Ward clerk', '246810');
      const form = page.getByRole('form', { name: 'Messaging account' });
      await form.getByLabel('Messaging address').fill(`dana@${server.domain}`);
      await form.getByLabel('Password').fill('not-her-password');
      await form.getByText('Server settings (only if IT asked you to)').click();
      await form.getByLabel('Server').fill(server.host);
      // A port out of range is named here, with focus on it, before anything is sent.
      await form.getByLabel('Port').fill('99999');
      await form.getByRole('button', { name: 'Connect' }).press('Enter');
      await expect.poll(() => form.getByRole('alert').textContent()).toBe('The port must be a number from 1 to 65535, or left empty.');
      expect(await page.evaluate('document.activeElement?.getAttribute("aria-invalid")')).toBe('true');
      await form.getByLabel('Port').fill(String(server.c2sPort));
      await form.getByRole('button', { name: 'Connect' }).press('Enter');
      // Refused for good: the reason is said, the form stays (it used to vanish with no way back).
      await expect.poll(() => page.getByRole('alert').filter({ hasText: /will not try again by itself/ }).count()).toBe(1);
      await checkScreen(page, 'messaging-08-password-refused');
      // Only the password is retyped: the address and server settings are as they were.
      expect(await form.getByLabel('Messaging address').inputValue()).toBe(`dana@${server.domain}`);
      expect(await form.getByLabel('Port').inputValue()).toBe(String(server.c2sPort));
      await form.getByLabel('Password').fill('dana-password');
      await form.getByRole('button', { name: 'Connect' }).press('Enter');
      await page.getByRole('status', { name: 'Connection' }).filter({ hasText: /^Connected$/ }).waitFor();
      expect(await page.getByRole('alert').filter({ hasText: /will not try again/ }).count()).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('finds messages through search', async () => {
    await alice.page.getByRole('searchbox').fill('monitor');
    await alice.page.getByRole('searchbox').press('Enter');
    const results = alice.page.getByRole('region', { name: 'Search results' });
    await expect.poll(() => results.textContent()).toContain('Please have a monitor ready.');
    // The outcome is spoken as a count, never the text found.
    await expect.poll(() => results.getByRole('status').textContent()).toMatch(/^\s*\d+ messages? found\.\s*$/);
    // Each hit is dated (it may be months old), and a 1:1 chat's name is not repeated as its writer's.
    const hit = (await results.getByRole('button').filter({ hasText: 'Please have a monitor ready.' }).first().textContent()) ?? '';
    expect(hit).toMatch(/\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d/);
    expect(hit).not.toMatch(/(Dr Bob Reyes) · \1/);
    await checkScreen(alice.page, 'messaging-07-search-results');
    // Opening a hit replaces the results: focus goes to the conversation it opened.
    await results.getByRole('button').filter({ hasText: 'Please have a monitor ready.' }).first().click();
    await expect.poll(() => alice.page.evaluate('document.activeElement?.id')).toBe('thread-title');
    await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Please have a monitor ready.');
  });

  /** Alice creates a team room through New and adds Bob to its members. */
  async function aliceOpensRoomWithBob(room: string, name: string): Promise<void> {
    await alice.page.getByRole('button', { name: 'New' }).click();
    await alice.page.getByLabel('Join or create a team room').fill(room);
    await alice.page.getByLabel('Room name').fill(name);
    await alice.page.getByRole('button', { name: 'Join room' }).click();
    await alice.page.getByRole('button', { name: 'Add people' }).click();
    await alice.page.getByLabel('Addresses to add').fill(bob.jid);
    await alice.page.getByLabel('Addresses to add').press('Enter');
    await expect.poll(() => alice.page.getByText('Added 1 person:').isVisible()).toBe(true);
  }

  /** Bob, signed in, was invited when Alice added him: the room is in his list under its name, and he opens it there. */
  async function bobOpensInvited(name: string): Promise<void> {
    const row = bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: new RegExp(name) });
    await row.waitFor();
    await row.click();
  }

  it('shows everyone who can read a room, and lets its owner take someone out, confirmed and audited', async () => {
    const room = `bed-management@${server.mucDomain}`;
    await aliceOpensRoomWithBob(room, 'Bed management');
    await bobOpensInvited('Bed management');
    await bob.page.getByRole('heading', { name: /Bed management/ }).waitFor();

    const people = alice.page.getByRole('button', { name: 'People', exact: true });
    const readers = alice.page.getByRole('list', { name: 'People who can read this room' });
    const bobRow = readers.getByRole('listitem').filter({ hasText: bob.jid });
    // Bob's arrival in the room may land just after the first read: read again until he is there.
    await expect
      .poll(async () => {
        if ((await people.getAttribute('aria-expanded')) === 'true') await people.click();
        await people.click();
        return (await bobRow.textContent()) ?? '';
      })
      .toContain('here now');
    expect(await readers.getByRole('listitem').filter({ hasText: alice.jid }).textContent()).toMatch(/\(you\)[\s\S]*Owner/);
    await checkScreen(alice.page, 'messaging-09-room-people');

    await bobRow.getByRole('button', { name: 'Remove bob from this room' }).click();
    // Confirmed first, and the safe choice has focus.
    await expect.poll(() => alice.page.evaluate('document.activeElement?.textContent')).toBe('Keep');
    await alice.page.getByRole('alertdialog', { name: /^Remove bob from this room\?/ }).getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => alice.page.getByText('bob can no longer read this room.').isVisible()).toBe(true);
    // The list, read again from the server, has Alice alone.
    await expect.poll(async () => (await readers.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(new RegExp(`^Alice Moreno \\(you\\) ${alice.jid} Owner`)),
    ]);

    // Bob's side: the history stays, and nothing can be typed where it could not go.
    await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Bed management/ }).click();
    await expect.poll(() => bob.page.getByText(/^You are not in this room any more/).isVisible()).toBe(true);
    expect(await bob.page.getByLabel('Message', { exact: true }).count()).toBe(0);
    await checkScreen(bob.page, 'messaging-09b-bob-removed-from-room');
    // Joining again is offered, and the room's refusal is said in words, not a server code.
    await bob.page.getByRole('button', { name: 'Join again' }).click();
    await expect.poll(() => bob.page.getByRole('alert').filter({ hasText: 'This room lets in only its members: ask its owner to add you.' }).isVisible()).toBe(true);
    expect(await bob.page.getByLabel('Message', { exact: true }).count()).toBe(0);

    // Who can read a clinical room changed: in Alice's audit log, in words.
    await alice.page.getByRole('button', { name: 'My audit log' }).click();
    const removal = alice.page.getByRole('table', { name: 'Audit entries' }).getByRole('row').filter({ hasText: 'Removed someone from a team room' });
    await expect.poll(() => removal.getByRole('cell').last().textContent()).toBe(`${bob.jid} · from ${room}`);
  });

  it('lets a person leave a team room, confirmed, keep its history, and join it again', async () => {
    const room = `discharge-lounge@${server.mucDomain}`;
    await aliceOpensRoomWithBob(room, 'Discharge lounge');
    await alice.page.getByLabel('Message', { exact: true }).fill('Two chairs free in the lounge');
    await alice.page.getByLabel('Message', { exact: true }).press('Enter');
    await bobOpensInvited('Discharge lounge');
    await bob.page.getByRole('heading', { name: /Discharge lounge/ }).waitFor();
    const messages = bob.page.getByRole('list', { name: 'Messages' });
    await expect.poll(() => messages.textContent()).toContain('Two chairs free in the lounge');

    // On a 1024×768 ward screen too, a room's tools leave the message and the composer in view.
    const usual = bob.page.viewportSize();
    await bob.page.setViewportSize({ width: 1024, height: 768 });
    // Seen, not merely laid out: what is at its centre on screen is the element itself (not clipped away
    // by its scroller, not under something else, not below the window).
    const seen = (element: Locator) =>
      element.evaluate((el) => {
        // This file is typed without the DOM library: the few browser calls used, spelled out.
        type Box = { left: number; top: number; width: number; height: number; bottom: number };
        const node = el as unknown as { getBoundingClientRect(): Box; contains(other: unknown): boolean };
        const page = globalThis as unknown as { innerHeight: number; document: { elementFromPoint(x: number, y: number): unknown } };
        const r = node.getBoundingClientRect();
        const hit = page.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return r.bottom <= page.innerHeight && hit !== null && (hit === el || node.contains(hit));
      });
    await expect.poll(() => seen(messages.getByText('Two chairs free in the lounge'))).toBe(true);
    expect(await seen(bob.page.getByRole('button', { name: 'Send' }))).toBe(true);
    await checkScreen(bob.page, 'messaging-10-room-on-1024x768');
    // People open and a transcription started together: the panel keeps room for its heading and
    // the box it puts the cursor in, and a message's checkbox reached by keyboard on a shorter
    // screen is scrolled into view above the composer that sticks at the column's foot, not under it.
    await bob.page.getByRole('button', { name: 'People', exact: true }).click();
    const picks = messages.getByRole('checkbox');
    await picks.last().check();
    await bob.page.getByRole('button', { name: /^Transcribe to record/ }).click();
    const transcribe = bob.page.getByRole('region', { name: /^Transcribe/ });
    await transcribe.waitFor();
    await expect.poll(() => seen(bob.page.locator(':focus'))).toBe(true);
    expect(await seen(transcribe.getByRole('heading').first())).toBe(true);
    await bob.page.setViewportSize({ width: 1024, height: 600 });
    await picks.last().focus();
    await expect.poll(() => seen(picks.last())).toBe(true);
    await bob.page.getByRole('region', { name: /^Transcribe/ }).getByRole('button', { name: 'Cancel' }).click();
    await bob.page.getByRole('button', { name: 'Clear selection' }).click().catch(() => undefined);
    await bob.page.getByRole('button', { name: 'People', exact: true }).click();
    if (usual !== null) await bob.page.setViewportSize(usual);

    const leaveButton = bob.page.getByRole('button', { name: 'Leave room', expanded: false });
    await leaveButton.click();
    // Confirmed first, and the safe choice has focus; Stay puts the cursor back where it was.
    await expect.poll(() => bob.page.evaluate('document.activeElement?.textContent')).toBe('Stay');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => bob.page.evaluate('document.activeElement?.getAttribute("aria-expanded")')).toBe('false');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => bob.page.evaluate('document.activeElement?.textContent')).toBe('Stay');
    const question = bob.page.getByRole('alertdialog', { name: /^Leave Discharge lounge\?/ });
    await checkScreen(bob.page, 'messaging-10a-leave-room-confirm');
    // With the room's people listed too, on a 1280×800 screen, Urgent and Send stay in view.
    const people = bob.page.getByRole('button', { name: 'People', exact: true });
    await people.click();
    await bob.page.getByRole('list', { name: 'People who can read this room' }).waitFor();
    await expect.poll(() => seen(bob.page.getByRole('button', { name: 'Send' }))).toBe(true);
    expect(await seen(bob.page.getByRole('checkbox', { name: 'Urgent' }))).toBe(true);
    await people.click();
    await question.getByRole('button', { name: 'Leave room' }).click();
    await expect.poll(() => bob.page.getByText('You left this room. Its history stays here to read.').isVisible()).toBe(true);
    // The cursor lands on Join again, which a screen reader announces with that note.
    await expect.poll(() => bob.page.evaluate('document.activeElement?.id')).toBe('join-again');
    expect(await bob.page.getByRole('button', { name: 'Join again' }).getAttribute('aria-describedby')).toBe('left-note');
    expect(await bob.page.getByLabel('Message', { exact: true }).count()).toBe(0);
    expect(await messages.textContent()).toContain('Two chairs free in the lounge');
    const listed = bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Discharge lounge/ });
    expect(await listed.getAttribute('aria-label')).toMatch(/you left$/);
    await checkScreen(bob.page, 'messaging-10-bob-left-room');

    await bob.page.getByRole('button', { name: 'Join again' }).click();
    // Back in: the composer returns with the cursor in it, and what Bob writes reaches Alice.
    await expect.poll(() => bob.page.evaluate('document.activeElement?.id')).toBe('composer-text');
    await bob.page.keyboard.type('Back in: I can take the lounge');
    await bob.page.keyboard.press('Enter');
    await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Back in: I can take the lounge');
    expect(await listed.getAttribute('aria-label')).not.toMatch(/you left/);
  });
  it("follows the person's rooms between their workstations as it happens: a room left at one is left at the other, joined again at one is back at the other", async () => {
    const room = `theatre-list@${server.mucDomain}`;
    await aliceOpensRoomWithBob(room, 'Theatre list');
    await bobOpensInvited('Theatre list');
    await bob.page.getByRole('heading', { name: /Theatre list/ }).waitFor();
    // Bob signs in at a second workstation: the room is listed there from his bookmarks, before anyone writes in it.
    const desk = await person('Dr Bob Reyes', 'Consultant', 'bob');
    try {
      const row = desk.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /Theatre list/ });
      await row.waitFor();
      await row.click();
      const deskComposer = desk.page.getByLabel('Message', { exact: true });
      await deskComposer.waitFor();

      // He leaves it at his first workstation: the desk is out of it at once, and says so.
      await bob.page.getByRole('button', { name: 'Leave room', expanded: false }).click();
      await bob.page.getByRole('alertdialog', { name: /^Leave Theatre list\?/ }).getByRole('button', { name: 'Leave room' }).click();
      await expect.poll(() => desk.page.getByText(/^You are not in this room any more/).isVisible()).toBe(true);
      expect(await deskComposer.count()).toBe(0);
      await checkScreen(desk.page, 'messaging-11-left-on-another-workstation');

      // He joins it again at the first: the desk is back in, and what he writes there reaches Alice.
      await bob.page.getByRole('button', { name: 'Join again' }).click();
      await expect.poll(() => deskComposer.count()).toBe(1);
      await deskComposer.fill('Theatre list ready for 14:00');
      await deskComposer.press('Enter');
      await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Theatre list ready for 14:00');
      await checkScreen(desk.page, 'messaging-11a-joined-again-at-another-workstation');
    } finally {
      await desk.app.close();
    }
  });

  it('sends a message to the conversation it was written in, even when the person opens another while its draft is still being saved (review finding)', async () => {
    const nav = alice.page.getByRole('navigation', { name: 'Conversations' });
    const sent: { conversationId: number; body: string }[] = [];
    const real = alice.app.core.dispatch;
    // A busy store (an archive catch-up, say): the draft save takes a second and a half.
    (alice.app.core as { dispatch: typeof real }).dispatch = async (context, channel, payload) => {
      if (channel === 'drafts:save') await new Promise((resolve) => setTimeout(resolve, 1_500));
      if (channel === 'messages:send') sent.push(payload as { conversationId: number; body: string });
      return real(context, channel, payload);
    };
    try {
      await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).click();
      const composer = alice.page.getByLabel('Message', { exact: true });
      await composer.fill('Bed 4 for Dr Reyes only: NHS 943 476 5919');
      await alice.page.waitForTimeout(DRAFT_PAUSE_MS + 150);
      await composer.press('Enter');
      // At once, before the save is done, the person opens another conversation.
      await nav.getByRole('button', { name: /ward7-nursing|Ward 7 nursing/ }).first().click();
      await expect.poll(() => sent.length, { timeout: 10_000 }).toBe(1);
      const list = (await real({ senderUrl: alice.page.url(), isMainFrame: true }, 'conversations:list', {})) as { ok: true; value: { id: number; address: string }[] };
      expect(sent[0]?.conversationId).toBe(list.value.find((c) => c.address === bob.jid)?.id);
      await expect.poll(() => bob.page.getByText('Bed 4 for Dr Reyes only', { exact: false }).count()).toBeGreaterThan(0);
    } finally {
      (alice.app.core as { dispatch: typeof real }).dispatch = real;
    }
  });
  it('says where a message was not sent when the person had already opened another conversation: its text is back in its box (review finding)', async () => {
    const nav = alice.page.getByRole('navigation', { name: 'Conversations' });
    const real = alice.app.core.dispatch;
    // The send is refused after a while (the store busy, then failing): by then Alice is elsewhere.
    (alice.app.core as { dispatch: typeof real }).dispatch = async (context, channel, payload) => {
      if (channel !== 'messages:send') return real(context, channel, payload);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { ok: false, error: { code: 'internal', message: 'Wardline could not save your message on this workstation.', reference: 'E2E' } };
    };
    try {
      await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).click();
      const composer = alice.page.getByLabel('Message', { exact: true });
      await composer.fill('Can you review bed 12 before 5pm?');
      await composer.press('Enter');
      await nav.getByRole('button', { name: /ward7-nursing|Ward 7 nursing/ }).first().click();
      const notice = alice.page.getByRole('alert').filter({ hasText: 'Your message in Dr Bob Reyes was not sent.' });
      await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(1);
      expect(await notice.textContent()).toContain('Wardline could not save your message on this workstation.');
      // The notice names the conversation, never what was written.
      expect(await notice.textContent()).not.toContain('bed 12');
      await checkScreen(alice.page, 'messaging-12-not-sent-after-moving-on');
      await notice.getByRole('button', { name: 'Open Dr Bob Reyes' }).press('Enter');
      await expect.poll(() => composer.inputValue()).toBe('Can you review bed 12 before 5pm?');
      expect(await notice.count()).toBe(0);
      const focusedId = () => alice.page.evaluate('document.activeElement === document.body ? "BODY" : document.activeElement.id');
      // Open by keyboard lands on the conversation (its title), not the page body.
      await expect.poll(focusedId).toBe('thread-title');
      // A second failure, dismissed by keyboard: focus goes back to where the person is, not the page body.
      await composer.press('Enter');
      await nav.getByRole('button', { name: /ward7-nursing|Ward 7 nursing/ }).first().click();
      await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(1);
      await notice.getByRole('button', { name: 'Dismiss' }).press('Enter');
      await expect.poll(() => notice.count()).toBe(0);
      await expect.poll(focusedId).not.toBe('BODY');
      // Back in the conversation before the failure arrives, already typing the next message: the
      // unsent text comes back into the open box, ahead of what was typed since, and the box says why.
      await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).click();
      await expect.poll(() => composer.inputValue()).toBe('Can you review bed 12 before 5pm?');
      await composer.press('Enter');
      await nav.getByRole('button', { name: /ward7-nursing|Ward 7 nursing/ }).first().click();
      await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).click();
      await composer.fill('Also bed 14.');
      const inBox = alice.page.getByRole('form', { name: 'Write a message' }).getByRole('alert');
      await expect.poll(() => inBox.textContent(), { timeout: 10_000 }).toContain('Wardline could not save your message on this workstation.');
      expect(await composer.inputValue()).toBe('Can you review bed 12 before 5pm?\nAlso bed 14.');
      expect(await notice.count()).toBe(0);
    } finally {
      (alice.app.core as { dispatch: typeof real }).dispatch = real;
    }
    await alice.page.getByLabel('Message', { exact: true }).fill('');
  });

  it('reads an open conversation once, not again and again while nothing happens (review finding)', async () => {
    const nav = alice.page.getByRole('navigation', { name: 'Conversations' });
    await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).click();
    await bob.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^Alice Moreno/ }).click();
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('Porter on the way.');
    await bobComposer.press('Enter');
    await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Porter on the way.');
    // Alice is looking at it: it is marked read.
    await expect.poll(() => nav.getByRole('button', { name: /^Dr Bob Reyes/ }).getAttribute('aria-label')).not.toMatch(/unread/);
    await alice.page.waitForTimeout(500);
    const real = alice.app.core.dispatch;
    const reads: string[] = [];
    (alice.app.core as { dispatch: typeof real }).dispatch = (context, channel, payload) => {
      if (channel === 'messages:page' || channel === 'conversations:markRead') reads.push(channel);
      return real(context, channel, payload);
    };
    try {
      // Nothing new arrives: the open thread has no reason to read its page again.
      await alice.page.waitForTimeout(3_000);
      expect(reads).toEqual([]);
    } finally {
      (alice.app.core as { dispatch: typeof real }).dispatch = real;
    }
  });

  it('marks a message that came while another window had focus read when the person comes back to it (review finding)', async () => {
    const row = alice.page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: /^Dr Bob Reyes/ });
    // Another window takes focus; the conversation stays open behind it.
    await alice.page.evaluate(`(() => { window.__hasFocus = document.hasFocus.bind(document); document.hasFocus = () => false; window.dispatchEvent(new FocusEvent('blur')); })()`);
    const bobComposer = bob.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('Monitor is on its way too.');
    await bobComposer.press('Enter');
    await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Monitor is on its way too.');
    // Not seen yet: nobody was looking.
    await expect.poll(() => row.getAttribute('aria-label')).toMatch(/1 unread/);
    await alice.page.evaluate(`(() => { document.hasFocus = window.__hasFocus; window.dispatchEvent(new FocusEvent('focus')); })()`);
    await expect.poll(() => row.getAttribute('aria-label')).not.toMatch(/unread/);
  });

  it('shows the list and the thread again once a read that failed works again (review finding)', async () => {
    const nav = alice.page.getByRole('navigation', { name: 'Conversations' });
    const real = alice.app.core.dispatch;
    const failing = new Set<unknown>(['conversations:list', 'messages:page']);
    // One read of each fails (the store busy, say); the next ones work.
    (alice.app.core as { dispatch: typeof real }).dispatch = async (context, channel, payload) => {
      if (!failing.delete(channel)) return real(context, channel, payload);
      return { ok: false, error: { code: 'internal', message: 'Wardline could not read your messages just now.', reference: 'E2E' } };
    };
    const alert = alice.page.getByRole('alert').filter({ hasText: 'Wardline could not read your messages just now.' });
    try {
      const bobComposer = bob.page.getByLabel('Message', { exact: true });
      await bobComposer.fill('Bed 9 is clean.');
      await bobComposer.press('Enter');
      await expect.poll(() => failing.size).toBe(0);
      await expect.poll(() => alert.count()).toBe(2);
      await bobComposer.fill('Bed 10 too.');
      await bobComposer.press('Enter');
      await expect.poll(() => alice.page.getByRole('list', { name: 'Messages' }).textContent()).toContain('Bed 10 too.');
      await expect.poll(() => alert.count()).toBe(0);
      expect(await nav.getByRole('button', { name: /^Dr Bob Reyes/ }).count()).toBe(1);
    } finally {
      (alice.app.core as { dispatch: typeof real }).dispatch = real;
    }
  });
});

