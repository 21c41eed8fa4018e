// Adding people invites them; the person adding must not be told all is well when an invitation
// never reached the server (a reviewer's "at least a failure must be reported").
import { describe, expect, it } from 'vitest';
import { sendInvitations } from '../../electron/core/chat/invitationSending.js';
import { XmppError, type XmlElement } from '../../electron/core/xmpp/index.js';

const ROOM = 'ward7@conference.trust.test';

function deps(answer: (to: string) => Promise<void>) {
  const sent: XmlElement[] = [];
  const lines: string[] = [];
  return {
    sent,
    lines,
    deps: {
      send: (stanza: XmlElement) => {
        sent.push(stanza);
        return answer(String(stanza.attrs['to']));
      },
      log: (line: string) => lines.push(line),
      ackWaitMs: 50,
    },
  };
}

describe('sending invitations to the people added', () => {
  it('sends each person one invitation with its own id, and counts none missing when the server acknowledges them', async () => {
    const h = deps(async () => undefined);
    expect(await sendInvitations(h.deps, ROOM, ['amy@trust.test', 'ben@trust.test'])).toBe(0);
    expect(h.sent.map((stanza) => stanza.attrs['to'])).toEqual(['amy@trust.test', 'ben@trust.test']);
    expect(new Set(h.sent.map((stanza) => stanza.attrs['id'])).size).toBe(2);
    expect(h.lines).toEqual([]);
  });

  it('counts an invitation the connection refused, and one not acknowledged in time, and logs only addresses', async () => {
    const h = deps((to) =>
      to === 'amy@trust.test' ? Promise.reject(new XmppError('closed', 'The connection is closed.')) : to === 'ben@trust.test' ? new Promise<void>(() => undefined) : Promise.resolve(),
    );
    expect(await sendInvitations(h.deps, ROOM, ['amy@trust.test', 'ben@trust.test', 'cai@trust.test'])).toBe(2);
    expect(h.lines.sort()).toEqual([`chat invitation-not-sent room=${ROOM} to=amy@trust.test error=closed`, `chat invitation-unconfirmed room=${ROOM} to=ben@trust.test`]);
  });

  it('does not count one the next session resends (the stream was replaced before the acknowledgement)', async () => {
    const h = deps(() => Promise.reject(new XmppError('not-acked', 'The session was replaced.')));
    expect(await sendInvitations(h.deps, ROOM, ['amy@trust.test'])).toBe(0);
  });
});
