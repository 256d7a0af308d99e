import { describe, expect, it } from 'vitest';
import { bootQuietLogger } from './boot-quiet.logger';

function recorder() {
  const calls: [string, unknown[]][] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      void calls.push([level, args]);
  return { calls, logger: { log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug'), verbose: record('verbose') } };
}

describe('bootQuietLogger', () => {
  it("sends Nest's start-up narration to debug and every other info line through as it was", () => {
    const { calls, logger } = recorder();
    const quiet = bootQuietLogger(logger);
    quiet.log('TypeOrmModule dependencies initialized', 'InstanceLoader');
    quiet.log('Mapped {/v1/holds, GET} route', 'RouterExplorer');
    quiet.log('schema maintenance_planner: applied CreateHoldAndAudit', 'Database');
    quiet.log('no context at all');
    expect(calls).toEqual([
      ['debug', ['TypeOrmModule dependencies initialized', 'InstanceLoader']],
      ['debug', ['Mapped {/v1/holds, GET} route', 'RouterExplorer']],
      ['log', ['schema maintenance_planner: applied CreateHoldAndAudit', 'Database']],
      ['log', ['no context at all']],
    ]);
  });

  it('never quiets a warning or an error, whatever its context, and gives fatal to error when the logger has no fatal', () => {
    const { calls, logger } = recorder();
    const quiet = bootQuietLogger(logger);
    quiet.warn('NOTIFIER_SECRET_KEY is unset', 'InstanceLoader');
    quiet.error('Nest could not resolve a dependency', 'stack', 'NestFactory');
    quiet.fatal?.('out of memory', 'NestApplication');
    expect(calls.map(([level]) => level)).toEqual(['warn', 'error', 'error']);
  });
});
