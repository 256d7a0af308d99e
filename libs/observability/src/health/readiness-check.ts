import type { HealthIndicatorResult } from '@nestjs/terminus';

/** A dependency the service cannot serve without; checked on every readiness probe, so keep it cheap. */
export interface ReadinessCheck {
  check(): Promise<HealthIndicatorResult>;
  /**
   * For liveness: what only a restart of the process mends (a part of it that stopped for good),
   * never a dependency's answer, which a restart does not bring back. Local and cheap.
   */
  alive?(): Promise<HealthIndicatorResult>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** Rejects when the promise has not settled in time, so a hung dependency reads as down. */
export async function withinMs<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
