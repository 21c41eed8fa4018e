import { tick } from 'svelte';
import type { WardlineError } from '../../../electron/common/contract.js';

/**
 * Main refused a value the person typed and named the field (its request key, which is the
 * input's `name`): mark that input invalid and put the cursor in it, so it is fixed where it is
 * rather than hunted for. The mark goes as soon as the person edits the field.
 */
export function showRefusedField(form: HTMLElement, error: WardlineError): void {
  if (error.field === undefined) return;
  const input = form.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[name="${CSS.escape(error.field)}"]`);
  if (input === null) return;
  markInvalid(input);
  void tick().then(() => {
    input.focus();
    // Its explanation, when the form shows it below the fields, comes into view with it.
    form.querySelector('[role="alert"]')?.scrollIntoView({ block: 'nearest' });
  });
}

/** Marks a field invalid (announced, and drawn in red by app.css) until the person edits it. */
export function markInvalid(input: HTMLInputElement | HTMLTextAreaElement): void {
  input.setAttribute('aria-invalid', 'true');
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
}
