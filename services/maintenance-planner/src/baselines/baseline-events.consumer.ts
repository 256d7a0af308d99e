import { ConsumerGroups, MetricNameSchema, RegionCodeSchema, Topics } from '@holdfast/contracts';
import { MessagingRuntime, UnprocessableEventError } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';

/**
 * Keeps the planner's own copy of each region's hour-of-week baseline, so slot proposals ask no other service.
 * A tombstone (key region/metric, no value) is the analyzer retiring that series: its copy goes, and a region
 * left with none is scored at local night again, as one never learned.
 */
@Injectable()
export class BaselineEventsConsumer implements OnModuleInit {
  constructor(private readonly messaging: MessagingRuntime) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.regionBaselines,
      group: ConsumerGroups.plannerBaselines,
      handlers: {
        'region.baseline': async (event, tx) => {
          const { region, metric, zone, values, updatedAt } = event.data;
          await tx.query(
            `INSERT INTO region_baseline (region, metric, zone, hourly, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (region, metric) DO UPDATE SET zone = EXCLUDED.zone, hourly = EXCLUDED.hourly, updated_at = EXCLUDED.updated_at
             WHERE region_baseline.updated_at <= EXCLUDED.updated_at`,
            [region, metric, zone, JSON.stringify(values), new Date(updatedAt)],
          );
        },
      },
      onTombstone: async (key, tx) => {
        const { region, metric } = seriesOfKey(key);
        await tx.query('DELETE FROM region_baseline WHERE region = $1 AND metric = $2', [region, metric]);
      },
    });
  }
}

/** The series a region.baselines.v1 key names; a key of another shape is refused, so its tombstone is dead-lettered rather than deleting nothing in silence. */
function seriesOfKey(key: string): { region: string; metric: string } {
  const [region, metric, ...rest] = key.split('/');
  if (rest.length > 0 || !RegionCodeSchema.safeParse(region).success || !MetricNameSchema.safeParse(metric).success) {
    throw new UnprocessableEventError(`tombstone key "${key}" is not region/metric (IR/requests), as ${Topics.regionBaselines} is keyed`);
  }
  return { region, metric };
}
