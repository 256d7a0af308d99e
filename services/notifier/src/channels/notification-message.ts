import type { AnyHoldfastEvent, HoldPeriodLocalTime, HoldWindow, Slot, WindowSnapshot } from '@holdfast/contracts';
import type { RegionCatalog } from '@holdfast/regions';
import { DateTime } from 'luxon';
import type { DeliveredEvent } from '../deliveries/delivery.entity';
import { heldWindowsOf, windowRunOf, type WindowRun } from '../deliveries/event-facts';
import { TEST_EVENT_TYPE } from './channel';

/** One affected region's wall clock, e.g. IR "Mon 15 Jun 00:30 → 04:30 Asia/Tehran (UTC+03:30)". */
export interface LocalTimeLine {
  region: string;
  zone: string;
  text: string;
}

/** What a person must read in two seconds: what, why, until when, when that is where it matters, where to learn more. */
export interface NotificationMessage {
  title: string;
  what: string;
  why: string;
  until: string;
  localTimes: LocalTimeLine[];
  link: string;
  /** What the link shows, when it is not the week page of the regions or window: "Why is it held?" for a hold in force. */
  linkLabel?: string;
  regions: string[];
  teams: string[];
  windowIds: string[];
  holdId?: string;
}

/** The link of a message about a hold in force: the week page opens on why it is held. */
export const WHY_HELD = 'Why is it held?';

const utc = (iso: string): string => `${DateTime.fromISO(iso, { zone: 'UTC' }).toFormat('ccc d LLL HH:mm')} UTC`;

/**
 * "Mon 15 Jun 00:30 → 04:30 Asia/Tehran (UTC+03:30)" from instants, each end with its own offset
 * ("UTC+02:00→UTC+01:00" across a change). Never from the planner's bare local strings: a wall clock
 * in a repeated hour names two instants, and luxon's pick is not the planner's (the earlier).
 */
function localRange(zone: string, from: string, to?: string | null, at = 'from'): string {
  const start = DateTime.fromISO(from, { zone });
  const startText = start.toFormat('ccc d LLL HH:mm');
  if (!to) return `${at} ${startText} ${zone} (UTC${start.toFormat('ZZ')})`;
  const end = DateTime.fromISO(to, { zone });
  const endText = end.hasSame(start, 'day') ? end.toFormat('HH:mm') : end.toFormat('ccc d LLL HH:mm');
  const offsets = end.offset === start.offset ? `UTC${start.toFormat('ZZ')}` : `UTC${start.toFormat('ZZ')}→UTC${end.toFormat('ZZ')}`;
  return `${startText} → ${endText} ${zone} (${offsets})`;
}

const short = (id: string): string => id.slice(-8);

/** Renders events as messages; shared by the Slack, Grafana and Alertmanager channels. */
export class MessageRenderer {
  constructor(
    private readonly catalog: RegionCatalog,
    private readonly plannerUrl: string,
  ) {}

  // Links open the planner's week page, which asks for a key and reads the API with it: an API
  // route opened from a chat answers 401, as a browser sends no key.
  /** The week page with the window's "why is it held?" on top. */
  windowPage(windowId: string): string {
    return `${this.plannerUrl}/calendar?window=${windowId}`;
  }

  /** The week page for a region (a surge's or a lost signal's): its windows, holds and gate, not every region's. */
  private regionPage(region: string): string {
    return `${this.plannerUrl}/calendar?region=${encodeURIComponent(region)}`;
  }

  render(delivered: DeliveredEvent): NotificationMessage {
    if (delivered.type === TEST_EVENT_TYPE) {
      return { title: 'Test message from Holdfast', what: 'This subscription works.', why: 'A test send was requested.', until: '-', localTimes: [], link: `${this.plannerUrl}/calendar`, regions: [], teams: [], windowIds: [] };
    }
    const event = delivered as unknown as AnyHoldfastEvent;
    switch (event.type) {
      case 'hold.placed': {
        const held = heldWindowsOf(event.data);
        const windowIds = event.data.windowIds;
        return {
          title: `Maintenance held in ${event.data.regions.join(', ')}`,
          what: this.windowsText(windowIds, held, event.data.windowsTruncated),
          why: event.data.reason,
          until: event.data.until ? `until ${utc(event.data.until)}` : 'until released',
          localTimes: this.holdLocalTimes(event.data, event.data.from, event.data.until),
          link: this.linkFor(windowIds, event.data.regions),
          linkLabel: WHY_HELD,
          regions: event.data.regions,
          teams: [...new Set(held.map((window) => window.ownerTeam))],
          windowIds,
          holdId: event.data.holdId,
        };
      }
      case 'hold.released': {
        const held = heldWindowsOf(event.data);
        return {
          title: `Hold released in ${event.data.regions.join(', ')}`,
          what: this.windowsText(event.data.windowIds, held, event.data.windowsTruncated),
          why: event.data.reason,
          until: `released ${utc(event.data.releasedAt)}${event.data.releasedBy ? ` by ${event.data.releasedBy}` : ''}`,
          localTimes: this.holdLocalTimes(event.data, event.data.releasedAt, null, 'released'),
          link: this.linkFor(event.data.windowIds, event.data.regions),
          regions: event.data.regions,
          teams: [...new Set(held.map((window) => window.ownerTeam))],
          windowIds: event.data.windowIds,
          holdId: event.data.holdId,
        };
      }
      case 'hold.overridden':
        return {
          title: `Hold in ${event.data.regions.join(', ')} overridden for one window`,
          what: `${event.data.window ? `${event.data.window.title} (team ${event.data.window.ownerTeam})` : `window …${short(event.data.windowId)}`} may run despite the hold`,
          why: `${event.data.reason} (${event.data.overriddenBy})`,
          until: 'the hold stays for other windows',
          localTimes: this.localTimes(event.data.regions, event.data.overriddenAt, null, 'overridden'),
          link: this.windowPage(event.data.windowId),
          regions: event.data.regions,
          teams: event.data.window ? [event.data.window.ownerTeam] : [],
          windowIds: [event.data.windowId],
          holdId: event.data.holdId,
        };
      case 'surge.started':
      case 'surge.updated':
      case 'surge.cleared': {
        const verb = { 'surge.started': 'started', 'surge.updated': 'updated', 'surge.cleared': 'cleared' }[event.type];
        const at = event.type === 'surge.cleared' ? event.data.clearedAt : event.data.startedAt;
        return {
          title: `Surge ${verb} in ${event.data.region}`,
          // surge.cleared carries no source: without a metric it was an alert's or a declaration's.
          what: event.data.metric ? `traffic on ${event.data.metric}` : !('source' in event.data) ? 'a firing alert or a declared critical period' : event.data.source === 'alert' ? 'a firing alert' : 'a declared critical period',
          why: event.data.reason,
          until: event.type === 'surge.cleared' ? `cleared ${utc(event.data.clearedAt)}` : 'expectedEndAt' in event.data && event.data.expectedEndAt ? `expected until ${utc(event.data.expectedEndAt)}` : 'until it clears',
          localTimes: this.localTimes([event.data.region], at, null, event.type === 'surge.cleared' ? 'cleared' : 'from'),
          link: this.regionPage(event.data.region),
          regions: [event.data.region],
          teams: [],
          windowIds: [],
        };
      }
      case 'signal.lost':
        return {
          title: `Signal lost in ${event.data.region}`,
          what: `no ${event.data.metric} samples since ${utc(event.data.lastSampleAt)} (${Math.round(event.data.silentSeconds / 60)} min silent)`,
          why: event.data.reason,
          until: event.data.onSignalLoss === 'hold' ? 'maintenance there is held until samples return' : 'until samples return; maintenance is not held for it',
          localTimes: this.localTimes([event.data.region], event.data.lostAt),
          link: this.regionPage(event.data.region),
          regions: [event.data.region],
          teams: [],
          windowIds: [],
        };
      case 'signal.restored':
        return {
          title: `Signal restored in ${event.data.region}`,
          what: `${event.data.metric} samples arrive again`,
          why: event.data.reason,
          until: `lost ${utc(event.data.lostAt)}, restored ${utc(event.data.restoredAt)}`,
          localTimes: this.localTimes([event.data.region], event.data.restoredAt, null, 'restored'),
          link: this.regionPage(event.data.region),
          regions: [event.data.region],
          teams: [],
          windowIds: [],
        };
      case 'traffic.sample':
      case 'region.baseline':
      case 'api-key.state':
        throw new Error(`${event.type} is not notified`);
      default: {
        const window = event.data;
        const verb = event.type.slice('window.'.length);
        const regions = window.footprint.global ? [] : window.footprint.regions;
        const slot = event.type === 'window.rescheduled' ? event.data.chosenSlot : event.type === 'window.released' ? event.data.proposedSlots?.[0] : undefined;
        const run = windowRunOf(window);
        const why =
          'reason' in window && typeof window.reason === 'string'
            ? window.reason
            : event.type === 'window.held' || event.type === 'window.released'
              ? (event.data.holdReason ?? `hold …${short(event.data.holdId)}`)
              : event.type === 'window.updated' && event.data.changes.includes('occurrences')
                ? `its zone's rules changed (a newer time zone database): ${runsMoved(event.data.occurrences?.length ?? 0, event.data.occurrencesTruncated)} back to the local time it was planned at`
                : `${window.priority} window, status ${window.status}`;
        return {
          title: `Window "${window.title}" ${verb}${event.type === 'window.released' ? ` (now ${window.status})` : ''}`,
          what: `${window.title} (team ${window.ownerTeam}, ${window.footprint.global ? 'global' : regions.join(', ')})`,
          why,
          until: event.type === 'window.held' ? 'while the hold lasts' : slot ? `proposed ${utc(slot.startsAt)}` : `runs ${utc(run.startsAt)}`,
          localTimes: this.windowLocalTimes(window, run, slot),
          link: this.windowPage(window.windowId),
          ...(event.type === 'window.held' ? { linkLabel: WHY_HELD } : {}),
          regions,
          teams: [window.ownerTeam],
          windowIds: [window.windowId],
          holdId: event.type === 'window.held' || event.type === 'window.released' ? event.data.holdId : undefined,
        };
      }
    }
  }

  private windowsText(windowIds: readonly string[], held: readonly HoldWindow[], truncated?: boolean): string {
    const more = truncated ? ' and more' : '';
    if (held.length > 0) {
      return `${held
        .map((window) => {
          const next = window.occurrences[0];
          const line = next?.localTimes[0];
          const when = line ? `, ${localRange(this.zoneShown(line.region, line.zone, window.plannedZone), next.startsAt, next.endsAt)}` : '';
          return `${window.title} (team ${window.ownerTeam}${window.notifyOnly ? ', notify-only: runs' : ''}${when})`;
        })
        .join('; ')}${more}`;
    }
    if (windowIds.length === 0) return 'no scheduled window yet; new ones in these regions are refused';
    return `${windowIds.length} window${windowIds.length > 1 ? 's' : ''}: ${windowIds.map((id) => `…${short(id)}`).join(', ')}${more}`;
  }

  /** The slot or run in the zones the planner gave for it when the event carries them, else in the footprint's zones. */
  private windowLocalTimes(window: WindowSnapshot, run: WindowRun, slot: Slot | undefined): LocalTimeLine[] {
    const { startsAt, endsAt, localTimes } = slot ?? run;
    if (!localTimes?.length && window.footprint.global) return [{ region: 'planned', zone: window.plannedZone, text: localRange(window.plannedZone, startsAt, endsAt) }];
    const lines = localTimes?.length ? localTimes.map((line) => ({ region: line.region, zone: line.zone })) : window.footprint.regions.map((region) => ({ region, zone: this.zoneOf(region) }));
    return lines.map(({ region, zone }) => {
      const shown = this.zoneShown(region, zone, window.plannedZone);
      return { region, zone: shown, text: localRange(shown, startsAt, endsAt) };
    });
  }

  /**
   * The zone a region reads a window's run by: the zone it was planned in when that is one of the region's own (Australia/Lord_Howe
   * in AU), not its principal zone (`zone`): Australia/Sydney reads a Lord Howe run half an hour off in the southern winter.
   */
  private zoneShown(region: string, zone: string, plannedZone: string | undefined): string {
    return plannedZone && zone !== plannedZone && this.catalog.find(region)?.zones.includes(plannedZone) ? plannedZone : zone;
  }

  private zoneOf(region: string): string {
    return this.catalog.find(region)?.zone ?? 'UTC';
  }

  /** Each region's local time of a period (`from`, and `to` when known), or of a moment (`at` says what happened then: "released"). */
  private localTimes(regions: readonly string[], from: string, to?: string | null, at?: string): LocalTimeLine[] {
    return regions.map((region) => {
      const zone = this.zoneOf(region);
      return { region, zone, text: localRange(zone, from, to, at) };
    });
  }

  /** localTimes of a hold in the zones its period is stated in (the planner's: a custom region only it knows included), else in the catalog's. */
  private holdLocalTimes(hold: { regions: readonly string[]; periodLocalTimes?: readonly HoldPeriodLocalTime[] }, from: string, to?: string | null, at?: string): LocalTimeLine[] {
    if (!hold.periodLocalTimes?.length) return this.localTimes(hold.regions, from, to, at);
    return hold.periodLocalTimes.map(({ region, zone }) => ({ region, zone, text: localRange(zone, from, to, at) }));
  }

  /** A hold's first window, else its region when it has one, else the week page of every region. */
  private linkFor(windowIds: readonly string[], regions: readonly string[]): string {
    if (windowIds.length > 0) return this.windowPage(windowIds[0]);
    return regions.length === 1 ? this.regionPage(regions[0]) : `${this.plannerUrl}/calendar`;
  }
}

const runsMoved = (listed: number, truncated?: boolean): string => `${truncated ? 'more than ' : ''}${listed} run${listed === 1 && !truncated ? '' : 's'} to come moved`;
