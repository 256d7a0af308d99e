import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { meantVariable } from '../../libs/service-kit/src/config/misspelt-variables';
import { serviceVariableNames } from '../../libs/service-kit/src/config/service-config';
import { analyzerEnvironment } from '../../services/impact-analyzer/src/config/analyzer-settings';
import { plannerEnvironment } from '../../services/maintenance-planner/src/config/planner-settings';
import { notifierEnvironment } from '../../services/notifier/src/config/notifier-settings';

// The tests run from the workspace root.
const readme = readFileSync('README.md', 'utf8');
const configuration = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));

/** The README's Configuration table row naming a variable (a row may name several that go together). */
const rowOf = (name: string): string | undefined => configuration.split('\n').find((line) => line.startsWith('| ') && line.split(' | ')[0].includes(`\`${name}\``));

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
