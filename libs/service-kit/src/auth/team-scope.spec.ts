import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain.error';
import type { Principal } from './principal';
import { assertActsFor, assertMayAssignTo } from './team-scope';

const keyOf = (team: string | null, scopes: string[] = ['windows:write']): Principal => ({ kind: 'api-key', id: 'k1', team, scopes });

const refusal = (act: () => void): DomainError => {
  try {
    act();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('team scope', () => {
  it("refuses a change to another team's thing as one the key may read but not change", () => {
    const error = refusal(() => assertActsFor(keyOf('berlin-ops'), 'network-ops', 'Window w1'));
    expect(error).toMatchObject({ code: 'other-team', status: 403, extensions: { ownerTeam: 'network-ops' } });
    expect(error.message).toBe("Window w1 belongs to team network-ops; the key's team berlin-ops may read it but not change it.");
  });

  it('refuses planning for another team as what was asked, not as a change to something that exists', () => {
    const error = refusal(() => assertMayAssignTo(keyOf('berlin-ops'), 'network-ops', 'plan a window for'));
    expect(error).toMatchObject({ code: 'other-team', status: 403, extensions: { ownerTeam: 'network-ops' } });
    expect(error.message).toBe(
      'A key of team berlin-ops cannot plan a window for team network-ops: a key acts for its own team only. Set ownerTeam to berlin-ops, or use a key of team network-ops or an admin key.',
    );
    expect(refusal(() => assertMayAssignTo(keyOf(null), 'storage', 'subscribe for')).message).toBe(
      'A key of no team cannot subscribe for team storage: a key acts for its own team only. Use a key of team storage or an admin key.',
    );
  });

  it("lets a key assign to its own team, and an admin key to any team", () => {
    expect(() => assertMayAssignTo(keyOf('network-ops'), 'network-ops', 'plan a window for')).not.toThrow();
    expect(() => assertMayAssignTo(keyOf('sre', ['admin']), 'network-ops', 'plan a window for')).not.toThrow();
  });
});
