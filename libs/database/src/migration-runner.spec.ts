import { describe, expect, it } from 'vitest';
import { newerSchemaProblem, reportedNames } from './migration-runner';

describe('newerSchemaProblem', () => {
  it('is null when the build has every migration the schema records, under its name or one it replaces', () => {
    expect(newerSchemaProblem('notifier', ['A1', 'B2'], ['A1', 'B2', 'C3'], 'notifier')).toBeNull();
  });

  it('names the one command that goes back: revert --to the last migration recorded before the first this build lacks', () => {
    expect(newerSchemaProblem('notifier', ['A1', 'B2', 'C3', 'D4'], ['A1', 'B2'], 'notifier')).toBe(
      'schema notifier was migrated by a newer Holdfast release: it records C3, D4, which this build does not have. Run that release (or a later one). ' +
        'To go back to this one, stop every replica of the newer release and undo those migrations with it (node dist/services/notifier/src/main.js migrate revert --to B2), ' +
        'or restore the backup taken before the upgrade.',
    );
  });

  it("says which of the build's own migrations that revert undoes too, applied again at its start", () => {
    // The newer release's C2 ran before B3, which this build has as well.
    expect(newerSchemaProblem('impact_analyzer', ['A1', 'C2', 'B3'], ['A1', 'B3'], 'impact-analyzer')).toContain(
      '(node dist/services/impact-analyzer/src/main.js migrate revert --to A1; this build applies B3 again at its start)',
    );
  });

  it('says to revert every migration when the first recorded is one the build lacks', () => {
    expect(newerSchemaProblem('notifier', ['C1'], ['A0'], 'notifier')).toContain('(node dist/services/notifier/src/main.js migrate revert, once per migration the schema records, newest first)');
  });
});

describe('reportedNames', () => {
  it('lists at most the first twenty, then how many more', () => {
    const names = Array.from({ length: 23 }, (_, index) => `s${index + 1}`);
    expect(reportedNames(names)).toBe(`${names.slice(0, 20).join(', ')} and 3 more`);
    expect(reportedNames(['s1', 's2'])).toBe('s1, s2');
  });
});
