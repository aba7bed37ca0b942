// A Redis command whose RESP the store writes itself, sent through ioredis's
// public `sendCommand`. ioredis's own path flattens every argument list with
// Array.prototype.flat (about 150 ns an argument on Node 20) and measures
// each argument again: for an MGET of hundreds of names that was a fifth of
// the gateway's time per absent GET. Replies are decoded by ioredis as usual.

import { Command } from 'ioredis';

export class RespCommand extends Command {
  private readonly encoded: string | Buffer;

  /** `args`: the arguments as RESP (`respArg`, KeyArena), `count` of them. */
  constructor(name: string, args: string | Buffer, count: number) {
    super(name, [], { replyEncoding: 'utf8' });
    const head = `*${count + 1}\r\n$${name.length}\r\n${name}\r\n`;
    this.encoded = typeof args === 'string' ? head + args : Buffer.concat([Buffer.from(head, 'latin1'), args]);
  }

  override toWritable(): string | Buffer {
    return this.encoded;
  }
}

/** One argument in RESP: `bytes` is its UTF-8 length (Buffer.byteLength when not known). */
export function respArg(text: string, bytes: number): string {
  return `$${bytes}\r\n${text}\r\n`;
}

/** A command of arbitrary arguments, each measured: what ioredis would send for `name` and `args`. */
export function respCommand(name: string, args: readonly (string | number)[]): RespCommand {
  let encoded = '';
  for (const arg of args) {
    const text = typeof arg === 'string' ? arg : String(arg);
    encoded += respArg(text, Buffer.byteLength(text));
  }
  return new RespCommand(name, encoded, args.length);
}
