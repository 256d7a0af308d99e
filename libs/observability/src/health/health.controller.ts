import { Controller, Get, Inject, Logger, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, type HealthIndicatorFunction, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { PublicRoute } from '../http/public-route.decorator';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');
  /** When this process's readiness first found each dependency down, for as long as it stays down. */
  private readonly downSince = new Map<string, Date>();

  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness with every dependency (PostgreSQL, Kafka); 503 when one is down' })
  report(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.ready(response);
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers and no part of it stopped for good (a Kafka consumer kafkajs will not restart); no dependency is checked' })
  live(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.answer(response, this.checks.flatMap((part) => (part.alive ? [async () => this.answered(await part.alive!())] : [])));
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Kafka answer' })
  ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return this.answer(response, this.checks.map((dependency) => async () => this.answered(await dependency.check())));
  }

  /**
   * Terminus throws its 503 with the result as the body. Answered here, so the service's problem
   * filter neither rewrites it as a bare "Service Unavailable" nor logs an error for every probe of
   * an outage, which the line the outage starts with already says.
   */
  private async answer(response: Response, indicators: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  /**
   * A check's result as anyone may read it, since health needs no key: a dependency down shows
   * since when, never its cause, which names internal hosts and ports, users or databases. The
   * cause goes to the log once when the dependency goes down, and a line when it is back. Liveness
   * answers the same way, under names of its own.
   */
  private answered(result: HealthIndicatorResult): HealthIndicatorResult {
    return Object.fromEntries(
      Object.entries(result).map(([dependency, { status, ...details }]) => {
        const since = this.downSince.get(dependency);
        if (status === 'up') {
          if (since) {
            this.downSince.delete(dependency);
            this.logger.log({ dependency, downSeconds: Math.round((Date.now() - since.getTime()) / 1000), msg: `${dependency} answers readiness again` });
          }
          return [dependency, { status, ...details }];
        }
        const down = since ?? new Date();
        if (!since) {
          this.downSince.set(dependency, down);
          this.logger.warn({ dependency, cause: details, msg: `${dependency} is down: readiness answers 503 until it is back` });
        }
        return [dependency, { status, since: down.toISOString() }];
      }),
    );
  }
}
