import { causedBy, createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { SERVICE_NAME } from '../service-name';
import { SurgeEntity } from './surge.entity';

/**
 * Decides surges from samples. The rule here is the foundation's placeholder (a fixed threshold,
 * cleared below half of it); the seasonal detector in ../detection replaces it.
 */
@Injectable()
export class SurgesService {
  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly messaging: MessagingRuntime,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async assessSample(sample: HoldfastEvent<'traffic.sample'>, transaction: EntityManager): Promise<void> {
    const { region, metric, value, at } = sample.data;
    const surges = transaction.getRepository(SurgeEntity);
    // Row lock: two samples of one region in flight at once must not both start a surge.
    const active = await surges.findOne({ where: { region, metric, status: 'active' }, lock: { mode: 'pessimistic_write' } });
    const threshold = this.config.settings.surgeThreshold;
    if (!active && value >= threshold) {
      const surge = surges.create({ id: uuidv7(), region, metric, status: 'active', startedAt: new Date(at), clearedAt: null, peakValue: value, causeEventId: sample.id });
      await surges.insert(surge);
      await this.messaging.outbox.add(
        transaction,
        createEvent(
          'surge.started',
          {
            surgeId: surge.id,
            region,
            metric,
            source: 'detector',
            severity: value >= threshold * 2 ? 'major' : 'minor',
            startedAt: at,
            detectedAt: this.clock.now().toISOString(),
            evidence: { observed: value, baseline: threshold, score: value / threshold, samples: [{ at, value }] },
            reason: `${metric} in ${region} reached ${value}, at or above the threshold ${threshold}`,
          },
          { source: SERVICE_NAME, subject: region, ...causedBy(sample) },
        ),
      );
    } else if (active && value < threshold / 2) {
      // A late sample may predate the surge it clears; the surge cannot end before it began.
      const clearedAt = new Date(Math.max(Date.parse(at), active.startedAt.getTime())).toISOString();
      await surges.update({ id: active.id }, { status: 'cleared', clearedAt: new Date(clearedAt) });
      await this.messaging.outbox.add(
        transaction,
        createEvent(
          'surge.cleared',
          { surgeId: active.id, region, metric, startedAt: active.startedAt.toISOString(), clearedAt, reason: `${metric} in ${region} fell to ${value}, below ${threshold / 2}` },
          { source: SERVICE_NAME, subject: region, ...causedBy(sample) },
        ),
      );
    } else if (active && value > active.peakValue) {
      await surges.update({ id: active.id }, { peakValue: value });
    }
  }

  list(status?: 'active' | 'cleared'): Promise<SurgeEntity[]> {
    return this.dataSource.getRepository(SurgeEntity).find({ where: status ? { status } : {}, order: { startedAt: 'DESC' }, take: 500 });
  }
}
