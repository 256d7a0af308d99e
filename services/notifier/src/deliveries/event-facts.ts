import type { AnyHoldfastEvent } from '@holdfast/contracts';
import { z } from 'zod';
import type { EventFacts } from '../subscriptions/subscription-filters';

/**
 * A held window as hold events may carry it (the planner enriches hold.* with the windows it
 * holds); read leniently so messages gain detail as the contract grows, and lose none without it.
 */
const HeldWindowSchema = z.looseObject({
  windowId: z.string(),
  title: z.string().optional(),
  ownerTeam: z.string().optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
});
export type HeldWindow = z.infer<typeof HeldWindowSchema>;

export function heldWindowsOf(data: unknown): HeldWindow[] {
  const record = data as Record<string, unknown>;
  for (const field of ['windows', 'heldWindows']) {
    const parsed = z.array(HeldWindowSchema).safeParse(record[field]);
    if (parsed.success) return parsed.data;
  }
  return [];
}

/** What the filters match on, and the key whose order a subscription must see kept. */
export function factsOf(event: AnyHoldfastEvent): EventFacts & { orderingKey: string } {
  switch (event.type) {
    case 'hold.placed':
    case 'hold.released':
    case 'hold.overridden': {
      const held = heldWindowsOf(event.data);
      const windowIds = event.type === 'hold.overridden' ? [event.data.windowId] : event.data.windowIds;
      return {
        type: event.type,
        regions: event.data.regions,
        teams: [...new Set(held.flatMap((window) => (window.ownerTeam ? [window.ownerTeam] : [])))],
        windowIds: [...new Set([...windowIds, ...held.map((window) => window.windowId)])],
        orderingKey: `hold:${event.data.holdId}`,
      };
    }
    case 'surge.started':
    case 'surge.updated':
    case 'surge.cleared':
      return { type: event.type, regions: [event.data.region], teams: [], windowIds: [], orderingKey: `surge:${event.data.surgeId}` };
    case 'traffic.sample':
    case 'region.baseline':
    case 'api-key.state':
      throw new Error(`${event.type} is not consumed by the notifier`);
    default:
      return {
        type: event.type,
        regions: event.data.footprint.global ? 'global' : event.data.footprint.regions,
        teams: [event.data.ownerTeam],
        windowIds: [event.data.windowId],
        orderingKey: `window:${event.data.windowId}`,
      };
  }
}
