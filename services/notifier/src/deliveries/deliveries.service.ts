import type { HoldfastEvent } from '@holdfast/contracts';
import { Clock } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DeliveryEntity } from './delivery.entity';

@Injectable()
export class DeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Records what owners must be told of a placed hold, in the consumer's transaction. */
  async recordHoldPlaced(hold: HoldfastEvent<'hold.placed'>, transaction: EntityManager): Promise<void> {
    const { regions, reason, holdId, windowIds } = hold.data;
    await transaction.insert(DeliveryEntity, {
      id: uuidv7(),
      eventId: hold.id,
      eventType: hold.type,
      correlationId: hold.correlationid,
      channel: 'log',
      status: 'recorded',
      summary: `Hold ${holdId} placed on ${regions.join(', ')} (${windowIds.length} window(s) held): ${reason}`,
      recordedAt: this.clock.now(),
      payload: hold.data,
    });
  }

  list(correlationId?: string): Promise<DeliveryEntity[]> {
    return this.dataSource.getRepository(DeliveryEntity).find({
      where: correlationId ? { correlationId } : {},
      order: { recordedAt: 'DESC' },
      take: 500,
    });
  }
}
