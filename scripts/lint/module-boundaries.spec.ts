import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const RULE = '@nx/enforce-module-boundaries';

/**
 * The architecture's boundaries are lint errors, not conventions. Each case lints a small file as
 * if it stood at the given path, with the repository's own ESLint configuration.
 */
describe('module boundaries (eslint.config.mjs with @nx/enforce-module-boundaries)', () => {
  let eslint: ESLint;

  beforeAll(async () => {
    // The rule reads Nx's cached project graph; without one it would silently skip.
    await createProjectGraphAsync({ exitOnError: false });
    eslint = new ESLint({ cwd: ROOT });
  }, 60_000);

  async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
    return result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
  }

  it('fails a service importing another service by a relative path', async () => {
    const errors = await boundaryErrors(
      'services/maintenance-planner/src/holds/forbidden.ts',
      "import { SurgesService } from '../../../impact-analyzer/src/surges/surges.service';\nexport const leak = SurgesService;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fails the notifier importing the planner through its source folder', async () => {
    const errors = await boundaryErrors(
      'services/notifier/src/deliveries/forbidden.ts',
      "import { HoldsService } from '../../../maintenance-planner/src/holds/holds.service';\nexport const leak = HoldsService;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fails contracts importing infrastructure', async () => {
    const errors = await boundaryErrors('libs/contracts/src/forbidden.ts', "import { Kafka } from 'kafkajs';\nexport const leak = Kafka;\n");
    expect(errors.join('\n')).toMatch(/kafkajs/);
  });

  it('fails the pure time library importing NestJS or TypeORM', async () => {
    const errors = await boundaryErrors('libs/time/src/forbidden.ts', "import { Injectable } from '@nestjs/common';\nexport const leak = Injectable;\n");
    expect(errors.join('\n')).toMatch(/@nestjs\/common/);
  });

  it('fails production service code importing the test environment', async () => {
    const errors = await boundaryErrors(
      'services/notifier/src/deliveries/forbidden.ts',
      "import { expectEventually } from '@holdfast/testing';\nexport const leak = expectEventually;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('lets a service use the shared libraries', async () => {
    const errors = await boundaryErrors(
      'services/notifier/src/deliveries/allowed.ts',
      "import { Topics } from '@holdfast/contracts';\nimport { MessagingRuntime } from '@holdfast/messaging';\nexport const ok = [Topics, MessagingRuntime];\n",
    );
    expect(errors).toEqual([]);
  });
});
