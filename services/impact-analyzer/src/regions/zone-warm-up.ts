import { RegionCatalog } from '@holdfast/regions';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { localHourOfWeek, regionZone } from '../detection';

/** Zones looked at per turn of the event loop: the warm-up never holds up a request or a batch for long. */
const ZONES_PER_TURN = 8;

/**
 * The first sample of a region pays for its zone's Intl formatters (validating the name and
 * reading offsets: about a millisecond), which a spike in a region quiet until then would pay on
 * its way to a surge. After boot, every principal zone of the catalog is looked at once, a few per
 * turn of the event loop, so that cost is paid before any sample asks.
 */
export async function warmUpZones(zones: Iterable<string>, stopped: () => boolean = () => false): Promise<number> {
  const distinct = [...new Set(zones)];
  let warmed = 0;
  for (const zone of distinct) {
    if (stopped()) break;
    localHourOfWeek(Date.now(), regionZone(zone));
    warmed += 1;
    if (warmed % ZONES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return warmed;
}

@Injectable()
export class ZoneWarmUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ZoneWarmUp.name);
  private stopping = false;
  private running?: Promise<unknown>;

  constructor(private readonly catalog: RegionCatalog) {}

  onApplicationBootstrap(): void {
    // Only an optimisation: a zone it cannot read is the detector's error to report, sample by sample.
    this.running = warmUpZones(
      this.catalog.list().map((region) => region.zone),
      () => this.stopping,
    ).catch((error: Error) => this.logger.warn({ err: error }, 'warming up the region zones stopped'));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
