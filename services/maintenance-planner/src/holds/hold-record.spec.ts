import { describe, expect, it } from 'vitest';
import { heldUntil, releasedAfterClearance } from './hold-record';

describe('the reason a hold is released with after its cause cleared', () => {
  it('names the cause by its source and the time as a person reads it, not as an ISO string', () => {
    const clearedAt = new Date('2009-06-13T05:00:00.000Z');
    expect(releasedAfterClearance('detector', clearedAt)).toBe('The surge cleared at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
    expect(releasedAfterClearance('alert', clearedAt)).toBe('The alert resolved at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
    expect(releasedAfterClearance('declaration', clearedAt)).toBe('The declared critical period ended at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
  });

  it('says a declaration cleared before its end was cancelled, not that it ended', () => {
    expect(releasedAfterClearance('declaration', new Date('2026-12-06T21:48:00Z'), new Date('2026-12-06T23:48:00Z'))).toBe(
      'The declared critical period was cancelled at 21:48 UTC on Sun 6 Dec 2026, before its end at 23:48 UTC on Sun 6 Dec 2026, and the cool-down passed',
    );
    expect(releasedAfterClearance('declaration', new Date('2026-12-06T23:48:00Z'), new Date('2026-12-06T23:48:00Z'))).toBe(
      'The declared critical period ended at 23:48 UTC on Sun 6 Dec 2026 and the cool-down passed',
    );
  });

  it('leaves the time out when the clearance was not recorded', () => {
    expect(releasedAfterClearance('detector', null)).toBe('The surge cleared and the cool-down passed');
  });
});

describe('until when a hold holds runs, for planning, suggestions and the fan-out', () => {
  const now = new Date('2026-12-07T05:45:44.000Z');
  const until = new Date('2026-12-07T05:45:43.000Z');

  it("keeps a declaration's until, the end declared, once it passed before its surge.cleared came: no open-ended hold", () => {
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: null }, now)).toEqual(until);
  });

  it("reads a detector's passed estimate as no end, the surge going on, and a cleared one's due release as its end", () => {
    expect(heldUntil({ source: 'detector', until_at: until, release_due_at: null }, now)).toBeNull();
    const due = new Date('2026-12-07T05:46:13.000Z');
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: due }, now)).toEqual(due);
  });
});
