import { RegionCatalog } from '@holdfast/regions';
import { SystemClock, type ServiceConfig } from '@holdfast/service-kit';
import type { DataSource } from 'typeorm';
import { describe, expect, it, vi } from 'vitest';
import type { NotifierSettings } from '../config/notifier-settings';
import type { HostLookup } from '../outbound/outbound-http.client';
import type { CreateSubscription } from './dto/subscription.schemas';
import { SecretBox } from './secret-box';
import { SubscriptionsService } from './subscriptions.service';

// A transaction that finds no subscription like the new one and saves what it is given.
const inTransaction = { query: async () => [], getRepository: () => ({ findBy: async () => [], save: async (subscription: object) => subscription }) };
const saved = { transaction: async (work: (tx: typeof inTransaction) => Promise<unknown>) => work(inTransaction) } as unknown as DataSource;
const lookup = vi.fn<HostLookup>();
const service = new SubscriptionsService(
  saved,
  new SystemClock(),
  new SecretBox(undefined),
  new RegionCatalog(),
  { settings: { outboundAllow: '', delivery: { timeoutMs: 5_000 } } } as ServiceConfig<NotifierSettings>,
  lookup,
);
const subscribe = (target: string) =>
  service.create({ channel: 'webhook', target, ownerTeam: 'edge', enabled: true, filters: { eventTypes: [], regions: [], teams: [], windowIds: [] } } as CreateSubscription, 'spec');

describe('SubscriptionsService, a target named by host', () => {
  it('refuses a name that resolves to a refused address besides allowed ones, naming that address, as every delivery to it would be refused', async () => {
    lookup.mockResolvedValue([
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ]);
    await expect(subscribe('https://mixed.example/hook')).rejects.toMatchObject({
      code: 'invalid-subscription',
      extensions: {
        errors: [
          {
            path: 'target',
            code: 'refused-address',
            message: 'is refused: mixed.example resolves to an address refused here: 10.0.0.5 is a private address (allow it in NOTIFIER_OUTBOUND_ALLOW if it is meant)',
          },
        ],
      },
    });
  });

  it('takes a name whose every address is allowed, and one that does not resolve yet', async () => {
    lookup.mockResolvedValue([{ address: '93.184.215.14', family: 4 }]);
    await expect(subscribe('https://public.example/hook')).resolves.toMatchObject({ target: 'https://public.example/hook' });
    lookup.mockRejectedValue(new Error('ENOTFOUND'));
    await expect(subscribe('https://not-yet.example/hook')).resolves.toMatchObject({ target: 'https://not-yet.example/hook' });
  });
});
