/**
 * Just enough JID handling to compare addresses safely. Network input is never trusted to
 * be well formed, so parsing returns null instead of throwing.
 *
 * Normalisation: localpart and domain are NFC and lower-cased (close to PRECIS
 * UsernameCaseMapped and IDNA for the names a hospital uses), a trailing dot on the domain
 * is dropped; the resource stays as sent because it is case-sensitive.
 */
export interface Jid {
  local: string | null;
  domain: string;
  resource: string | null;
  /** local@domain (or domain), normalised. */
  bare: string;
  /** bare/resource, or bare when there is no resource. */
  full: string;
}

/** RFC 7622 caps each part at 1023 octets. */
const MAX_PART_BYTES = 1023;
/** Characters RFC 7622 forbids in a localpart, plus whitespace and controls. */
const FORBIDDEN_IN_LOCAL = /["&'/:<>@\s\p{Cc}]/u;
const FORBIDDEN_IN_DOMAIN = /[@/\s\p{Cc}]/u;
const FORBIDDEN_IN_RESOURCE = /\p{Cc}/u;

function fitsPart(part: string): boolean {
  return part.length > 0 && Buffer.byteLength(part, 'utf8') <= MAX_PART_BYTES;
}

export function parseJid(raw: unknown): Jid | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 3 * MAX_PART_BYTES + 2) return null;
  const slash = raw.indexOf('/');
  const bareRaw = slash === -1 ? raw : raw.slice(0, slash);
  const resourceRaw = slash === -1 ? null : raw.slice(slash + 1);
  const at = bareRaw.indexOf('@');
  const localRaw = at === -1 ? null : bareRaw.slice(0, at);
  let domain = (at === -1 ? bareRaw : bareRaw.slice(at + 1)).normalize('NFC').toLowerCase();
  if (domain.endsWith('.')) domain = domain.slice(0, -1);

  if (!fitsPart(domain) || FORBIDDEN_IN_DOMAIN.test(domain) || domain.startsWith('.') || domain.includes('..')) {
    return null;
  }
  let local: string | null = null;
  if (localRaw !== null) {
    local = localRaw.normalize('NFC').toLowerCase();
    if (!fitsPart(local) || FORBIDDEN_IN_LOCAL.test(local)) return null;
  }
  let resource: string | null = null;
  if (resourceRaw !== null) {
    resource = resourceRaw.normalize('NFC');
    if (!fitsPart(resource) || FORBIDDEN_IN_RESOURCE.test(resource)) return null;
  }
  const bare = local === null ? domain : `${local}@${domain}`;
  return { local, domain, resource, bare, full: resource === null ? bare : `${bare}/${resource}` };
}

/** The normalised bare JID, or null if `raw` is not a JID. Use it for every context set/map key. */
export function bareJidOf(raw: unknown): string | null {
  return parseJid(raw)?.bare ?? null;
}

/**
 * Is `domain` one of the organisation's domains or a subdomain of one? Subdomains count
 * because MUC and upload components conventionally live on them (conference.trust.nhs.uk);
 * only the organisation can create names under its own domain.
 */
export function isTrustedDomain(domain: string, trustedDomains: readonly string[]): boolean {
  for (const raw of trustedDomains) {
    const trusted = parseJid(raw)?.domain;
    if (trusted === undefined) continue;
    if (domain === trusted || domain.endsWith(`.${trusted}`)) return true;
  }
  return false;
}

/**
 * May a room tell us who one of its occupants really is (XEP-0045 real JIDs)? Our organisation's
 * rooms may: our server authenticated everyone in them. Another organisation's room only for
 * addresses of that same organisation (its room service's domain or a parent of it): otherwise its
 * server could attribute messages, and then transcription notes, to our own staff or anyone else.
 * `trustedDomains` must include our own domain.
 */
export function roomVouchesFor(room: string, realJid: string, trustedDomains: readonly string[]): boolean {
  const roomDomain = parseJid(room)?.domain;
  const realDomain = parseJid(realJid)?.domain;
  if (roomDomain === undefined || realDomain === undefined) return false;
  if (isTrustedDomain(roomDomain, trustedDomains)) return true;
  return !isTrustedDomain(realDomain, trustedDomains) && (roomDomain === realDomain || roomDomain.endsWith(`.${realDomain}`));
}

/**
 * A JID as it may appear in a log line: the bare JID only (the resource and a room nick are
 * chosen by the sender: free text that may hold spaces, '=' or a name), with anything but
 * letters, digits and the usual address punctuation escaped as \u{hex}, so the value stays one
 * key=value token and no bidi or invisible character can disguise it. '-' for no JID or a string
 * that is not one (an unparsable string is never logged).
 */
export function jidForLog(raw: Jid | string | null | undefined): string {
  const jid = typeof raw === 'string' ? parseJid(raw) : (raw ?? null);
  if (jid === null) return '-';
  return logToken(jid.bare);
}

/** A domain (or other JID part) for a log line, escaped like jidForLog. */
export function logToken(value: string): string {
  return value.replace(/[^\p{L}\p{N}@.\-_+]/gu, (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`);
}

/** A word a server chose (an error condition, an element name) for a log line: escaped, and cut, since it can be huge. */
export function serverWordForLog(value: string): string {
  return logToken(value.length > 64 ? `${value.slice(0, 64)}...` : value);
}
