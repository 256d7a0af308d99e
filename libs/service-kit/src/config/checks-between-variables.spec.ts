import { decimalVariable, unquotedVariables } from '@holdfast/observability';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { CheckBetweenVariables } from './checks-between-variables';
import { serviceConfigFromEnvironment } from './service-config';

const identity = { service: 'example-service', schema: 'example', defaultPort: 3999 };
const own = {
  EXAMPLE_LEASE_MS: decimalVariable({ whole: true, unit: 'milliseconds', min: 1 }).default(60_000),
  EXAMPLE_TIMEOUT_MS: decimalVariable({ whole: true, unit: 'milliseconds', min: 1 }).default(10_000),
  EXAMPLE_TOKEN: z.string().optional().register(unquotedVariables, { instead: 'a secret, not shown' }),
};
type Own = z.infer<z.ZodObject<typeof own>>;

const leaseOutlastsTimeout: CheckBetweenVariables<Own, 'EXAMPLE_LEASE_MS' | 'EXAMPLE_TIMEOUT_MS'> = {
  reads: ['EXAMPLE_LEASE_MS', 'EXAMPLE_TIMEOUT_MS'],
  problems: ({ EXAMPLE_LEASE_MS: lease, EXAMPLE_TIMEOUT_MS: timeout }) =>
    lease > timeout ? [] : [{ variable: 'EXAMPLE_LEASE_MS', message: `must be more than EXAMPLE_TIMEOUT_MS (${timeout}): raise it or lower EXAMPLE_TIMEOUT_MS` }],
};

const refusal = (environment: NodeJS.ProcessEnv, checks: CheckBetweenVariables<Own>[] = [leaseOutlastsTimeout]): string => {
  try {
    serviceConfigFromEnvironment(identity, environment, own, checks);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
};

describe('checks between variables', () => {
  it('says a check between variables in the refusal of another variable, after the refusals and before the slips of a name', () => {
    expect(refusal({ EXAMPLE_LEASE_MS: '5000', PORT: 'eighty', EXAMPLE_LEASE_MSS: '1' })).toBe(
      [
        'example-service: invalid configuration:',
        '  PORT="eighty": must be a whole number from 1 to 65535, written in decimal digits',
        '  EXAMPLE_LEASE_MS="5000": must be more than EXAMPLE_TIMEOUT_MS (10000): raise it or lower EXAMPLE_TIMEOUT_MS',
        '  EXAMPLE_LEASE_MSS is not a variable example-service reads, so it is ignored; did you mean EXAMPLE_LEASE_MS?',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
  });

  it('skips a check while a variable it reads is refused, saying that refusal alone', () => {
    const problems = vi.fn(() => []);
    expect(refusal({ EXAMPLE_LEASE_MS: '5000', EXAMPLE_TIMEOUT_MS: 'soon' }, [leaseOutlastsTimeout, { reads: ['EXAMPLE_TIMEOUT_MS'], problems }])).toBe(
      [
        'example-service: invalid configuration:',
        '  EXAMPLE_TIMEOUT_MS="soon": must be a whole number of milliseconds ≥ 1, written in decimal digits',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
    expect(problems).not.toHaveBeenCalled();
  });

  it('gives a check the variables it reads as parsed and the environment as set, and refuses on its problems alone', () => {
    const problems = vi.fn(() => [{ variable: 'EXAMPLE_TIMEOUT_MS' as const, message: 'is refused' }]);
    const environment = { EXAMPLE_TIMEOUT_MS: '250', EXAMPLE_LEASE_MS: 'whenever', EXAMPLE_TOKEN: '' };
    expect(refusal(environment, [{ reads: ['EXAMPLE_TIMEOUT_MS', 'EXAMPLE_TOKEN'], problems }])).toBe(
      [
        'example-service: invalid configuration:',
        '  EXAMPLE_LEASE_MS="whenever": must be a whole number of milliseconds ≥ 1, written in decimal digits',
        '  EXAMPLE_TIMEOUT_MS="250": is refused',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
    // An empty variable reads as unset; nothing it does not read, such as the refused EXAMPLE_LEASE_MS.
    expect(problems).toHaveBeenCalledWith({ EXAMPLE_TIMEOUT_MS: 250, EXAMPLE_TOKEN: undefined }, environment);
  });

  it('takes an environment its checks find nothing in, and never quotes a secret a check names', () => {
    expect(serviceConfigFromEnvironment(identity, { EXAMPLE_LEASE_MS: '20000' }, own, [leaseOutlastsTimeout]).own).toEqual({ EXAMPLE_LEASE_MS: 20_000, EXAMPLE_TIMEOUT_MS: 10_000, EXAMPLE_TOKEN: undefined });
    const tokenSaid: CheckBetweenVariables<Own, 'EXAMPLE_TOKEN'> = { reads: ['EXAMPLE_TOKEN'], problems: () => [{ variable: 'EXAMPLE_TOKEN', message: 'is not taken with this lease' }] };
    const said = refusal({ EXAMPLE_TOKEN: 'hunter2-hunter2' }, [tokenSaid]);
    expect(said).toContain('\n  EXAMPLE_TOKEN (a secret, not shown): is not taken with this lease\n');
    expect(said).not.toContain('hunter2');
  });
});
