/**
 * What counts as an acceptable PIN or passphrase: at least 6 digits, or a
 * passphrase of at least 8 characters. Short enough to type at a ward PC many
 * times a shift; the scrypt cost, the keychain half of the KEK and the
 * failure delays make up for the small PIN space.
 */
import { VaultError } from './vaultError.js';

export const minPinDigits = 6;
export const minPassphraseChars = 8;
const maxChars = 256;

export const pinRuleMessage = `Choose a PIN of at least ${minPinDigits} digits, or a passphrase of at least ${minPassphraseChars} characters.`;

/** Null when acceptable; otherwise a sentence saying what to change. */
export function pinProblem(pin: string): string | null {
  const normalized = pin.normalize('NFC');
  // Count characters as people see them, not UTF-16 units.
  const length = [...normalized].length;
  if (length > maxChars) return `That passphrase is too long: use at most ${maxChars} characters.`;
  if (normalized.trim().length === 0) return pinRuleMessage;
  if (/^[0-9]+$/.test(normalized)) {
    return length >= minPinDigits ? null : `A PIN needs at least ${minPinDigits} digits. ${pinRuleMessage}`;
  }
  return length >= minPassphraseChars ? null : `A passphrase needs at least ${minPassphraseChars} characters. ${pinRuleMessage}`;
}

export function requireAcceptablePin(pin: string): void {
  const problem = pinProblem(pin);
  if (problem !== null) throw new VaultError({ kind: 'invalid-input' }, problem);
}
