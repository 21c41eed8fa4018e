/**
 * A half-filled incident form kept in main's encrypted store while the coordinator types (see
 * lib/draftKeeper.ts), so a lock or "Back to messages" does not lose it. Call from a component's
 * script: `fields()` reads the form's state (tracked), `restore()` puts a kept draft back.
 */
import type { FormDraft } from '../../../electron/common/contract.js';
import { DraftKeeper } from '../lib/draftKeeper.js';
import { wardline } from '../wardline.js';

type Fields<F extends FormDraft['form']> = Extract<FormDraft, { form: F }>['fields'];

export interface KeptForm {
  /** Why the form is not being kept, if it is not. */
  readonly failure: string | null;
  /** The form went (submitted): its draft is forgotten. */
  submitted(): Promise<void>;
}

export function keepForm<F extends FormDraft['form']>(form: F, fields: () => Fields<F>, restore: (kept: Fields<F>) => void): KeptForm {
  let keeper = $state<DraftKeeper<Fields<F>> | null>(null);
  let failure = $state<string | null>(null);
  const store = async (draft: FormDraft | { form: F; fields: null }): Promise<string | null> => {
    const result = await wardline().invoke('incident:saveFormDraft', draft);
    return result.ok ? null : result.error.message;
  };
  // The union member for this form: TS cannot pair a generic form name with its fields by itself.
  const save = (value: Fields<F>): Promise<string | null> => store({ form, fields: value } as FormDraft);

  $effect(() => {
    let gone = false;
    let mine: DraftKeeper<Fields<F>> | null = null;
    void wardline()
      .invoke('incident:getFormDraft', { form })
      .then((result) => {
        if (gone) return;
        const kept = result.ok && result.value?.form === form ? (result.value.fields as Fields<F>) : null;
        if (kept !== null) restore(kept);
        mine = new DraftKeeper<Fields<F>>(save, (message) => (failure = message), kept ?? $state.snapshot(fields()) as Fields<F>);
        keeper = mine;
      });
    return () => {
      gone = true;
      void mine?.dispose();
    };
  });

  $effect(() => {
    const value = $state.snapshot(fields()) as Fields<F>;
    keeper?.changed(value);
  });

  return {
    get failure() {
      return failure;
    },
    async submitted() {
      await keeper?.beforeSend();
      const empty = $state.snapshot(fields()) as Fields<F>;
      const outcome = await store({ form, fields: null });
      if (outcome === null) keeper?.settled(empty);
    },
  };
}
