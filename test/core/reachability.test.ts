import { describe, expect, it } from 'vitest';
import { Check, REMIND_EVERY_MS, Reachability } from '../../core/store/reachability.js';

/** A Reachability on a clock the test moves, recording what it tells. */
function setup(timeoutMs = 2000) {
  let now = 1000;
  const told: string[] = [];
  const reachability = new Reachability(timeoutMs, () => now, {
    available: (downForMs) => told.push(`available ${downForMs}`),
    unavailable: (reason, downForMs) => told.push(`unavailable ${reason} ${downForMs}`),
  });
  return {
    reachability,
    told,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('Reachability', () => {
  it('is unusable until a connection is set up, then usable, and says so once', () => {
    const { reachability, told, advance } = setup();
    expect(reachability.usable).toBe(false);
    advance(300);
    reachability.up();
    reachability.up();
    expect(reachability.usable).toBe(true);
    expect(reachability.everUp).toBe(true);
    expect(told).toEqual(['available null']);
  });

  it('turns unusable at once when the connection is lost, and tells how long it was down when back', () => {
    const { reachability, told, advance } = setup();
    reachability.up();
    reachability.down('connection lost');
    expect(reachability.usable).toBe(false);
    advance(1500);
    reachability.up();
    expect(told).toEqual(['available null', 'unavailable connection lost 0', 'available 1500']);
  });

  it('sends one check at a time, and a check unanswered past the timeout makes it unusable until one is answered', () => {
    const { reachability, told, advance } = setup(2000);
    reachability.up();
    expect(reachability.tick(true, 'still down')).toBe(Check.Send);
    advance(1000);
    expect(reachability.tick(true, 'still down')).toBe(Check.Wait);
    advance(1001);
    expect(reachability.tick(true, 'still down')).toBe(Check.Overdue);
    reachability.stall('no answer within 2000 ms');
    expect(reachability.usable).toBe(false);
    advance(1000);
    expect(reachability.tick(true, 'still down')).toBe(Check.Wait);
    advance(500);
    reachability.answered(true);
    expect(reachability.usable).toBe(true);
    expect(told).toEqual(['available null', 'unavailable no answer within 2000 ms 0', 'available 1500']);
  });

  it('stays unusable when a check is refused, until a later check is answered', () => {
    const { reachability, told, advance } = setup();
    reachability.up();
    expect(reachability.tick(true, 'still down')).toBe(Check.Send);
    reachability.refused('Redis answers with an error');
    expect(reachability.usable).toBe(false);
    advance(1000);
    expect(reachability.tick(true, 'still down')).toBe(Check.Send);
    reachability.answered(true);
    expect(reachability.usable).toBe(true);
    expect(told).toEqual(['available null', 'unavailable Redis answers with an error 0', 'available 1000']);
  });

  it('learns nothing from a check whose connection went away, or from an answer on an old connection', () => {
    const { reachability, advance } = setup();
    reachability.up();
    reachability.tick(true, 'still down');
    reachability.lost();
    expect(reachability.usable).toBe(true);
    expect(reachability.tick(true, 'still down')).toBe(Check.Send);
    advance(2500);
    expect(reachability.tick(true, 'still down')).toBe(Check.Overdue);
    reachability.stall('no answer');
    reachability.answered(false);
    expect(reachability.usable).toBe(false);
  });

  it('sends no check while not connected, and reminds every 30 s while down', () => {
    const { reachability, told, advance } = setup();
    reachability.up();
    reachability.down('connection lost');
    for (let i = 0; i < 61; i++) {
      advance(1000);
      expect(reachability.tick(false, 'still down')).toBe(Check.Wait);
    }
    expect(told).toEqual([
      'available null',
      'unavailable connection lost 0',
      `unavailable still down ${REMIND_EVERY_MS}`,
      `unavailable still down ${2 * REMIND_EVERY_MS}`,
    ]);
  });
});
