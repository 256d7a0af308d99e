import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService, UUID, type Asked } from '../testing/stand-in-service';

const HOLD = '0190e0c8-0000-7000-8000-0000000000b1';
const hold = { id: HOLD, regions: ['IR', 'NP'], reason: 'election night', source: 'manual', placedAt: '2026-06-14T18:00:00.000Z', from: '2026-06-14T18:00:00.000Z', until: null, active: true, releasedAt: null };

describe('holdfast holds and regions named on the command line', () => {
  afterEach(closeStandIns);

  const holdfast = async (args: string[], answer: (asked: Asked) => unknown = () => hold) => {
    const service = await standInService((asked) => (asked.url === '/v1/regions' ? { status: 404, body: { status: 404, title: 'Not Found' } } : { body: answer(asked) }));
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', service.url, '--analyzer-url', service.url], io);
    return { code, said, asked: service.asked.filter(({ url }) => url !== '/v1/regions') };
  };

  it('release: exits 2 when --reason is missing, asking nothing, rather than saying the planner cannot be reached', async () => {
    const { code, said, asked } = await holdfast(['holds', 'release', HOLD]);
    expect(code).toBe(ExitCode.usage);
    expect(said.err).toBe('holdfast: --reason is required\n');
    expect(asked).toEqual([]);
    const released = await holdfast(['holds', 'release', HOLD, '--reason', 'count over'], () => ({ ...hold, releasedAt: '2026-06-14T21:00:00.000Z' }));
    expect(released.code).toBe(ExitCode.ok);
    expect(released.asked).toEqual([{ method: 'POST', url: `/v1/holds/${HOLD}/release`, body: { reason: 'count over' }, idempotencyKey: expect.stringMatching(UUID) }]);
  });

  it('sends a country typed in lower case as the services take it, as windows create does', async () => {
    const declared = await holdfast(['holds', 'declare', '--regions', 'ir,np', '--from', '2026-06-14T18:00:00Z', '--reason', 'election night']);
    expect(declared.code).toBe(ExitCode.ok);
    expect(declared.asked[0].body).toMatchObject({ regions: ['IR', 'NP'] });
    const critical = await holdfast(['declarations', 'declare', '--regions', 'lk,eu-west', '--from', '2026-06-14T18:00:00Z', '--until', '2026-06-15T18:00:00Z', '--reason', 'runoff'], () => ({
      id: HOLD,
      regions: ['LK', 'eu-west'],
      from: '2026-06-14T18:00:00.000Z',
      until: '2026-06-15T18:00:00.000Z',
      reason: 'runoff',
      severity: 'major',
      status: 'scheduled',
      declaredBy: 'platform',
      declaredAt: '2026-06-14T17:00:00.000Z',
      cancelledBy: null,
      cancelledAt: null,
    }));
    expect(critical.code).toBe(ExitCode.ok);
    expect(critical.asked[0].body).toMatchObject({ regions: ['LK', 'eu-west'] });
    const gate = await holdfast(['gate', '--regions', 'ir,np'], () => ({ allowed: true }));
    expect(gate.code).toBe(ExitCode.ok);
    expect(gate.asked.map(({ url }) => url)).toEqual(['/v1/gate?regions=IR%2CNP']);
  });
});
