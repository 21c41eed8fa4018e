/**
 * Patient-data minimisation for anything shown on a shared screen or exported: NHS numbers are
 * replaced by a visible placeholder (not removed, so a reader knows something was there), and
 * the text is neutralised with the messaging body policy.
 */
import { neutraliseText } from '../messaging/bodySafety.js';
import { findNhsNumbers } from '../messaging/nhsNumber.js';

import { NHS_NUMBER_MASK } from '../../common/nhsNumberMask.js';

export function maskNhsNumbers(text: string): string {
  const clean = neutraliseText(text);
  const matches = findNhsNumbers(clean);
  if (matches.length === 0) return clean;
  let out = '';
  let from = 0;
  for (const match of matches) {
    out += clean.slice(from, match.index) + NHS_NUMBER_MASK;
    from = match.index + match.length;
  }
  return out + clean.slice(from);
}
