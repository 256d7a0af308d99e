import { RepeatedFailure } from '@holdfast/observability';

/**
 * How often the refusal of one alert for one reason is warned of: its sender notifies the alert's
 * group again at each group_interval the group changed in and each repeat_interval, refused every time.
 */
export const REFUSAL_WARNING_EVERY_MS = 10 * 60_000;
/** Alerts remembered at most: one fixed, or gone from its sender, is never refused again to be forgotten. */
const REFUSALS_REMEMBERED = 10_000;

/**
 * The alerts refused lately, by sender, fingerprint and reason, each warned of once every
 * REFUSAL_WARNING_EVERY_MS however often it comes again. In this process's memory: another replica,
 * or this one restarted, warns of it once more.
 */
export class RefusalWarnings {
  private readonly refusals = new Map<string, RepeatedFailure>();

  constructor(
    private readonly everyMs = REFUSAL_WARNING_EVERY_MS,
    private readonly nowMs?: () => number,
    private readonly remembered = REFUSALS_REMEMBERED,
  ) {}

  /** Records a refusal: `warn` when it is to be warned of, and how many refusals of it that warning stands for, this one included. */
  refused(sender: string, fingerprint: string, reason: string): { warn: boolean; refusals: number } {
    const key = `${sender}\u0000${fingerprint}\u0000${reason}`;
    const repeated = this.refusals.get(key) ?? new RepeatedFailure(this.everyMs, this.nowMs);
    // Taken out and set again, so the alerts refused longest ago are the first forgotten.
    this.refusals.delete(key);
    this.refusals.set(key, repeated);
    if (this.refusals.size > this.remembered) this.refusals.delete(this.refusals.keys().next().value!);
    const { loud, failures } = repeated.failed();
    return { warn: loud, refusals: failures };
  }
}
