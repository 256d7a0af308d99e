import { withoutStatementValues } from '@holdfast/database';
import { RepeatedFailure } from '@holdfast/observability';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PlannerSettings } from '../config/planner-settings';
import { WindowsService } from '../windows/windows.service';
import { HoldsService } from './holds.service';
import { SurgeClearances } from './surge-clearances';

/**
 * The periodic job, on the injected Clock's time: occurrences up to the horizon, missed
 * occurrences, cool-downs and held periods that ended, open-ended holds extended, repairs, and
 * surge clearances past their retention.
 * Tests call `sweep()` after moving a ManualClock instead of waiting.
 */
@Injectable()
export class PlannerSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PlannerSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  // While PostgreSQL is away every sweep fails.
  private readonly failures = new RepeatedFailure();

  constructor(
    private readonly windows: WindowsService,
    private readonly holds: HoldsService,
    private readonly clearances: SurgeClearances,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.settings.sweepIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.running) return;
        this.running = this.sweep()
          .then(() => this.failures.succeeded((fields, message) => this.logger.log(fields, message), {}, 'the sweep works again'))
          .catch((error: unknown) => this.failures.log(this.logger, 'error', { err: withoutStatementValues(error) }, 'sweep failed; the next one retries'))
          .finally(() => (this.running = undefined));
      }, interval);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep() {
    const extendedWindows = await this.windows.extendHorizon();
    // Releases and repairs first: what they let go of that has begun needs a new slot, and is not missed.
    const holds = await this.holds.sweepHolds();
    const missed = await this.windows.markMissed();
    const prunedClearances = await this.clearances.prune();
    return { extendedWindows, missed, ...holds, prunedClearances };
  }
}
