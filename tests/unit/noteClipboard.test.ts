import { describe, expect, it } from 'vitest';
import { NoteClipboard, type ClipboardPort } from '../../electron/core/governance/clipboard.js';

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
});

