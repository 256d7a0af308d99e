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
 * Grafana annotations through its HTTP API (POST /api/annotations; PATCH /api/annotations/{id}).
 * A placed hold becomes an annotation from its start; an extension moves that annotation's end and
 * the release sets it, so panels show every hold as one region (an annotation deleted in Grafana
 * meanwhile is created again). The secret, when given, is a service account token.
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

    // The planner re-announces a hold whose end moved as hold.placed with `extended`: that, like the
    // release, moves the end of the hold's one annotation rather than adding another region.
    const extended = delivery.eventType === 'hold.placed' && (delivery.event.data as { extended?: boolean }).extended === true;
    if ((delivery.eventType === 'hold.released' || extended) && message.holdId) {
      const known = await annotations.findOneBy({ subscriptionId: subscription.id, holdId: message.holdId });
      if (known) {
        const span = annotationSpan(delivery.event);
        // A release ends at its time; an extension at its new until, or, open-ended again, at its start (a point, as an open hold is first annotated).
        const response = await this.outbound.send({
          url: `${base}/api/annotations/${known.annotationId}`,
          method: 'PATCH',
          headers,
          body: JSON.stringify({ timeEnd: span.timeEnd ?? span.time }),
        });
        // Someone deleted the annotation in Grafana: the event is annotated afresh below, as if none were known.
        if (response.status !== 404) return { statusCode: expectSuccess(response, 'Grafana').status };
        await annotations.delete({ subscriptionId: subscription.id, holdId: message.holdId });
      }
    }

    const kind = delivery.eventType.split('.')[0];
    const annotation: GrafanaAnnotation = { ...annotationSpan(delivery.event), tags: annotationTags(kind, message), text: annotationText(message) };
    const response = expectSuccess(await this.outbound.send({ url: `${base}/api/annotations`, method: 'POST', headers, body: JSON.stringify(annotation) }), 'Grafana');
    if (delivery.eventType === 'hold.placed' && message.holdId) {
      const id = (JSON.parse(response.body || '{}') as { id?: unknown }).id;
      if (typeof id !== 'number') throw new DeliveryFailure('Grafana created the annotation but returned no id', response.status, false, undefined);
      await annotations.upsert({ subscriptionId: subscription.id, holdId: message.holdId, annotationId: String(id) }, ['subscriptionId', 'holdId']);
    }
    return { statusCode: response.status };
  }
}
