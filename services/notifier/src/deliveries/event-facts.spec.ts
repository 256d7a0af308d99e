import { createEvent, EventExamples } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { factsOf } from './event-facts';

const UPPER = '0190E0C8-0000-7000-8000-0000000000AB';

describe('factsOf', () => {
  it('gives the window ids in lower case, as subscription filters keep them, whatever case the event wrote them in', () => {
    const scheduled = createEvent('window.scheduled', { ...EventExamples['window.scheduled'], windowId: UPPER }, { source: 'notifier-spec' });
    expect(factsOf(scheduled).windowIds).toEqual([UPPER.toLowerCase()]);
  });
});
