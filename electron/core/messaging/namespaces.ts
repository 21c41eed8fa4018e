/** XML namespaces of the XEPs the messaging codecs speak. One place, so a typo can't hide. */
export const NS = {
  client: 'jabber:client',
  /** XEP-0359 origin-id and stanza-id. */
  sid: 'urn:xmpp:sid:0',
  /** XEP-0184 message delivery receipts. */
  receipts: 'urn:xmpp:receipts',
  /** XEP-0333 displayed markers. */
  markers: 'urn:xmpp:chat-markers:0',
  /** XEP-0334 processing hints. */
  hints: 'urn:xmpp:hints',
  /** XEP-0280 message carbons. */
  carbons: 'urn:xmpp:carbons:2',
  /** XEP-0297 stanza forwarding (wraps carbons and archive results). */
  forward: 'urn:xmpp:forward:0',
  /** XEP-0313 message archive management, v2. */
  mam: 'urn:xmpp:mam:2',
  /** XEP-0059 result set management (archive paging). */
  rsm: 'http://jabber.org/protocol/rsm',
  /** XEP-0004 data forms (archive query filter). */
  dataForms: 'jabber:x:data',
  /** XEP-0203 delayed delivery. */
  delay: 'urn:xmpp:delay',
  /** XEP-0424 message retraction (v1 namespace). */
  retract: 'urn:xmpp:message-retract:1',
  /** XEP-0428 fallback indication. */
  fallback: 'urn:xmpp:fallback:0',
  /** XEP-0045 MUC user extension (invitations, status codes). */
  mucUser: 'http://jabber.org/protocol/muc#user',
  /** XEP-0249 direct MUC invitations. */
  conferenceInvite: 'jabber:x:conference',
  /**
   * Wardline's own urgency flag. Versioned like XSF namespaces so it can evolve; any other
   * client ignores an unknown child element (RFC 6120 §8.4), so the message still arrives intact.
   */
  urgency: 'urn:wardline:urgency:0',
  /**
   * Wardline's clinical-governance marker on a XEP-0424 retraction: "removed after transcription
   * into the record by NAME at TIME". Ignored by other clients, which show the fallback body.
   */
  governance: 'urn:wardline:governance:0',
} as const;
