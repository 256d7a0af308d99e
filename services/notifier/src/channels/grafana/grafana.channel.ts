import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import { DeliveryFailure, expectSuccess, type Channel, type ChannelSend } from '../channel';
import { MessageRenderer } from '../notification-message';
import { GrafanaAnnotationEntity } from './grafana-annotation.entity';
import { annotationSpan, annotationTags, annotationText, type GrafanaAnnotation } from './grafana-annotation';
import { authorizationOf } from '../receiver-authorization';

/**
 * Grafana annotations through its HTTP API (POST /api/annotations; PATCH /api/annotations/{id};
 * GET /api/annotations to find one already made). A placed hold becomes an annotation from its
 * start; an extension moves that annotation's end and the release sets it, so panels show every
 * hold as one region (an annotation deleted in Grafana meanwhile is created again). The secret,
 * when given, is a service account token.
 */
@Injectable()
export class GrafanaChannel implements Channel {
  readonly name = 'grafana';

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
    const base = targetUrl.replace(/\/+$/, '');
    const span = annotationSpan(delivery.event);
    const placed = delivery.eventType === 'hold.placed';
    const holdId = placed || delivery.eventType === 'hold.released' ? message.holdId : undefined;

    // A hold is one annotation: its placement again (an extension, a retry, a replay) and its release move that annotation's end.
    if (holdId) {
      const known = (await annotations.findOneBy({ subscriptionId: subscription.id, holdId })) ?? (placed ? await this.findPlaced(base, headers, subscription.id, holdId, span.time) : null);
      if (known) {
        // A release, or an extension open-ended again, ends it at its time (a point, as an open hold is first annotated);
        // never before it starts (a hold released before its start), which Grafana would draw backwards.
        const timeEnd = Math.max(span.timeEnd ?? span.time, known.startsAt?.getTime() ?? Number.NEGATIVE_INFINITY);
        const response = await this.outbound.send({ url: `${base}/api/annotations/${known.annotationId}`, method: 'PATCH', headers, body: JSON.stringify({ timeEnd }) });
        // Someone deleted the annotation in Grafana: the event is annotated afresh below, as if none were known.
        if (response.status !== 404) return { statusCode: expectSuccess(response, 'Grafana').status };
        await annotations.delete({ subscriptionId: subscription.id, holdId });
      }
    }

    const kind = delivery.eventType.split('.')[0];
    const annotation: GrafanaAnnotation = { ...span, tags: annotationTags(kind, message), text: annotationText(message) };
    const response = expectSuccess(await this.outbound.send({ url: `${base}/api/annotations`, method: 'POST', headers, body: JSON.stringify(annotation) }), 'Grafana');
    if (placed && holdId) {
      const id = (JSON.parse(response.body || '{}') as { id?: unknown }).id;
      // Created all the same: the retry finds it by its hold tag rather than creating another.
      if (typeof id !== 'number') throw new DeliveryFailure('Grafana created the annotation but returned no id', response.status, true, undefined);
      await this.record(subscription.id, holdId, id, span.time);
    }
    return { statusCode: response.status };
  }

  /**
   * The annotation an earlier attempt of this placement made, though its answer or its record was
   * lost (a timeout, a crash): the hold's annotation starting at the hold's start (its override
   * and release annotations share the hold tag, at other times). Recorded when found.
   */
  private async findPlaced(base: string, headers: Record<string, string>, subscriptionId: string, holdId: string, time: number): Promise<GrafanaAnnotationEntity | null> {
    // The kind tag too: a window.held or window.released annotation carries the hold's tag as well, and may start at the hold's start.
    const query = new URLSearchParams([['type', 'annotation'], ['tags', 'holdfast'], ['tags', 'hold'], ['tags', `hold:${holdId}`], ['limit', '100']]);
    const answer = await this.outbound.send({ url: `${base}/api/annotations?${query}`, method: 'GET', headers, body: '' });
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
