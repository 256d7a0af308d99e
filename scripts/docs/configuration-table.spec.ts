import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { meantVariable } from '../../libs/service-kit/src/config/misspelt-variables';
import { serviceVariableNames, sharedEnvironmentShape } from '../../libs/service-kit/src/config/service-config';
import { analyzerEnvironment, RegionPolicySchema } from '../../services/impact-analyzer/src/config/analyzer-settings';
import { plannerEnvironment } from '../../services/maintenance-planner/src/config/planner-settings';
import { notifierEnvironment } from '../../services/notifier/src/config/notifier-settings';

/** A README's Configuration section; the tests run from the workspace root. */
const configurationOf = (path: string): string => {
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf('## Configuration');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};
const configuration = configurationOf('README.md');

/** The Configuration table row naming a variable (a row may name several that go together). */
const rowOf = (name: string, section = configuration): string | undefined => section.split('\n').find((line) => line.startsWith('| ') && line.split(' | ')[0].includes(`\`${name}\``));

const services: Record<string, Record<string, z.ZodType>> = {
  'maintenance-planner': plannerEnvironment,
  'impact-analyzer': analyzerEnvironment,
  notifier: notifierEnvironment,
};

describe("README's Configuration table", () => {
  for (const [service, environment] of Object.entries(services)) {
    it(`lists every variable ${service} reads, with the default it falls back to`, () => {
      const undocumented: string[] = [];
      const wrongDefault: string[] = [];
      for (const [name, schema] of Object.entries(environment)) {
        const row = rowOf(name);
        if (!row) {
          undocumented.push(name);
          continue;
        }
        const fallback = schema.safeParse(undefined);
        const value = fallback.success ? fallback.data : undefined;
        // Only a plain default can be read back from the table; objects and lists are described in words there.
        if ((typeof value === 'number' || (typeof value === 'string' && value !== '')) && !row.split(' | ')[1].includes(`\`${value}\``)) wrongDefault.push(`${name} (${value})`);
      }
      expect({ undocumented, wrongDefault }).toEqual({ undocumented: [], wrongDefault: [] });
    });
  }

  it('says of each duration that takes only whole numbers that it does, in its default column, here and in the service READMEs', () => {
    const UNITS: Record<string, string> = { MS: 'milliseconds', SECONDS: 'seconds', MINUTES: 'minutes', HOURS: 'hours', DAYS: 'days' };
    const durations = Object.entries({ ...sharedEnvironmentShape(3001), ...plannerEnvironment, ...analyzerEnvironment, ...notifierEnvironment }).flatMap(([name, schema]) => {
      const unit = /_(MS|SECONDS|MINUTES|HOURS|DAYS)$/.exec(name)?.[1];
      const fallback = (schema as z.ZodType).safeParse(undefined).data;
      // Its default and a half more, refused: whole numbers only (each default is well inside its range).
      return unit && typeof fallback === 'number' ? [{ name, unit: UNITS[unit], whole: !(schema as z.ZodType).safeParse(`${fallback}.5`).success }] : [];
    });
    expect(durations.filter(({ whole }) => whole).length).toBeGreaterThan(10);
    expect(durations.filter(({ whole }) => !whole).length).toBeGreaterThan(10);
    const sections = ['README.md', 'services/maintenance-planner/README.md', 'services/notifier/README.md'].map((path) => ({ path, section: configurationOf(path) }));
    const wrong = sections.flatMap(({ path, section }) =>
      durations.flatMap(({ name, unit, whole }) => {
        const row = rowOf(name, section);
        return row && row.split(' | ')[1].includes(`whole ${unit}`) !== whole ? [`${path} ${name}: ${whole ? 'whole' : 'takes a fraction'}`] : [];
      }),
    );
    // ANALYZER_DETECTION's fields, a table of their own.
    const signalLoss = rowOf('signalLossAfterSeconds')!;
    if (signalLoss.split(' | ')[1].includes('whole seconds') === RegionPolicySchema.shape.signalLossAfterSeconds.safeParse(900.5).success) wrong.push('README.md signalLossAfterSeconds');
    expect(wrong).toEqual([]);
  });

  it("names no variable of the table a slip of another service's, so a service warns of none of them when they share an environment", () => {
    const documented = [...configuration.matchAll(/^\| (`[A-Z_]+`(?:(?:, | \/ )`[A-Z_]+`)*)/gm)].flatMap(([, names]) => names.match(/[A-Z_]+/g) ?? []);
    expect(documented.length).toBeGreaterThan(60);
    const warned = Object.entries(services).flatMap(([service, environment]) => {
      const own = serviceVariableNames(environment);
      return documented.flatMap((name) => {
        const meant = meantVariable(name, own);
        return meant ? [`${service} reads ${name} as a slip of ${meant}`] : [];
      });
    });
    expect(warned).toEqual([]);
  });
});
