import { RegionCatalog } from '@holdfast/regions';
import { DomainError, ZodQueryPipe } from '@holdfast/service-kit';
import { describe, expect, it } from 'vitest';
import { ListSurgesQuerySchema, SurgesController } from './surges.controller';
import type { SurgeFilter, SurgesService } from './surges.service';

describe('GET /v1/surges?region=', () => {
  /** The controller over a catalog with one custom region, asked through the query's pipe, and the filters it asked the surges for. */
  const controller = () => {
    const asked: SurgeFilter[] = [];
    const surges = { list: async (filter: SurgeFilter) => (asked.push(filter), { items: [], nextCursor: null }) };
    const catalog = new RegionCatalog([{ code: 'eu-west', name: 'EU West', zones: ['Europe/Dublin'] }]);
    const listing = new SurgesController(surges as unknown as SurgesService, catalog);
    const pipe = new ZodQueryPipe(ListSurgesQuerySchema);
    return { list: async (parameters: Record<string, string>) => listing.list(pipe.transform(parameters)), asked };
  };

  it('reads a region as the catalog spells it, a country code in any case', async () => {
    const { list, asked } = controller();
    for (const region of ['IR', 'ir', ' Ir ', 'eu-west']) await list({ region });
    expect(asked.map((filter) => filter.region)).toEqual(['IR', 'IR', 'IR', 'eu-west']);
  });

  it('refuses a region the catalog does not know instead of listing no surge, which would read as "none there"', async () => {
    const { list, asked } = controller();
    const refusal = await list({ region: 'UK' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'unknown-region',
      status: 422,
      message: expect.stringContaining("Unknown region UK (the United Kingdom's code is GB): use an ISO 3166-1 alpha-2 country code"),
      extensions: { errors: [{ path: 'region', code: 'unknown-region' }], regions: ['UK'] },
    });
    expect(asked).toEqual([]);
  });

  it('lists every region when none is asked for', async () => {
    const { list, asked } = controller();
    await list({});
    expect(asked.map((filter) => filter.region)).toEqual([undefined]);
  });

  it('refuses an empty region (a script\'s unset variable), as the planner\'s holds do, instead of listing every region\'s surges as its', async () => {
    const { list, asked } = controller();
    for (const region of ['', '  ']) {
      const refusal = await list({ region }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(DomainError);
      expect(refusal).toMatchObject({ code: 'invalid-query', status: 400, extensions: { errors: [{ path: 'region', message: 'must not be empty' }] } });
    }
    expect(asked).toEqual([]);
  });
});

describe('GET /v1/surges?limit=', () => {
  const query = (parameters: Record<string, string>) => new ZodQueryPipe(ListSurgesQuerySchema).transform(parameters);
  const refusalOf = (limit: string): unknown => {
    try {
      query({ limit });
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it('reads no limit as the whole page, and takes one of 1-500', () => {
    expect([query({}), query({ limit: '20' }), query({ limit: '1' }), query({ limit: '500' })].map((parsed) => parsed.limit)).toEqual([500, 20, 1, 500]);
  });

  it('refuses a limit out of 1-500 with 400, as GET /v1/declarations and every other list do, instead of reading it as the nearest bound', () => {
    for (const [limit, message] of [
      ['0', 'must be at least 1'],
      ['-3', 'must be at least 1'],
      ['501', 'must be at most 500'],
      ['9000', 'must be at most 500'],
    ]) {
      expect(refusalOf(limit), limit).toBeInstanceOf(DomainError);
      expect(refusalOf(limit), limit).toMatchObject({ code: 'invalid-query', status: 400, extensions: { errors: [{ path: 'limit', message }] } });
    }
  });

  it('refuses an empty limit (a script\'s unset variable), or one that is no whole number, instead of listing pages of one', () => {
    for (const limit of ['', ' ', 'ten', '2.5']) {
      expect(refusalOf(limit), limit).toBeInstanceOf(DomainError);
      expect(refusalOf(limit), limit).toMatchObject({ code: 'invalid-query', status: 400, extensions: { errors: [{ path: 'limit' }] } });
    }
  });
});
