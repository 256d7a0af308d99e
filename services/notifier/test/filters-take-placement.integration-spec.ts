import { testEnvironment } from '@holdfast/testing';
import fc from 'fast-check';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTERS_TAKE_PLACEMENT } from '../src/channels/alertmanager/holds-in-force';
import { matchesFilters, type NotifiableEventType, type SubscriptionFilters } from '../src/subscriptions/subscription-filters';

// Few values, so that filters and facts often share some, and both cases of a window id: the rules compare them exactly.
const REGIONS = ['IR', 'NP', 'US', 'eu-west'];
const TEAMS = ['edge', 'core', 'r3-ops'];
const WINDOW_IDS = ['0190e0c8-0000-7000-8000-0000000000a1', '0190E0C8-0000-7000-8000-0000000000A1', '0190e0c8-0000-7000-8000-0000000000a2'];
const EVENT_TYPES: NotifiableEventType[] = ['hold.placed', 'hold.released', 'window.held', 'surge.started'];

const someOf = <T>(values: T[]) => fc.uniqueArray(fc.constantFrom(...values), { maxLength: values.length });

/** A subscription's filters, and the facts the consumer records with a placement (hold_placement: never a global footprint). */
const example = fc.record({
  filters: fc.record({ eventTypes: someOf(EVENT_TYPES), regions: someOf(REGIONS), teams: someOf(TEAMS), windowIds: someOf(WINDOW_IDS) }),
  regions: someOf(REGIONS),
  teams: someOf(TEAMS),
  windowIds: someOf(WINDOW_IDS),
});
type Example = { filters: SubscriptionFilters; regions: string[]; teams: string[]; windowIds: string[] };

// The fragment on the types it reads in the refresher's statements: filters as the subscription's jsonb, facts as hold_placement's text[].
const TAKEN = `SELECT ${FILTERS_TAKE_PLACEMENT} AS taken
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS c(example, n)
    CROSS JOIN LATERAL (SELECT c.example->'filters' AS filters) AS s
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(c.example->'regions')) AS regions,
      ARRAY(SELECT jsonb_array_elements_text(c.example->'teams')) AS teams,
      ARRAY(SELECT jsonb_array_elements_text(c.example->'windowIds')) AS window_ids) AS p
  ORDER BY c.n`;

/**
 * The alert refresher decides in SQL (FILTERS_TAKE_PLACEMENT) which placements of a hold in force a subscription's filters
 * take; the consumer decides in TypeScript (matchesFilters) which events they take. Both say the same of every placement,
 * or an Alertmanager subscribed late is posted holds its filters would have refused, or never posted ones they take.
 */
describe('notifier: the filters the refresher matches in SQL take the placements matchesFilters does', () => {
  const client = new Client({ connectionString: testEnvironment().databaseUrl });

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  it('answers as matchesFilters over generated filters and placements', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(example, { minLength: 1, maxLength: 50 }), async (examples: Example[]) => {
        const { rows } = await client.query<{ taken: boolean }>(TAKEN, [JSON.stringify(examples)]);
        const expected = examples.map(({ filters, ...facts }) => matchesFilters(filters, { type: 'hold.placed', ...facts }));
        expect(rows.map(({ taken }) => taken)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
