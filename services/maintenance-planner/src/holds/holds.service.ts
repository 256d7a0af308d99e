import { causedBy, createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Clock } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { SERVICE_NAME } from '../service-name';
import { HoldEntity } from './hold.entity';

@Injectable()
export class HoldsService {
  constructor(
    private readonly messaging: MessagingRuntime,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Places the hold a surge calls for, with its audit entry and hold.placed, in the consumer's
   * transaction. The same surge twice gives one hold: the (source, cause) pair is unique.
   */
  async placeForSurge(surge: HoldfastEvent<'surge.started'>, transaction: EntityManager): Promise<void> {
    const { surgeId, region, source, startedAt, expectedEndAt, reason } = surge.data;
    const hold: HoldEntity = {
      id: uuidv7(),
      regions: [region],
      reason: `Surge in ${region}: ${reason}`,
      source,
      causeId: surgeId,
      placedAt: this.clock.now(),
      fromAt: new Date(startedAt),
      untilAt: expectedEndAt ? new Date(expectedEndAt) : null,
      releasedAt: null,
      windowIds: [],
    };
    const inserted = await transaction
      .createQueryBuilder()
      .insert()
      .into(HoldEntity)
      .values(hold)
      .orIgnore()
      .returning('id')
      .execute();
    if (inserted.raw.length === 0) return;
    await transaction.insert(AuditEntryEntity, {
      subjectType: 'hold',
      subjectId: hold.id,
      action: 'placed',
      actor: `${source}:${surgeId}`,
      causeEventId: surge.id,
      details: { regions: hold.regions, reason: hold.reason },
    });
    await this.messaging.outbox.add(
      transaction,
      createEvent(
        'hold.placed',
        {
          holdId: hold.id,
          regions: hold.regions,
          reason: hold.reason,
          source,
          causeId: surgeId,
          placedAt: hold.placedAt.toISOString(),
          from: startedAt,
          until: expectedEndAt ?? null,
          windowIds: hold.windowIds,
        },
        { source: SERVICE_NAME, subject: region, ...causedBy(surge) },
      ),
    );
  }

  list(active?: boolean): Promise<HoldEntity[]> {
    return this.dataSource.getRepository(HoldEntity).find({
      where: active ? { releasedAt: IsNull() } : {},
      order: { placedAt: 'DESC' },
      take: 500,
    });
  }
}
