import { DomainError } from '@holdfast/service-kit';
import { describe, expect, it } from 'vitest';
import { assertMayMoveUnderHolds, type NamedHold } from './override-scope';

const WINDOW = '01a24f06-a922-71a0-9620-308b3d3312d8';
const IRAN: NamedHold = { id: '01a24f06-a922-71a0-9620-308b3d3312d9', regions: ['IR'], reason: 'Election in Iran', from: new Date('2026-10-01T00:00:00Z'), until: new Date('2026-10-16T00:00:00Z') };
const NEPAL: NamedHold = { id: '01a24f06-a922-71a0-9620-308b3d3312da', regions: ['NP', 'IN'], reason: 'Exam results', from: new Date('2026-10-02T00:00:00Z'), until: null };

const refusal = (holds: readonly NamedHold[]): DomainError => {
  try {
    assertMayMoveUnderHolds(WINDOW, 'notify-only', holds);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('a change that brings a window no hold stops under holds', () => {
  it('passes when it brings it under none', () => {
    expect(() => assertMayMoveUnderHolds(WINDOW, 'exempt', [])).not.toThrow();
  });

  it('is a 403 missing-scope naming every hold with its regions and reason, and the scope it needs', () => {
    const refused = refusal([IRAN, NEPAL]);
    expect(refused).toMatchObject({ code: 'missing-scope', status: 403, extensions: { requiredScope: 'holds:override', surgePolicy: 'notify-only', holds: [IRAN, NEPAL] } });
    expect(refused.message).toContain(`under active holds ${IRAN.id} (IR: Election in Iran); ${NEPAL.id} (NP, IN: Exam results). Its surgePolicy notify-only`);
    expect(refused.message).toContain(`GET /v1/windows/${WINDOW}/suggestions`);
  });
});
