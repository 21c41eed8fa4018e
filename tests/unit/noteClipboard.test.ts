import { describe, expect, it, vi } from 'vitest';
import { CLIPBOARD_KEEP_MS, NoteClipboard, type ClipboardPort } from '../../electron/core/governance/clipboard.js';

function fakeClipboard(): ClipboardPort & { text: string } {
  const board = {
    text: '',
    writeText: async (text: string) => void (board.text = text),
    readText: async () => board.text,
    clear: async () => void (board.text = ''),
  };
  return board;
}

describe('NoteClipboard', () => {
  it('takes the note back on lock', async () => {
    const board = fakeClipboard();
    const notes = new NoteClipboard(board);
    await notes.copy('Advice for 943 476 5919');
    expect(board.text).toBe('Advice for 943 476 5919');
    await notes.takeBack();
    expect(board.text).toBe('');
  });

  it('leaves alone whatever the person copied since', async () => {
    const board = fakeClipboard();
    const notes = new NoteClipboard(board);
    await notes.copy('Advice for 943 476 5919');
    board.text = 'bed list from the EPR';
    await notes.takeBack();
    expect(board.text).toBe('bed list from the EPR');
  });

  it('takes back a note whose write was still on its way when the lock came (an asynchronous clipboard; review finding)', async () => {
    const board = fakeClipboard();
    let finishWrite: () => void = () => undefined;
    board.writeText = (text: string) => new Promise<void>((resolve) => (finishWrite = () => ((board.text = text), resolve())));
    const notes = new NoteClipboard(board);
    const copying = notes.copy('Advice for 943 476 5919');
    await notes.takeBack();
    finishWrite();
    await copying;
    expect(board.text).toBe('');
  });

  it('takes back text the person copied by hand in Wardline, on lock, like the note', async () => {
    const board = fakeClipboard();
    const notes = new NoteClipboard(board);
    board.text = 'Bed 9 troponin 412 rising'; // the page wrote it (Ctrl+C on a message)
    await notes.adopt();
    await notes.takeBack();
    expect(board.text).toBe('');
  });

  it('leaves alone what was copied elsewhere after a hand copy', async () => {
    const board = fakeClipboard();
    const notes = new NoteClipboard(board);
    board.text = 'Bed 9 troponin 412 rising';
    await notes.adopt();
    board.text = 'bed list from the EPR';
    await notes.takeBack();
    expect(board.text).toBe('bed list from the EPR');
  });

  it('takes back a hand copy that was still being read when the lock came', async () => {
    const board = fakeClipboard();
    board.text = 'Bed 9 troponin 412 rising';
    let finishRead: () => void = () => undefined;
    const read = board.readText;
    let first = true;
    board.readText = () => {
      if (!first) return read();
      first = false;
      return new Promise<string>((resolve) => (finishRead = () => resolve(board.text)));
    };
    const notes = new NoteClipboard(board);
    const adopting = notes.adopt();
    await notes.takeBack();
    finishRead();
    await adopting;
    expect(board.text).toBe('');
  });

  it('takes back the note copied while a hand copy was being read', async () => {
    const board = fakeClipboard();
    board.text = 'Bed 9 troponin 412 rising'; // the hand copy
    let finishRead: () => void = () => undefined;
    const read = board.readText;
    let first = true;
    board.readText = () => {
      if (!first) return read();
      first = false;
      const seen = board.text; // read now, answered later
      return new Promise<string>((resolve) => (finishRead = () => resolve(seen)));
    };
    const notes = new NoteClipboard(board);
    const adopting = notes.adopt();
    await notes.copy('NHS 943 476 5919: note for the record');
    finishRead();
    await adopting;
    expect(board.text).toBe('NHS 943 476 5919: note for the record');
    await notes.takeBack();
    expect(board.text).toBe('');
  });

  it('still takes the note back after a few minutes when a copy in the window left it on the clipboard', async () => {
    vi.useFakeTimers();
    try {
      const board = fakeClipboard();
      const notes = new NoteClipboard(board);
      await notes.copy('NHS 943 476 5919: note for the record');
      // Ctrl+C on the note's own text (or with nothing selected): the clipboard still holds the note.
      await notes.adopt();
      await vi.advanceTimersByTimeAsync(CLIPBOARD_KEEP_MS + 1_000);
      expect(board.text).toBe('');
    } finally {
      vi.useRealTimers();
    }
  });
});
