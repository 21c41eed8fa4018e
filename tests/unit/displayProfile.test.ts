// A control-room display profile has no conversation access: main refuses those channels
// outright (allowlist), before any handler runs; the incident channels it needs still answer.
import { describe, expect, it } from 'vitest';
import { requestChannels, type ProfileKind } from '../../electron/common/contract.js';
import { createDispatcher, type Handlers } from '../../electron/core/ipc/dispatcher.js';
import { profileAllows } from '../../electron/core/ipc/profileAccess.js';

const own = { senderUrl: 'app://wardline/index.html', isMainFrame: true };

function gate(kind: ProfileKind) {
  const called: string[] = [];
  const handlers = Object.fromEntries(
    requestChannels.map((channel) => [
      channel,
      () => {
        called.push(channel);
        throw new Error('stop here');
      },
    ]),
  ) as unknown as Handlers;
  const refused: string[] = [];
  const dispatch = createDispatcher({
    appOrigin: 'app://wardline',
    handlers,
    isUnlocked: () => true,
    lockEpoch: () => 0,
    profileAllows: (channel) => profileAllows(kind, channel),
    onRefused: (channel, error) => refused.push(`${channel}:${error.code}`),
  });
  return { dispatch, called, refused };
}

const CONVERSATION_CHANNELS = [
  'conversations:list',
  'conversations:openDirect',
  'conversations:markRead',
  'conversations:setNotify',
  'messages:page',
  'messages:send',
  'messages:retry',
  'messages:search',
  'rooms:join',
  'rooms:addMembers',
  'rooms:present',
  'rooms:members',
  'rooms:removeMember',
  'rooms:leave',
  'rooms:service',
  'held:list',
  'held:accept',
  'directory:list',
  'transcription:create',
  'transcription:saveFhir',
  'transcription:deleteOriginals',
  'governance:needsTranscription',
  'incident:respond',
  'incident:declare',
] as const;

describe('display profile gate', () => {
  it.each(CONVERSATION_CHANNELS)('refuses %s for a display profile without calling its handler', async (channel) => {
    const { dispatch, called, refused } = gate('display');
    const result = await dispatch(own, channel, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'rejected', message: expect.stringContaining('control-room display') } });
    expect(called).toEqual([]);
    expect(refused).toEqual([`${channel}:rejected`]);
  });

  it('lets a display read the display view, but not the board with every responder on it', async () => {
    const { dispatch, called } = gate('display');
    await dispatch(own, 'display:view', {});
    expect(await dispatch(own, 'incident:state', {})).toMatchObject({ ok: false, error: { code: 'rejected' } });
    await dispatch(own, 'session:lock', {});
    expect(called).toEqual(['display:view', 'session:lock']);
  });

  it('does not restrict a person', async () => {
    const { dispatch, called } = gate('person');
    await dispatch(own, 'conversations:list', {});
    expect(called).toEqual(['conversations:list']);
  });

  it('every channel outside the allowlist is refused (new channels fail closed)', () => {
    const allowed = requestChannels.filter((channel) => profileAllows('display', channel));
    expect(allowed.sort()).toEqual(
      ['account:get', 'account:set', 'app:info', 'chat:connection', 'display:view', 'profiles:create', 'profiles:remove', 'session:changePin', 'session:lock', 'session:setAutoLock', 'session:state', 'session:unlock', 'ui:focus'].sort(),
    );
  });
});
