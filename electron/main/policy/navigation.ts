/**
 * Navigation and window policy. Wardline is a single page: it never navigates
 * away from its own origin and never opens a second window. A person's https
 * link leaves only through the confirm-then-open flow in the system browser.
 */
import { isAllowedExternalUrl } from '../../core/links/externalLink.js';
import { isAppUrl } from './origin.js';

export type NavigationDecision = 'allow' | 'deny';

/** will-navigate / will-redirect / will-frame-navigate: only our own origin. */
export function decideNavigation(url: string): NavigationDecision {
  return isAppUrl(url) ? 'allow' : 'deny';
}

/**
 * window.open and target=_blank: the new window is always denied; an https
 * link is offered to the person instead, everything else is dropped.
 */
export type WindowOpenDecision = 'offer-external' | 'drop';

export function decideWindowOpen(url: string): WindowOpenDecision {
  return isAllowedExternalUrl(url) ? 'offer-external' : 'drop';
}
