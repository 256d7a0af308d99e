import { MetricsRegistry } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import type { CircuitState } from '../outbound/target-circuits';

const CIRCUIT_VALUE: Record<Exclude<CircuitState, 'closed'>, number> = { 'half-open': 1, open: 2 };

/** The notifier's delivery metrics (README.md lists them with their labels). */
@Injectable()
export class DeliveryMetrics {
  readonly deliveries;
  readonly attempts;
  readonly eventToDelivered;
  readonly dead;
  private readonly circuit;

  constructor(metrics: MetricsRegistry) {
    this.deliveries = metrics.counter('holdfast_notifier_deliveries_total', 'Deliveries finished, by channel and outcome (delivered, dead).', ['channel', 'outcome']);
    this.attempts = metrics.counter('holdfast_notifier_delivery_attempts_total', 'Delivery attempts, by channel and result (delivered, retry, dead, circuit-open, interrupted: claimed again after the notifier sending it stopped).', ['channel', 'result']);
    this.eventToDelivered = metrics.histogram(
      'holdfast_notifier_event_to_delivered_seconds',
      'Time from the event to its delivery being taken by the receiver, by channel.',
      ['channel'],
      [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
    );
    this.dead = metrics.gauge('holdfast_notifier_dead_deliveries', 'Deliveries that are dead now (out of attempts or refused for good), waiting for a replay; not those of a deleted subscription, nor of one turned off by hand, whose events wait for it dead until it is turned on.');
    // By subscription, never by target: /metrics is open to any scraper, and a target names a receiver's host and port
    // (an internal Alertmanager, a customer's endpoint), one series per host any team subscribes.
    this.circuit = metrics.gauge(
      'holdfast_notifier_circuit_state',
      "The circuit of each subscription's target while it is not closed: 1 half-open, 2 open (the series goes when it closes).",
      ['subscription', 'channel'],
    );
  }

  /** A subscription no longer sending to the target its series told of (deleted, turned off, pointed elsewhere). */
  circuitForgotten(subscription: string, channel: string): void {
    this.circuit.remove({ subscription, channel });
  }

  /** The subscriptions sending to a target whose circuit is now `state`, each with its channel. */
  circuitChanged(subscriptions: ReadonlyMap<string, string>, state: CircuitState): void {
    for (const [subscription, channel] of subscriptions) {
      if (state === 'closed') this.circuit.remove({ subscription, channel });
      else this.circuit.set({ subscription, channel }, CIRCUIT_VALUE[state]);
    }
  }
}
