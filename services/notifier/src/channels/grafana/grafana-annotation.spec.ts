import { createEvent } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../../deliveries/delivery.entity';
import { annotationSpan } from './grafana-annotation';

const restored = (lostAt: string, restoredAt: string) =>
  createEvent('signal.restored', { region: 'BR', metric: 'requests', lostAt, restoredAt, reason: 'samples again' }, { source: 'spec' }) as unknown as DeliveredEvent;

describe('annotationSpan', () => {
  it('spans a lost signal from its loss to its first new sample', () => {
    expect(annotationSpan(restored('2026-06-14T21:00:00Z', '2026-06-14T21:30:00Z'))).toEqual({ time: Date.parse('2026-06-14T21:00:00Z'), timeEnd: Date.parse('2026-06-14T21:30:00Z') });
  });

  it('never ends before it starts when that first sample was late (stamped before the loss was declared)', () => {
    const span = annotationSpan(restored('2026-06-14T21:00:00Z', '2026-06-14T20:55:00Z'));
    expect(span.timeEnd! >= span.time).toBe(true);
    expect(span).toEqual({ time: Date.parse('2026-06-14T20:55:00Z'), timeEnd: Date.parse('2026-06-14T20:55:00Z') });
  });
});
