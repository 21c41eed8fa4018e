/**
 * A half-filled incident form kept in main's encrypted store while the coordinator types (see
 * lib/keptDraft.svelte.ts), so a lock or "Back to messages" does not lose it. Call from a component's
 * script: `fields()` reads the form's state (tracked), `restore()` puts a kept draft back.
 */
import type { FormDraft } from '../../../electron/common/contract.js';
import { keepDraft } from '../lib/keptDraft.svelte.js';
import { wardline } from '../wardline.js';

type Fields<F extends FormDraft['form']> = Extract<FormDraft, { form: F }>['fields'];

export interface KeptForm {
  /** Why the form is not being kept, if it is not. */
  readonly failure: string | null;
  /** The form went (submitted): its draft is forgotten. */
  submitted(): Promise<void>;
}

export function keepForm<F extends FormDraft['form']>(form: F, fields: () => Fields<F>, restore: (kept: Fields<F>) => void): KeptForm {
  const store = async (draft: FormDraft | { form: F; fields: null }): Promise<string | null> => {
    const result = await wardline().invoke('incident:saveFormDraft', draft);
    return result.ok ? null : result.error.message;
  };
  // The form as it first shows: what "no draft" looks like for it.
  const empty = $state.snapshot(fields()) as Fields<F>;
  const kept = keepDraft<Fields<F>>(
    () => ({
      load: async () => {
        const result = await wardline().invoke('incident:getFormDraft', { form });
        if (!result.ok) return { ok: false, message: result.error.message };
        return { ok: true, held: result.value?.form === form ? (result.value.fields as Fields<F>) : null };
      },
      // The union member for this form: TS cannot pair a generic form name with its fields by itself.
      save: (value) => store({ form, fields: value } as FormDraft),
    }),
    fields,
    empty,
    restore,
  );

  return {
    get failure() {
      return kept.failure;
    },
    async submitted() {
      await kept.keeper?.beforeSend();
      const outcome = await store({ form, fields: null });
      if (outcome === null) kept.keeper?.settled($state.snapshot(fields()) as Fields<F>);
    },
  };
}
