import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { HeldOutput } from '../../gateway/held-output.js';
import { holdTextFrame } from '../../gateway/ws/text-frame.js';
import { FrameReader, Opcode } from '../helpers/ws-frames.js';

/** Frames `texts` into held output (never written: the socket is not connected) and reads them back. */
function roundTrip(texts: readonly string[]): { opcode: number; text: string }[] {
  const output = new HeldOutput(new net.Socket(), { writable() {}, changed() {} });
  for (const text of texts) holdTextFrame(output, text);
  const held = output.reserve(0).subarray(0, output.length);
  const frames: { opcode: number; text: string }[] = [];
  new FrameReader((opcode, buf, start, end) => frames.push({ opcode, text: buf.toString('utf8', start, end) })).feed(
    held,
  );
  return frames;
}

describe('holdTextFrame', () => {
  it('frames each reply as one text message, at every length boundary of RFC 6455', () => {
    const texts = [
      '',
      'PONG',
      'x'.repeat(41),
      'é'.repeat(41),
      '€'.repeat(41),
      'x'.repeat(42),
      'x'.repeat(125),
      'x'.repeat(126),
      '€'.repeat(42),
      'x'.repeat(65_535),
      'x'.repeat(65_536),
      '😀'.repeat(30_000),
    ];
    const frames = roundTrip(texts);
    expect(frames.map((f) => f.opcode)).toEqual(texts.map(() => Opcode.Text));
    expect(frames.map((f) => f.text)).toEqual(texts);
  });
});
