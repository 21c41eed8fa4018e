import { describe, expect, it } from 'vitest';
import { loadFormDraft, purgeFormDraftsBefore, saveFormDraft } from '../../electron/core/incident/formDrafts.js';
import { requests } from '../../electron/common/contract.js';

function settings() {
  const values = new Map<string, string>();
  return {
    values,
    getSetting: async (key: string) => values.get(key) ?? null,
    setSetting: async (key: string, value: string) => void values.set(key, value),
  };
}

const declare = {
  form: 'incident-declare' as const,
  fields: { name: 'M6 pile-up', exercise: false, details: 'M: major incident declared', coordinators: 'a@t.example', displays: '', announcementRoom: '', coordinationRoom: '' },
};

describe('incident form drafts (kept in the profile’s encrypted settings)', () => {
  it('keeps each form’s draft apart and gives it back as saved', async () => {
    const store = settings();
    await saveFormDraft(store, declare);
    const request = { form: 'incident-request' as const, fields: { lines: [{ role: 'ODP', count: 2, location: 'Theatre 3', by: '14:30' }], note: '' } };
    await saveFormDraft(store, request);
    expect(await loadFormDraft(store, 'incident-declare')).toEqual(declare);
    expect(await loadFormDraft(store, 'incident-request')).toEqual(request);
  });

  it('forgets a submitted form, and drops a stored value that no longer fits the form', async () => {
    const store = settings();
    await saveFormDraft(store, declare);
    await saveFormDraft(store, { form: 'incident-declare', fields: null });
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
    store.values.set('form-draft.incident-declare', '{not json');
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
    store.values.set('form-draft.incident-declare', JSON.stringify({ form: 'incident-declare', fields: { name: 'x' } }));
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
    // Another form's draft under this key is not handed over.
    store.values.set('form-draft.incident-declare', JSON.stringify({ form: 'incident-request', fields: { lines: [], note: '' } }));
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
  });

  it('retention drops a form draft nobody has touched for the lifespan, and keeps a recent one', async () => {
    const store = settings();
    const DAY = 86_400_000;
    const request = { form: 'incident-request' as const, fields: { lines: [{ role: 'ODP', count: 2, location: 'Theatre 3', by: '14:30' }], note: '' } };
    await saveFormDraft(store, declare, 1_000 * DAY);
    await saveFormDraft(store, request, 1_025 * DAY);
    expect(await purgeFormDraftsBefore(store, 1_010 * DAY)).toBe(1);
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
    expect(store.values.get('form-draft.incident-declare')).toBe('');
    expect(await loadFormDraft(store, 'incident-request')).toEqual(request);
    // One stored by an older build (no date) is taken as old.
    store.values.set('form-draft.incident-declare', JSON.stringify(declare));
    expect(await loadFormDraft(store, 'incident-declare')).toEqual(declare);
    expect(await purgeFormDraftsBefore(store, 1_010 * DAY)).toBe(1);
    expect(await loadFormDraft(store, 'incident-declare')).toBeNull();
  });

  it('main refuses a draft with unknown fields or over-long text', () => {
    const save = requests['incident:saveFormDraft'].request;
    expect(save.safeParse(declare).success).toBe(true);
    expect(save.safeParse({ form: 'incident-request', fields: null }).success).toBe(true);
    expect(save.safeParse({ ...declare, fields: { ...declare.fields, extra: 'x' } }).success).toBe(false);
    expect(save.safeParse({ ...declare, fields: { ...declare.fields, details: 'x'.repeat(4001) } }).success).toBe(false);
    expect(save.safeParse({ form: 'incident-other', fields: null }).success).toBe(false);
  });
});
