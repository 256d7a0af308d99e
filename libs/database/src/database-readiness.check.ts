import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { withinMs, type ReadinessCheck } from '@holdfast/observability';
import { DataSource } from 'typeorm';

@Injectable()
export class DatabaseReadinessCheck implements ReadinessCheck {
  constructor(
    private readonly dataSource: DataSource,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const session = this.indicator.check('postgresql');
    try {
      await withinMs(1_000, 'PostgreSQL', this.dataSource.query('SELECT 1'));
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
