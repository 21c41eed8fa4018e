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

/**
 * The rule in force: `minDigits` comes from admin policy (never below 6); a passphrase must be at
 * least as long as a PIN, and never under 8. The screens that take a new PIN say the same.
 */
export function pinRule(minDigits: number = minPinDigits): { minDigits: number; minPassphraseChars: number } {
  const digits = Math.max(minPinDigits, minDigits);
  return { minDigits: digits, minPassphraseChars: Math.max(minPassphraseChars, digits) };
}

/** Null when acceptable; otherwise a sentence saying what to change. */
export function pinProblem(pin: string, minDigits: number = minPinDigits): string | null {
  const { minDigits: digits, minPassphraseChars: passphraseChars } = pinRule(minDigits);
  const rule = digits === minPinDigits ? pinRuleMessage : `Choose a PIN of at least ${digits} digits, or a passphrase of at least ${passphraseChars} characters.`;
  const normalized = pin.normalize('NFC');
  // Count characters as people see them, not UTF-16 units.
  const length = [...normalized].length;
  if (length > maxChars) return `That passphrase is too long: use at most ${maxChars} characters.`;
  if (normalized.trim().length === 0) return rule;
  if (/^[0-9]+$/.test(normalized)) {
    return length >= digits ? null : `A PIN needs at least ${digits} digits. ${rule}`;
  }
  return length >= passphraseChars ? null : `A passphrase needs at least ${passphraseChars} characters. ${rule}`;
}

export function requireAcceptablePin(pin: string, minDigits: number = minPinDigits): void {
  const problem = pinProblem(pin, minDigits);
  if (problem !== null) throw new VaultError({ kind: 'invalid-input' }, problem);
}
