import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { PublicRoute } from '../http/public-route.decorator';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness-check';

@ApiTags('health')
@PublicRoute()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness with every dependency (PostgreSQL, Kafka); 503 when one is down' })
  report(): Promise<HealthCheckResult> {
    return this.ready();
  }

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process answers; no dependency is checked' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Kafka answer' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check(this.checks.map((dependency) => () => dependency.check()));
  }
}
