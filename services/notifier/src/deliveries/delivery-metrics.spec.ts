import { MetricsRegistry } from '@holdfast/observability';
import { describe, expect, it } from 'vitest';
import { DeliveryMetrics } from './delivery-metrics';

describe('holdfast_notifier_circuit_state', () => {
  it('names each subscription of a target while its circuit is not closed, and drops them when it closes', async () => {
    const registry = new MetricsRegistry('notifier', false);
    const metrics = new DeliveryMetrics(registry);
    const circuitLines = async () => (await registry.registry.metrics()).split('\n').filter((line) => line.startsWith('holdfast_notifier_circuit_state{'));
    const sending = new Map([
      ['0196f0c8-0000-7000-8000-000000000001', 'webhook'],
      ['0196f0c8-0000-7000-8000-000000000002', 'grafana'],
    ]);

    metrics.circuitChanged(sending, 'open');
    expect(await circuitLines()).toEqual([
      'holdfast_notifier_circuit_state{subscription="0196f0c8-0000-7000-8000-000000000001",channel="webhook",service="notifier"} 2',
      'holdfast_notifier_circuit_state{subscription="0196f0c8-0000-7000-8000-000000000002",channel="grafana",service="notifier"} 2',
    ]);
    metrics.circuitChanged(sending, 'half-open');
    expect(await circuitLines()).toHaveLength(2);
    expect((await circuitLines()).every((line) => line.endsWith(' 1'))).toBe(true);
    metrics.circuitChanged(sending, 'closed');
    expect(await circuitLines()).toEqual([]);
  });
});
