import { RegionCatalog } from '@holdfast/regions';
import { DomainError, type ServiceConfig } from '@holdfast/service-kit';
import { ManualClock } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { analyzerService } from '../app.module';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import type { SurgesService } from '../surges/surges.service';
import { DeclarationsService, DeclareSchema } from './declarations.service';

describe('POST /v1/declarations: how far ahead a period may start', () => {
  const STORED = Symbol('stored');

  /** The service on a clock at 2026-06-10T12:00:00Z under this environment; a declaration it takes reaches the (stub) transaction. */
  const declarations = (environment: NodeJS.ProcessEnv = {}) => {
    const config = analyzerService.configFromEnvironment(environment) as ServiceConfig<AnalyzerSettings>;
    const dataSource = { transaction: async () => STORED };
    return new DeclarationsService(new RegionCatalog(), {} as SurgesService, dataSource as unknown as DataSource, new ManualClock('2026-06-10T12:00:00Z'), config);
  };
  const declare = (service: DeclarationsService, from: string, until: string) =>
    service.declare(DeclareSchema.parse({ regions: ['IR'], from, until, reason: 'Presidential election in IR' }), 'platform/test').catch((error: unknown) => error);

  it('takes next year\'s election, declared a year ahead', async () => {
    expect(await declare(declarations(), '2027-06-11T00:00:00Z', '2027-06-18T00:00:00Z')).toBe(STORED);
  });

  it('refuses one starting more than DECLARATION_MAX_AHEAD_DAYS (400) from now, a year typed wrong, naming from, the bound and the setting', async () => {
    // 2027 typed for 2026: a period seven weeks away would wait a year and hold nothing in the weeks meant.
    const refusal = await declare(declarations(), '2027-08-01T00:00:00Z', '2027-08-08T00:00:00Z');
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'declaration-too-far-ahead',
      status: 422,
      message:
        'This declaration starts at 2027-08-01T00:00:00Z, 416.5 days from now (2026-06-10T12:00:00.000Z), further ahead than the 400 days one may be declared (DECLARATION_MAX_AHEAD_DAYS): if its year is wrong, it would hold nothing in the period meant. Check from, or declare the period nearer the time.',
      extensions: { errors: [{ path: 'from', message: 'more than 400 days from now' }] },
    });
    expect(await declare(declarations(), '2036-06-12T00:00:00Z', '2036-06-19T00:00:00Z')).toMatchObject({ code: 'declaration-too-far-ahead' });
  });

  it('takes a period as far ahead as DECLARATION_MAX_AHEAD_DAYS allows when it is raised', async () => {
    expect(await declare(declarations({ DECLARATION_MAX_AHEAD_DAYS: '800' }), '2027-08-01T00:00:00Z', '2027-08-08T00:00:00Z')).toBe(STORED);
  });

  it('still refuses a period that lasts longer than DECLARATION_MAX_DAYS, starting soon', async () => {
    expect(await declare(declarations(), '2026-06-12T00:00:00Z', '2126-06-13T00:00:00Z')).toMatchObject({ code: 'declaration-too-long', extensions: { errors: [{ path: 'until' }] } });
  });
});
