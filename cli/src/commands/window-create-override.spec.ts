import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const WINDOW = '0190e0c8-0000-7000-8000-0000000000f3';
const HOLDS = ['0190e0c8-0000-7000-8000-0000000000b3', '0190e0c8-0000-7000-8000-0000000000b4'];

const planned = {
  windowId: WINDOW,
  version: 1,
  title: 'Certificate rotation',
  ownerTeam: 'network-ops',
  footprint: { global: false, regions: ['CL'] },
  startsAt: '2026-12-08T10:00:00.000Z',
  endsAt: '2026-12-08T11:00:00.000Z',
  plannedZone: 'America/Santiago',
  priority: 'routine',
  surgePolicy: 'hold',
  status: 'scheduled',
  localTimes: [],
  nextOccurrence: null,
};
const YAML = `title: Certificate rotation\nownerTeam: network-ops\nfootprint: { global: false, regions: [CL] }\nplannedZone: America/Santiago\nstartsAt: 2026-12-08T10:00:00Z\nendsAt: 2026-12-08T11:00:00Z\n`;

describe('holdfast windows create with an override', () => {
  afterEach(closeStandIns);

  const create = async (yaml: string, overridden: string[] | undefined, json = false) => {
    const planner = await standInService(() => ({ status: 201, body: { ...planned, ...(overridden ? { overridden } : {}) } }));
    const { io, said } = specIo({ 'window.yaml': yaml });
    const code = await run(['windows', 'create', '--file', 'window.yaml', ...(json ? ['--json'] : []), '--planner-url', planner.url], io);
    return { code, said };
  };

  it('names the holds it went through by its override, with the reason, and where to read what each lets through', async () => {
    const { code, said } = await create(`${YAML}override: { reason: the certificate expires today }\n`, [HOLDS[0]]);
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(new RegExp(`^let through: +hold ${HOLDS[0]} by its override \\(the certificate expires today\\); holdfast holds show ${HOLDS[0]} lists the runs it lets through$`, 'm'));
    const two = await create(`${YAML}override: { reason: the certificate expires today }\n`, HOLDS);
    expect(two.said.out).toMatch(new RegExp(`^let through: +holds ${HOLDS.join(', ')} by its override \\(the certificate expires today\\); holdfast holds show ID lists the runs each lets through$`, 'm'));
  });

  it('says nothing of holds when none was gone through, and prints the JSON as the planner answered it', async () => {
    expect((await create(YAML, [])).said.out).not.toContain('let through');
    // A planner older than overridden names no hold: nothing is said rather than a guess.
    expect((await create(`${YAML}override: { reason: the certificate expires today }\n`, undefined)).said.out).not.toContain('let through');
    const { said } = await create(`${YAML}override: { reason: the certificate expires today }\n`, [HOLDS[0]], true);
    expect(JSON.parse(said.out)).toEqual({ ...planned, overridden: [HOLDS[0]] });
  });
});
