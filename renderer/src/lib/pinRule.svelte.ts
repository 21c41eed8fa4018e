/**
 * The PIN rule this machine's policy sets (app:info), for the screens that take a new PIN: the hint
 * and the box's own minimum say what main will accept (a policy of 8 digits refused a PIN the hint
 * said was enough). Until it is read, the built-in rule, which policy can only raise.
 */
import type { AppInfo } from '../../../electron/common/contract.js';
import { wardline } from '../wardline.js';

type PinRule = AppInfo['pinRule'];

let rule = $state<PinRule>({ minDigits: 6, minPassphraseChars: 8 });
let asked = false;

export function pinRule(): { readonly current: PinRule; readonly hint: string } {
  if (!asked) {
    asked = true;
    void wardline()
      .invoke('app:info', {})
      .then((info) => info.ok && (rule = info.value.pinRule));
  }
  return {
    get current() {
      return rule;
    },
    get hint() {
      return `At least ${rule.minDigits} digits, or a passphrase of ${rule.minPassphraseChars} or more characters.`;
    },
  };
}
