import { PublicRoute } from '@holdfast/observability';
import { ApiZodBody, AuthFailureLimiter, InjectServiceConfig, readRouteBody, zodAnswerSchema, ZodBodyPipe, type ServiceConfig } from '@holdfast/service-kit';
import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { z } from 'zod';
import type { AlertSender, AnalyzerSettings } from '../config/analyzer-settings';
import { AlertmanagerPayloadSchema, GrafanaPayloadSchema, type AlertNotification } from './alert-payloads';
import { AlertIntakeResultSchema, AlertsService } from './alerts.service';
import { assertSenderCredential } from './sender-credentials';

const ALERTS_REFUSED =
  'missing-region-label, unknown-region or unreadable-starts-at: alerts without a region label, naming an unknown region, or whose startsAt is not an RFC 3339 instant with its offset, each named in errors (with labelsLookedFor); the other alerts were taken, and alerts says what became of them';
const ALERTS_TAKEN =
  'What became of each alert: started, updated, cleared, duplicate, nothing-active, already-resolved (a firing that came after the resolved of the same firing) or superseded (a resolved that ended by the time the alert fired again with a later startsAt, of the earlier firing)';
const ALERT_INTAKE = zodAnswerSchema(AlertIntakeResultSchema);
const BAD_PAYLOAD = { status: 400, description: 'invalid-json or invalid-body: not the payload this sender sends, each problem named in errors' };
const BAD_CREDENTIAL = { status: 401, description: "sender-not-configured (ALERT_SENDERS has no credential for this sender) or invalid-sender-credential (Authorization is not the sender's)" };
const TOO_LARGE = {
  status: 413,
  description: 'body-too-large: the notification is larger than ALERT_MAX_BODY_BYTES (the other routes take HOLDFAST_MAX_BODY_BYTES); it is read only once the credential is checked',
};
const TOO_MANY_FAILURES = {
  status: 429,
  description: "too-many-failed-authentications: this address sent HOLDFAST_AUTH_FAILURES_PER_MINUTE requests with a missing or wrong credential for this sender within a minute, and every request it sends this sender's webhook is refused until Retry-After has passed",
};

/**
 * The senders' native webhooks. They carry no Holdfast key: each sender authenticates with its own
 * credential from ALERT_SENDERS, checked here (so the routes are public to the key guard).
 */
@ApiTags('alerts')
@Controller('v1/alerts')
@PublicRoute()
export class AlertsController {
  constructor(
    private readonly alerts: AlertsService,
    private readonly authFailures: AuthFailureLimiter,
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
  ) {}

  @Post('alertmanager')
  @HttpCode(200)
  @ApiZodBody(AlertmanagerPayloadSchema)
  @ApiOperation({ summary: 'Alertmanager webhook (payload version 4): firing alerts with a region label start or update surges, resolved ones clear them' })
  @ApiOkResponse({ description: ALERTS_TAKEN, schema: ALERT_INTAKE })
  @ApiResponse(BAD_PAYLOAD)
  @ApiResponse(BAD_CREDENTIAL)
  @ApiResponse(TOO_LARGE)
  @ApiResponse(TOO_MANY_FAILURES)
  @ApiUnprocessableEntityResponse({ description: ALERTS_REFUSED })
  alertmanager(@Req() request: Request) {
    return this.receive('alertmanager', request, AlertmanagerPayloadSchema);
  }

  @Post('grafana')
  @HttpCode(200)
  @ApiZodBody(GrafanaPayloadSchema)
  @ApiOperation({ summary: "Grafana webhook contact point: firing alerts with a region label start or update surges, resolved ones clear them" })
  @ApiOkResponse({ description: ALERTS_TAKEN, schema: ALERT_INTAKE })
  @ApiResponse(BAD_PAYLOAD)
  @ApiResponse(BAD_CREDENTIAL)
  @ApiResponse(TOO_LARGE)
  @ApiResponse(TOO_MANY_FAILURES)
  @ApiUnprocessableEntityResponse({ description: ALERTS_REFUSED })
  grafana(@Req() request: Request) {
    return this.receive('grafana', request, GrafanaPayloadSchema);
  }

  private async receive(sender: AlertSender, request: Request, schema: z.ZodType<AlertNotification>) {
    // The credential is checked before the body is read (within ALERT_MAX_BODY_BYTES, alertBodyLimits), so an anonymous
    // caller has nothing buffered and learns nothing from validation.
    // Nothing is vouched for: a sender's credential may be a password, and letting the right one through would tell a guesser it is right.
    await this.authFailures.guard(request, `${sender} credential`, () => assertSenderCredential(sender, this.config.settings.alertSenders[sender], request.header('authorization')));
    return this.alerts.receive(sender, new ZodBodyPipe(schema).transform(await readRouteBody(request)));
  }
}
