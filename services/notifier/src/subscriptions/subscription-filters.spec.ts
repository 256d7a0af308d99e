import { describe, expect, it } from 'vitest';
import { matchesFilters, type SubscriptionFilters } from './subscription-filters';

const none: SubscriptionFilters = { eventTypes: [], regions: [], teams: [], windowIds: [] };
const facts = { type: 'hold.placed', regions: ['IR', 'NP'], teams: ['edge'], windowIds: ['w1'] };

describe('matchesFilters', () => {
  it('matches everything with empty filters', () => {
    expect(matchesFilters(none, facts)).toBe(true);
  });

  it('needs every non-empty filter to share a value with the event', () => {
    expect(matchesFilters({ ...none, regions: ['NP', 'US'] }, facts)).toBe(true);
    expect(matchesFilters({ ...none, regions: ['US'] }, facts)).toBe(false);
    expect(matchesFilters({ ...none, eventTypes: ['hold.released'] }, facts)).toBe(false);
    expect(matchesFilters({ ...none, teams: ['edge'], windowIds: ['w2'] }, facts)).toBe(false);
  });

  it('lets a global footprint match any region filter', () => {
    expect(matchesFilters({ ...none, regions: ['US'] }, { ...facts, regions: 'global' })).toBe(true);
  });
});
