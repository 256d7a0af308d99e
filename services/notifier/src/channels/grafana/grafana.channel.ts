import { prepared } from '@holdfast/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeliveryEntity } from '../../deliveries/delivery.entity';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import { DeliveryFailure, expectSuccess, type Channel, type ChannelSend } from '../channel';
import { MessageRenderer } from '../notification-message';
import { GrafanaAnnotationEntity } from './grafana-annotation.entity';
import { annotationSpan, annotationTags, annotationText, subscriptionTag, type GrafanaAnnotation } from './grafana-annotation';
import { receiverApiUrl } from '../receiver-api-url';
import { authorizationOf } from '../receiver-authorization';

const RELEASE_NOT_OWED = prepared(`SELECT r.released_at FROM hold_release r WHERE r.hold_id = $1 AND NOT EXISTS (
    SELECT 1 FROM delivery d WHERE d.subscription_id = $2 AND d.ordering_key = $3 AND d.event_type = 'hold.released' AND d.status IN ('pending', 'sending'))`);

/**
 * Grafana annotations through its HTTP API (POST /api/annotations; PATCH /api/annotations/{id};
 * GET /api/annotations to find one already made). A placed hold becomes an annotation from its
 * start; an extension moves that annotation's end and the release sets it, so panels show every
 * hold as one region (an annotation deleted in Grafana meanwhile is created again). Each
 * subscription's annotations carry its subscription:<id> tag and it only ever moves its own, so
 * subscriptions to one Grafana organisation never share one. The secret, when given, is a service
 * account token.
 */
@Injectable()
export class GrafanaChannel implements Channel {
  readonly name = 'grafana';
  readonly endsPlacementsAfterRelease = true;

  constructor(
    private readonly outbound: OutboundClientProvider,
    private readonly renderer: MessageRenderer,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  accepts(): boolean {
    return true;
  }

  async send({ delivery, subscription, secret, targetUrl }: ChannelSend): Promise<{ statusCode: number }> {
    const message = this.renderer.render(delivery.event);
    const headers = { 'content-type': 'application/json', accept: 'application/json', ...(secret ? { authorization: authorizationOf(secret) } : {}) };
    const annotations = this.dataSource.getRepository(GrafanaAnnotationEntity);
    const placed = delivery.eventType === 'hold.placed';
    const holdId = placed || delivery.eventType === 'hold.released' ? message.holdId : undefined;
    const releasedAt = placed && holdId ? await this.releasedBefore(delivery, subscription.id, holdId) : null;
    const planned = annotationSpan(delivery.event);
    const span = releasedAt ? { time: planned.time, timeEnd: Math.max(planned.time, releasedAt.getTime()) } : planned;

    // A hold is one annotation: its placement again (an extension, a retry, a replay) and its release move that annotation's end.
    if (holdId) {
      const known = (await annotations.findOneBy({ subscriptionId: subscription.id, holdId })) ?? (placed ? await this.findPlaced(targetUrl, headers, subscription.id, holdId, span.time) : null);
      if (known) {
        // A release, or an extension open-ended again, ends it at its time (a point, as an open hold is first annotated);
        // never before it starts (a hold released before its start), which Grafana would draw backwards.
        const timeEnd = Math.max(span.timeEnd ?? span.time, known.startsAt?.getTime() ?? Number.NEGATIVE_INFINITY);
        const response = await this.outbound.send({ url: receiverApiUrl(targetUrl, `/api/annotations/${known.annotationId}`).href, method: 'PATCH', headers, body: JSON.stringify({ timeEnd }) });
        // Someone deleted the annotation in Grafana: the event is annotated afresh below, as if none were known.
        if (response.status !== 404) return { statusCode: expectSuccess(response, 'Grafana').status };
        await annotations.delete({ subscriptionId: subscription.id, holdId });
      }
    }

    const kind = delivery.eventType.split('.')[0];
    const annotation: GrafanaAnnotation = { ...span, tags: annotationTags(kind, message, subscription.id), text: annotationText(message) };
    const response = expectSuccess(await this.outbound.send({ url: receiverApiUrl(targetUrl, '/api/annotations').href, method: 'POST', headers, body: JSON.stringify(annotation) }), 'Grafana');
    if (placed && holdId) {
      const id = (JSON.parse(response.body || '{}') as { id?: unknown }).id;
      // Created all the same: the retry finds it by its hold tag rather than creating another.
      if (typeof id !== 'number') throw new DeliveryFailure('Grafana created the annotation but returned no id', response.status, true, undefined);
      await this.record(subscription.id, holdId, id, span.time);
    }
    return { statusCode: response.status };
  }

  /**
   * When the hold was released, for a placement sent after its release was consumed with no release
   * left to send to this subscription (a dead placement replayed after the release went out, or a
   * subscription not told of releases): the placement ends the annotation there, or it would show a
   * released hold as lasting to its planned end, or as open. A release still owed ends it in turn.
   */
  private async releasedBefore(delivery: DeliveryEntity, subscriptionId: string, holdId: string): Promise<Date | null> {
    const [release] = (await this.dataSource.query(RELEASE_NOT_OWED, [holdId, subscriptionId, delivery.orderingKey])) as { released_at: Date }[];
    return release?.released_at ?? null;
  }

  /**
   * The annotation an earlier attempt of this placement made, though its answer or its record was
   * lost (a timeout, a crash): the hold's annotation starting at the hold's start (its override
   * and release annotations share the hold tag, at other times). Recorded when found.
   */
  private async findPlaced(targetUrl: string, headers: Record<string, string>, subscriptionId: string, holdId: string, time: number): Promise<GrafanaAnnotationEntity | null> {
    // The kind tag too: a window.held or window.released annotation carries the hold's tag as well, and may start at the hold's start.
    // The subscription's tag too: another subscription to the same Grafana organisation has its own annotation of the hold,
    // which this one's release or a late placement must never move.
    const tags = ['holdfast', 'hold', `hold:${holdId}`, subscriptionTag(subscriptionId)].map((tag): [string, string] => ['tags', tag]);
    const url = receiverApiUrl(targetUrl, '/api/annotations');
    url.search = new URLSearchParams([['type', 'annotation'], ...tags, ['limit', '100']]).toString();
    const answer = await this.outbound.send({ url: url.href, method: 'GET', headers, body: '' });
    // A token that may write annotations but not read them: nothing to find, so the placement is annotated as before.
    if (answer.status === 401 || answer.status === 403) return null;
    const found = JSON.parse(expectSuccess(answer, 'Grafana').body || '[]') as unknown;
    const earlier = Array.isArray(found) ? (found as { id?: unknown; time?: unknown }[]).find((annotation) => annotation.time === time && typeof annotation.id === 'number') : undefined;
    return earlier ? this.record(subscriptionId, holdId, earlier.id as number, time) : null;
  }

  private async record(subscriptionId: string, holdId: string, annotationId: number, time: number): Promise<GrafanaAnnotationEntity> {
    const row = { subscriptionId, holdId, annotationId: String(annotationId), startsAt: new Date(time) };
    await this.dataSource.getRepository(GrafanaAnnotationEntity).upsert(row, ['subscriptionId', 'holdId']);
    return row;
  }
}
