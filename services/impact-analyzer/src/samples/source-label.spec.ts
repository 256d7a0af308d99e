import { describe, expect, it } from 'vitest';
import { SourceLabels } from './source-label';

describe('the samples metric label of a sample source', () => {
  it('keeps the first names seen, counts later ones as other, and keeps seen names however many came after', () => {
    const labels = new SourceLabels(2);
    expect(labels.of('vector')).toBe('vector');
    expect(labels.of('prometheus')).toBe('prometheus');
    expect(labels.of('host-1234')).toBe('other');
    expect(labels.of('vector')).toBe('vector');
  });

  it('shows control characters as U+FFFD', () => {
    expect(new SourceLabels().of('pipe\u0000line\n')).toBe('pipe\uFFFDline\uFFFD');
    expect(new SourceLabels().of('flux de données')).toBe('flux de données');
  });
});
