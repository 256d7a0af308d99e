import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';

/** Keeps the planner's own copy of each region's hour-of-week baseline, so slot proposals ask no other service. */
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
    });
  }
}
