// What the client trusts: the OS store (or Node's bundled Mozilla roots where Node cannot read the
// OS store) plus the hospital's own CA bundle from the admin. We pass an explicit `ca` list because
// Node's `ca` option replaces the default roots rather than adding to them; NODE_EXTRA_CA_CERTS
// therefore has no effect here, on purpose: trust comes from configuration we can show an auditor.
import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as tls from 'node:tls';
import { XmppError } from './xmppError.js';

/** The admin-supplied CA bundle: PEM text (one or more certificates) and/or paths of PEM files. */
export interface AdminCaBundle {
  pem?: string | readonly string[];
  paths?: readonly string[];
}

type CaCertificateSource = 'system' | 'bundled';
// Node ≥ 22.15 / 23.8 (Electron's Node) reads the OS store; Node 20 (our CI) only knows its bundle.
const getCACertificates = (tls as unknown as { getCACertificates?: (type: CaCertificateSource) => string[] })
  .getCACertificates;

let platformAnchors: readonly string[] | undefined;

/** System + bundled roots where the runtime exposes them, else tls.rootCertificates. Read once. */
export function platformTrustAnchors(): readonly string[] {
  if (platformAnchors === undefined) {
    let anchors: string[] = [...tls.rootCertificates];
    if (getCACertificates !== undefined) {
      try {
        anchors = [...getCACertificates('system'), ...getCACertificates('bundled')];
      } catch {
        // An unreadable OS store must not leave us with no roots at all; keep Node's bundle.
      }
    }
    platformAnchors = [...new Set(anchors)];
  }
  return platformAnchors;
}

/**
 * Our condition for an admin CA bundle that is missing, empty or damaged: this workstation's set-up
 * is broken, not the server's certificate, and the log says so (the handshake never started).
 */
export const ADMIN_CA_UNUSABLE = 'admin-ca-unusable';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits PEM text into certificates, refusing anything that does not parse (a typo must not silently trust nothing). */
export function parsePemBundle(text: string, source = 'admin CA bundle'): string[] {
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw new XmppError('tls', `The ${source} contains no PEM certificate.`, { condition: ADMIN_CA_UNUSABLE });
  for (const pem of certificates) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new XmppError('tls', `The ${source} contains a certificate that does not parse.`, { condition: ADMIN_CA_UNUSABLE, cause: error });
    }
  }
  return certificates;
}

export async function loadAdminCa(bundle: AdminCaBundle | undefined): Promise<string[]> {
  if (bundle === undefined) return [];
  const texts = typeof bundle.pem === 'string' ? [bundle.pem] : [...(bundle.pem ?? [])];
  const certificates = texts.flatMap((text) => parsePemBundle(text));
  for (const path of bundle.paths ?? []) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new XmppError('tls', `The admin CA bundle ${path} cannot be read.`, { condition: ADMIN_CA_UNUSABLE, cause: error });
    }
    certificates.push(...parsePemBundle(text, `admin CA bundle ${path}`));
  }
  return certificates;
}

// Building a context parses every root (~20 ms for ~150 certificates), which would be most of a
// login on loopback. A context is immutable once built, so connections with the same admin CA
// bundle share one. Keyed by the bundle's digest; a handful of entries at most in practice.
const trustContexts = new Map<string, tls.SecureContext>();
const MAX_CACHED_CONTEXTS = 8;

/** The SecureContext for our trust list, TLS 1.2 as the floor (DESIGN: transport is TLS 1.2+ only). */
export function createTrustContext(adminCa: readonly string[]): tls.SecureContext {
  const key = createHash('sha256').update(adminCa.join('\n')).digest('hex');
  let context = trustContexts.get(key);
  if (context === undefined) {
    context = tls.createSecureContext({ ca: [...platformTrustAnchors(), ...adminCa], minVersion: 'TLSv1.2' });
    if (trustContexts.size >= MAX_CACHED_CONTEXTS) trustContexts.clear();
    trustContexts.set(key, context);
  }
  return context;
}
