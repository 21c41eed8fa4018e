import { describe, expect, it } from 'vitest';
import { createDispatcher, isOwnPage, type Handlers } from '../../electron/core/ipc/dispatcher.js';
import { WardlineFailure } from '../../electron/core/ipc/failure.js';
import { StoreError } from '../../electron/core/store/index.js';
import { requestChannels, requests } from '../../electron/common/contract.js';

const APP = 'app://wardline';
const own = { senderUrl: 'app://wardline/index.html', isMainFrame: true };

function dispatcherWith(overrides: Partial<Handlers> = {}, unlocked = false) {
  const refused: string[] = [];
  // Channels a test does not exercise fail loudly if reached.
  const unused = Object.fromEntries(
    requestChannels.map((c) => [c, () => { throw new Error(`unexpected call to ${c}`); }]),
  ) as unknown as Handlers;
  const handlers: Handlers = {
    ...unused,
    'app:info': () => ({ name: 'Wardline', version: '1.2.3', shell: 'electron', platform: 'win32', pinRule: { minDigits: 6, minPassphraseChars: 8 } }),
    'session:state': () => ({ kind: 'no-profile', profiles: [], notice: null }),
    'conversations:list': () => [],
    'conversations:openDirect': () => ({ conversationId: 1 }),
    ...overrides,
  };
  const dispatch = createDispatcher({
    appOrigin: APP,
    handlers,
    isUnlocked: () => unlocked,
    lockEpoch: () => 0,
    onRefused: (channel, error) => refused.push(`${channel}:${error.code}`),
  });
  return { dispatch, refused };
}

describe('IPC dispatcher', () => {
  it('answers a valid call from our own page', async () => {
    const { dispatch } = dispatcherWith();
    expect(await dispatch(own, 'app:info', {})).toEqual({
      ok: true,
      value: { name: 'Wardline', version: '1.2.3', shell: 'electron', platform: 'win32', pinRule: { minDigits: 6, minPassphraseChars: 8 } },
    });
  });

  it.each([
    ['another origin', { senderUrl: 'https://evil.example/', isMainFrame: true }],
    ['a look-alike host', { senderUrl: 'app://wardline.evil/index.html', isMainFrame: true }],
    ['file://', { senderUrl: 'file:///C:/Users/x/index.html', isMainFrame: true }],
    ['a sub-frame of our page', { senderUrl: 'app://wardline/index.html', isMainFrame: false }],
    ['an empty sender', { senderUrl: '', isMainFrame: true }],
  ])('refuses %s as a foreign sender, before touching the handler', async (_label, ctx) => {
    let called = false;
    const { dispatch, refused } = dispatcherWith({ 'app:info': () => { called = true; return { name: 'Wardline', version: '1', shell: 'electron', platform: 'x', pinRule: { minDigits: 6, minPassphraseChars: 8 } }; } });
    const result = await dispatch(ctx, 'app:info', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } });
    expect(called).toBe(false);
    expect(refused).toEqual(['app:info:forbidden-sender']);
  });

  it('refuses payloads that violate the schema, without echoing them', async () => {
    const { dispatch } = dispatcherWith({}, true);
    const bad = await dispatch(own, 'conversations:openDirect', { jid: 42 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    const extra = await dispatch(own, 'app:info', { secret: 'Patient Jane Doe' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    expect(JSON.stringify(extra)).not.toContain('Jane');
    const huge = await dispatch(own, 'conversations:openDirect', { jid: `${'a'.repeat(5000)}@x.example` });
    expect(huge).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
  });

  it('refuses unknown channels, including prototype names', async () => {
    const { dispatch } = dispatcherWith();
    for (const channel of ['nope', '__proto__', 'constructor', 42, null]) {
      expect(await dispatch(own, channel, {})).toMatchObject({ ok: false, error: { code: 'unknown-channel' } });
    }
  });

  it('refuses data channels while locked and serves them when unlocked', async () => {
    expect(await dispatcherWith({}, false).dispatch(own, 'conversations:list', {})).toMatchObject({
      ok: false,
      error: { code: 'locked' },
    });
    expect(await dispatcherWith({}, true).dispatch(own, 'conversations:list', {})).toEqual({ ok: true, value: [] });
  });

  // Issue 3: "refuses every channel that returns message, conversation or patient data ... tested
  // channel by channel". The set allowed while locked is pinned, so a new or edited channel that
  // would answer at the lock screen fails here; every other channel is tried, and its handler
  // must never run.
  it('while locked, every channel but the seven lock-screen ones is refused before its handler runs', async () => {
    const lockScreen = requestChannels.filter((channel) => requests[channel].locked === 'allow');
    expect([...lockScreen].sort()).toEqual(
      ['app:info', 'profiles:create', 'profiles:remove', 'session:lock', 'session:state', 'session:unlock', 'ui:focus'].sort(),
    );
    const ran: string[] = [];
    const recording = Object.fromEntries(requestChannels.map((c) => [c, () => void ran.push(c)])) as unknown as Handlers;
    const { dispatch, refused } = dispatcherWith(recording, false);
    const dataChannels = requestChannels.filter((channel) => !lockScreen.includes(channel));
    expect(dataChannels.length).toBeGreaterThan(30);
    for (const channel of dataChannels) {
      expect(await dispatch(own, channel, {}), channel).toMatchObject({ ok: false, error: { code: 'locked' } });
    }
    expect(ran).toEqual([]);
    expect(refused).toEqual(dataChannels.map((channel) => `${channel}:locked`));
  });

  it('messages:retry: refused while locked (handler never runs), payload checked, served when unlocked', async () => {
    const retried: number[] = [];
    const handlers = { 'messages:retry': ({ messageId }: { messageId: number }) => (retried.push(messageId), { queued: true as const }) };
    expect(await dispatcherWith(handlers, false).dispatch(own, 'messages:retry', { messageId: 7 })).toMatchObject({ ok: false, error: { code: 'locked' } });
    expect(retried).toEqual([]);
    const unlocked = dispatcherWith(handlers, true).dispatch;
    for (const bad of [{ messageId: 0 }, { messageId: 1.5 }, { messageId: '7' }, { messageId: 7, body: 'x' }, {}]) {
      expect(await unlocked(own, 'messages:retry', bad)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    expect(await unlocked(own, 'messages:retry', { messageId: 7 })).toEqual({ ok: true, value: { queued: true } });
    expect(retried).toEqual([7]);
  });

  it('turns handler failures into typed errors, never stack traces', async () => {
    const { dispatch } = dispatcherWith({
      'app:info': () => { throw new Error('ENOENT /home/nurse/secret path'); },
      'conversations:openDirect': () => { throw new WardlineFailure('rejected', 'That address is outside your organisation.'); },
    }, true);
    const internal = await dispatch(own, 'app:info', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal', reference: expect.stringMatching(/^[0-9A-F]{8}$/) } });
    expect(JSON.stringify(internal)).not.toMatch(/ENOENT|nurse|secret/);
    expect(await dispatch(own, 'conversations:openDirect', { jid: 'x@elsewhere.example' })).toEqual({
      ok: false,
      error: { code: 'rejected', message: 'That address is outside your organisation.' },
    });
  });

  it('gives an internal error a reference the person can read out and IT finds in the log, with the error name only', async () => {
    const logged: { channel: string; reference: string | undefined; cause: string | undefined }[] = [];
    const dispatch = createDispatcher({
      appOrigin: APP,
      handlers: { 'app:info': () => { throw new TypeError('cannot read bed 4 sats 88%'); } } as unknown as Handlers,
      isUnlocked: () => true,
      lockEpoch: () => 0,
      onRefused: (channel, error, cause) => logged.push({ channel, reference: error.reference, cause }),
    });
    const first = await dispatch(own, 'app:info', {});
    const second = await dispatch(own, 'app:info', {});
    if (first.ok || second.ok) throw new Error('expected internal errors');
    expect(first.error.message).toBe(`Wardline hit an internal error (reference ${first.error.reference}). Please try again; if it happens again, give IT the reference.`);
    expect(second.error.reference).not.toBe(first.error.reference);
    expect(logged).toEqual([
      { channel: 'app:info', reference: first.error.reference, cause: 'TypeError' },
      { channel: 'app:info', reference: second.error.reference, cause: 'TypeError' },
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/bed 4|88%/);
  });

  it('tells the person what a store failure under an action means, instead of "internal error"', async () => {
    const failing = (kind: 'io' | 'corrupt' | 'closed' | 'internal') => dispatcherWith({ 'conversations:list': () => { throw new StoreError(kind); } }, true);
    expect(await failing('io').dispatch(own, 'conversations:list', {})).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringMatching(/disk \(it may be full or read-only\)/) } });
    expect(await failing('corrupt').dispatch(own, 'conversations:list', {})).toMatchObject({ ok: false, error: { message: expect.stringMatching(/damaged.*do not remove your profile/) } });
    expect(await failing('closed').dispatch(own, 'conversations:list', {})).toMatchObject({ ok: false, error: { message: expect.stringMatching(/Lock and unlock/) } });
    expect(await failing('internal').dispatch(own, 'conversations:list', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('validates responses so core bugs cannot leak extra data to the page', async () => {
    const { dispatch } = dispatcherWith({
      // @ts-expect-error deliberately wrong shape
      'app:info': () => ({ name: 'Wardline', version: 1 }),
    });
    expect(await dispatch(own, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('compares origins exactly', () => {
    expect(isOwnPage(APP, 'app://wardline/')).toBe(true);
    expect(isOwnPage(APP, 'app://wardline:80/')).toBe(false);
    expect(isOwnPage(APP, 'not a url')).toBe(false);
  });
});
