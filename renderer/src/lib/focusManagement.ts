import { tick } from 'svelte';

/**
 * A confirmation box (role="alertdialog") as keyboard and screen-reader users need it: focus moves
 * to its safe choice (the button marked data-safe) when it opens, Escape cancels, and focus goes
 * back to what opened it when it closes, if that is still on the page.
 */
export function confirmDialog(node: HTMLElement, onCancel: () => void): { destroy(): void } {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  node.querySelector<HTMLElement>('[data-safe]')?.focus();
  const onKeydown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    onCancel();
  };
  node.addEventListener('keydown', onKeydown);
  return {
    destroy() {
      node.removeEventListener('keydown', onKeydown);
      queueMicrotask(() => opener?.isConnected && opener.focus());
    },
  };
}

/**
 * After a view change that removed the focused control (a search hit, a form closing, the lock
 * screen going), focus would fall to the page body, where a keyboard user starts again from the
 * top. Put it on `target` instead; a control that still has focus keeps it.
 */
export function rescueFocus(target: () => HTMLElement | null): void {
  // After Svelte has applied the change, when the old control is really gone.
  void tick().then(() => {
    if (document.activeElement !== null && document.activeElement !== document.body) return;
    target()?.focus();
  });
}

/**
 * Focus `target` once Svelte has applied the change just made: a field a view has just put on
 * screen, or the control to go back to after a busy button disabled itself (and lost focus).
 */
export function focusAfterUpdate(target: () => HTMLElement | null | undefined): void {
  void tick().then(() => target()?.focus());
}

/** Action: the element takes focus as it appears (a panel or form opened by the person). */
export function focusOnMount(node: HTMLElement): void {
  node.focus();
}
