/**
 * Names from the network (room nicks, sender cards, a remover's name) are shown as who wrote a
 * message. neutraliseName promises null "when nothing visible is left", so the UI falls back to the
 * address instead of showing a blank sender.
 */
import { describe, expect, it } from 'vitest';
import { neutraliseName } from '../../electron/core/messaging/index.js';
import { readSenderCard, SENDER_NS } from '../../electron/core/chat/senderCard.js';
import { xml } from '../../electron/core/xmpp/xml.js';

describe('a name with nothing visible in it', () => {
  const invisible = {
    'combining grapheme joiner': '\u034F',
    'variation selectors': '\uFE0F\uFE0E',
    'supplementary variation selector': '\u{E0100}',
    'Mongolian free variation selectors': '\u180B\u180C',
    'Khmer inherent vowels': '\u17B4\u17B5',
    'combining marks only': '\u0301\u0308',
    'joiners and spaces mixed': ' \u034F \uFE0F ',
  };

  for (const [what, name] of Object.entries(invisible)) {
    it(`is no name: ${what}`, () => {
      expect(neutraliseName(name, 80)).toBeNull();
    });
  }

  it('is no sender card name', () => {
    const stanza = xml('message', { from: 'peer@trust.nhs.uk/desk' }, xml('sender', { xmlns: SENDER_NS, name: '\u034F\u17B4', role: 'Nurse' }));
    expect(readSenderCard(stanza)).toEqual({ name: null, role: 'Nurse' });
  });

  it('keeps visible names with marks and emoji as they are', () => {
    expect(neutraliseName('Zoë', 80)).toBe('Zoë');
    expect(neutraliseName('Zoe\u0308 Ward', 80)).toBe('Zoe\u0308 Ward');
    expect(neutraliseName('❤️ Ana', 80)).toBe('❤️ Ana');
    expect(neutraliseName('👩‍⚕️', 80)).toBe('👩‍⚕️');
  });
});
