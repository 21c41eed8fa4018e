/**
 * "Re-notifies until acknowledged" (issue 6 §2), across whole cores on a real Prosody: a
 * responder's workstation keeps notifying (urgent, no content) while a call-in awaits their
 * answer, even after they read the announcement room, and stops once they answer. And the
 * policy's preconfigured rooms: joined by everyone at sign-in, used when a coordinator declares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_NOTIFICATION_POLICY } from '../../electron/core/notify/notificationPolicy.js';
import type { PolicyLoad } from '../../electron/core/policy/policyFile.js';
import { applyKeyringEnv, startKeyring, type Keyring } from '../fixtures/keyring.js';
import { policyWith, removePolicyFiles } from '../fixtures/policyFiles.js';
import { startProsody, type ProsodyServer } from '../fixtures/prosody.js';
import { cleanUpDataDirs, signIn, startCore, until, type CoreUnderTest } from './coreHarness.js';

const INTERVAL_MS = 300;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let keyring: Keyring;
let server: ProsodyServer;
const open: CoreUnderTest[] = [];

beforeAll(async () => {
  keyring = await startKeyring();
  applyKeyringEnv(keyring.env);
  server = await startProsody({ users: ['lead', 'nurse', 'lead2', 'nurse2', 'lead3', 'nurse3', 'lead4', 'lead5', 'nurse5'].map((username) => ({ username, password: `${username}-password` })) });
});

afterAll(async () => {
  for (const app of open) await app.close().catch(() => undefined);
  await server?.stop();
  await keyring?.stop();
  cleanUpDataDirs();
  removePolicyFiles();
});

/** An admin policy file with this incident section, loaded as the app loads it. */
async function incidentPolicy(incident: Record<string, unknown>): Promise<PolicyLoad> {
  const load = await policyWith({ incident });
  expect(load.kind).toBe('managed');
  return load;
}

async function person(name: string, role: string, user: string, adminPolicy?: PolicyLoad): Promise<CoreUnderTest> {
  const app = startCore({
    server,
    notificationPolicy: { ...DEFAULT_NOTIFICATION_POLICY, urgentIntervalMs: INTERVAL_MS, urgentMaxReminders: 100 },
    ...(adminPolicy ? { adminPolicy } : {}),
  });
  open.push(app);
  await app.call('profiles:create', { displayName: name, role, pin: '482913' });
  await signIn(app, server, user, `${user}-password`);
  return app;
}

describe("the policy's incident rooms", () => {
  it('every profile joins the announcement room at sign-in, and declaring uses the preconfigured rooms', async () => {
    const announcement = `mi-staff@${server.mucDomain}`;
    const coordination = `mi-coord@${server.mucDomain}`;
    const adminPolicy = await incidentPolicy({ announcementRoom: announcement, coordinationRoom: coordination, declarers: [`lead2@${server.domain}`] });
    const lead = await person('Dr Rhys Evans', 'Site manager', 'lead2', adminPolicy);
    await lead.call('incident:declare', { name: 'Chemical exposure', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const state = await lead.call('incident:state', {});
    expect(JSON.stringify(state)).toContain(announcement);
    // A nurse who never set anything up still receives the call-in.
    const nurse = await person('Ben Adeyemi', 'ED nurse', 'nurse2', adminPolicy);
    await until('the nurse is in the announcement room', async () => (await nurse.call('conversations:list', {})).some((c) => c.address === announcement));
    await lead.call('incident:request', { lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], note: '' });
    await until('the nurse sees the call-in', async () => (await nurse.call('incident:state', {})).incident !== null);
    // Nor can anyone leave it, or the coordination room, as they can leave a team room.
    await expect(nurse.call('rooms:leave', { roomJid: announcement })).rejects.toThrow(/used for major incidents, so it cannot be left/);
    await expect(lead.call('rooms:leave', { roomJid: coordination.toUpperCase() })).rejects.toThrow(/used for major incidents/);
    // Nor by an address written another way that names the same room (review finding).
    await expect(nurse.call('rooms:leave', { roomJid: `${announcement}.` })).rejects.toThrow(/used for major incidents/);
    // Not offered in the first place: the list marks the room as one incidents use.
    expect((await nurse.call('conversations:list', {})).find((c) => c.address === announcement)).toMatchObject({ closed: null, incidentRoom: true });
  });
});

describe('call-in alerts', () => {
  it('re-notify a responder until they answer, not merely until they read the room', async () => {
    const adminPolicy = await incidentPolicy({ declarers: [`lead@${server.domain}`] });
    const lead = await person('Dr Lena Okoro', 'ED consultant', 'lead', adminPolicy);
    const nurse = await person('Amy Ng', 'ED nurse', 'nurse', adminPolicy);
    const announcements = `announce@${server.mucDomain}`;
    await lead.call('incident:declare', {
      name: 'Tram collision',
      exercise: true,
      details: '',
      coordinators: [],
      displays: [],
      announcementRoom: announcements,
      coordinationRoom: null,
    });
    await nurse.call('incident:watch', { roomJid: announcements });
    const { requestId } = await lead.call('incident:request', { lines: [{ role: 'ED nurse', count: 2, location: 'ED resus', by: null }], note: '' });

    await until('the nurse is alerted', async () => nurse.notifications.length > 0);
    // A declared incident's own rooms (not in policy) are kept while it is open.
    await expect(nurse.call('rooms:leave', { roomJid: announcements })).rejects.toThrow(/used for major incidents/);
    expect(nurse.notifications.every((n) => n.title === 'Wardline' && n.body === 'Urgent message' && n.urgent)).toBe(true);
    // Reading the announcement room does not count as answering the call-in.
    const room = (await nurse.call('conversations:list', {})).find((c) => c.address === announcements);
    if (room) await nurse.call('conversations:markRead', { conversationId: room.id });
    const beforeWait = nurse.notifications.length;
    // Reminded again (on the 300 ms interval): waited for, as a loaded machine may be late with it.
    await until('the nurse is reminded after reading the room', async () => nurse.notifications.length > beforeWait);

    await nurse.call('incident:respond', { requestId, availability: { status: 'now', etaMinutes: 15 } });
    await sleep(INTERVAL_MS * 2); // anything already due lands
    const afterAnswer = nurse.notifications.length;
    await sleep(INTERVAL_MS * 4);
    expect(nurse.notifications.length).toBe(afterAnswer);
    // The coordinator is never nagged about their own call-in.
    expect(lead.notifications.filter((n) => n.body === 'Urgent message')).toEqual([]);
    // Still kept straight after an unlock, before the stored incidents are read again (review finding).
    await nurse.call('session:lock', {});
    const locked = await nurse.call('session:state', {});
    await nurse.call('session:unlock', { profileId: locked.kind === 'locked' ? (locked.lockedProfileId ?? '') : '', pin: '482913' });
    await expect(nurse.call('rooms:leave', { roomJid: announcements })).rejects.toThrow(/used for major incidents/);
  });
});

describe('who may declare (fail closed)', () => {
  it('without a declarers policy nobody can declare, and a declaration from elsewhere never reaches the board', async () => {
    const announcements = `closed-announce@${server.mucDomain}`;
    // The lead's workstation has a policy naming them; the nurse's has none at all.
    const lead = await person('Dr Mo Shah', 'ED consultant', 'lead3', await incidentPolicy({ declarers: [`lead3@${server.domain}`] }));
    const nurse = await person('Cai Li', 'ED nurse', 'nurse3');
    expect((await nurse.call('incident:state', {})).canDeclare).toBe(false);
    expect((await lead.call('incident:state', {})).canDeclare).toBe(true);
    await expect(
      nurse.call('incident:declare', { name: 'Fake', exercise: false, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null }),
    ).rejects.toThrow(/IT team has not named who may declare/);

    await lead.call('incident:declare', {
      name: 'Tram collision', exercise: true, details: '', coordinators: [], displays: [`nurse3@${server.domain}`], announcementRoom: announcements, coordinationRoom: null,
    });
    await nurse.call('incident:watch', { roomJid: announcements });
    await lead.call('incident:request', { lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], note: '' });
    // The nurse's workstation received the declaration (1:1, as a named display) and the call-in (room):
    // the room shows the readable copy, but the board stays empty.
    await until('the call-in reached the nurse', async () => {
      const room = (await nurse.call('conversations:list', {})).find((c) => c.address === announcements);
      return room !== undefined && room.lastActivityAt !== null;
    });
    // The declaration (1:1) and the call-in (room) travel separately: wait until the declaration
    // was handled (and refused) rather than for a fixed time, then look at the board.
    await until('the declaration was refused', async () => nurse.logs.some((line) => line.includes('incident ignored reason=declarer-not-allowed')));
    expect((await nurse.call('incident:state', {})).incident).toBeNull();
  });
});

describe('refused incident messages', () => {
  it('a declaration to an address with no account shows as not delivered on the coordinator\'s screen, and still does after a lock', async () => {
    const lead = await person('Dr Ada Obi', 'ED consultant', 'lead4', await incidentPolicy({ declarers: [`lead4@${server.domain}`] }));
    const nobody = `nobody-here@${server.domain}`;
    await lead.call('incident:declare', { name: 'Gas leak', exercise: true, details: '', coordinators: [], displays: [nobody], announcementRoom: null, coordinationRoom: null });
    await until('the refusal is on the coordinator\'s screen', async () => ((await lead.call('incident:state', {})).incident?.undelivered.length ?? 0) > 0);
    const state = await lead.call('incident:state', {});
    expect(state.incident?.undelivered).toEqual([{ ref: expect.stringMatching(/^wl-[0-9a-f]{24}$/), resend: 'ready', kind: 'declare', to: nobody, reason: 'no-such-address', at: expect.any(Number) }]);
    expect(lead.logs).toContain('incident bounced kind=declare condition=service-unavailable');
    // An idle lock must not make the refusal vanish from the coordinator's screen.
    const session = await lead.call('session:lock', {});
    await lead.call('session:unlock', { profileId: session.kind === 'locked' ? (session.lockedProfileId ?? '') : '', pin: '482913' });
    await until('the board is back after unlock', async () => (await lead.call('incident:state', {})).incident !== null);
    expect((await lead.call('incident:state', {})).incident?.undelivered).toEqual(state.incident?.undelivered);
    // Sent again after the lock (what to send is kept with the refusal): still no such account, so
    // the server refuses the new copy and the line comes back once, for the new transmission.
    const first = state.incident!.undelivered[0]!.ref;
    await lead.call('incident:resend', { ref: first });
    await until('the copy sent again is refused too', async () => {
      const again = (await lead.call('incident:state', {})).incident?.undelivered ?? [];
      return again.length === 1 && again[0]!.ref !== first;
    });
    expect(lead.logs).toContain('incident resent kind=declare');
    expect(lead.logs.filter((line) => line === 'incident bounced kind=declare condition=service-unavailable')).toHaveLength(2);
  });
});

describe('incident messages queued while the server was away', () => {
  it('a call-in made during a server outage reaches the room once the server is back, not refused for going out before the room was rejoined (review finding)', async () => {
    const announcement = `mi-outage@${server.mucDomain}`;
    const adminPolicy = await incidentPolicy({ announcementRoom: announcement, declarers: [`lead5@${server.domain}`] });
    const lead = await person('Dr Nia Hughes', 'Site manager', 'lead5', adminPolicy);
    await lead.call('incident:declare', { name: 'Power failure', exercise: true, details: '', coordinators: [], displays: [], announcementRoom: null, coordinationRoom: null });
    const nurse = await person('Tom Reid', 'ED nurse', 'nurse5', adminPolicy);
    await until('the nurse is in the announcement room', async () => (await nurse.call('conversations:list', {})).some((c) => c.address === announcement));

    await server.kill();
    await until('the lead is offline', async () => (await lead.call('chat:connection', {})).kind !== 'online');
    await lead.call('incident:request', { lines: [{ role: 'ED nurse', count: 1, location: 'ED resus', by: null }], note: '' });
    await server.restart();

    await until('the nurse sees the call-in', async () => ((await nurse.call('incident:state', {})).incident?.requests.length ?? 0) > 0, 30_000);
    expect((await lead.call('incident:state', {})).incident?.undelivered).toEqual([]);
  });
});
