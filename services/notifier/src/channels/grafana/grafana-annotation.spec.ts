import { createEvent, EventExamples } from '@holdfast/contracts';
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

  it("spans a recurring window's event over the run it is about, not the window's first run", () => {
    const firstRun = { startsAt: '2026-06-01T17:00:00Z', endsAt: '2026-06-01T19:00:00Z', recurrence: 'FREQ=WEEKLY' };
    const thirdRun = { startsAt: '2026-06-15T17:00:00Z', endsAt: '2026-06-15T19:00:00Z' };
    const span = { time: Date.parse(thirdRun.startsAt), timeEnd: Date.parse(thirdRun.endsAt) };
    const completed = createEvent('window.completed', { ...EventExamples['window.completed'], ...firstRun, status: 'scheduled', completedAt: '2026-06-15T18:40:00Z', occurrence: thirdRun }, { source: 'spec' });
    expect(annotationSpan(completed as unknown as DeliveredEvent)).toEqual(span);
    const held = createEvent('window.held', { ...EventExamples['window.held'], ...firstRun, occurrences: [{ ...EventExamples['window.held'].occurrences![0], number: 3, ...thirdRun }] }, { source: 'spec' });
    expect(annotationSpan(held as unknown as DeliveredEvent)).toEqual(span);
    const scheduled = createEvent('window.scheduled', { ...EventExamples['window.scheduled'], ...firstRun }, { source: 'spec' });
    expect(annotationSpan(scheduled as unknown as DeliveredEvent)).toEqual({ time: Date.parse(firstRun.startsAt), timeEnd: Date.parse(firstRun.endsAt) });
  });
});
