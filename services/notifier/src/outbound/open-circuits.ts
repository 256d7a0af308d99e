import { prepared } from '@holdfast/database';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A target's circuit as a reader of its deliveries sees it: open since, and until the probe, or probing until its answer is due. */
export interface OpenCircuit {
  openedAt: Date;
  nextTryAt: Date;
  probing: boolean;
}

// An opening also clears the rows past their next try, which only a replica that died leaves behind. Opened again by a
// probe that failed, a circuit is still open since its first opening.
const OPENED = prepared(`WITH expired AS (DELETE FROM open_circuit WHERE next_try_at <= $2 AND target_key <> $1)
  INSERT INTO open_circuit (target_key, opened_at, next_try_at, probing) VALUES ($1, $2, $3, false)
  ON CONFLICT (target_key) DO UPDATE SET next_try_at = EXCLUDED.next_try_at, probing = false,
    opened_at = CASE WHEN open_circuit.probing AND open_circuit.next_try_at >= EXCLUDED.opened_at THEN open_circuit.opened_at ELSE EXCLUDED.opened_at END`);
const PROBING = prepared('UPDATE open_circuit SET probing = true, next_try_at = $2 WHERE target_key = $1');
const NOT_OPEN = prepared('DELETE FROM open_circuit WHERE target_key = ANY($1::text[])');
const OPEN_NOW = prepared('SELECT target_key, opened_at, next_try_at, probing FROM open_circuit WHERE target_key = ANY($1::text[]) AND next_try_at > $2');

/**
 * The open circuits of the workers' breakers (OpenCircuitEntity), for GET /v1/deliveries: a
 * breaker lives in its replica's memory, and a delivery waiting on it showed no reason. The
 * last replica whose breaker changed says what the target's circuit is.
 */
@Injectable()
export class OpenCircuits {
  private readonly logger = new Logger(OpenCircuits.name);
  // One after another: an opening written after the half-opening that followed it would show the circuit open until its next try.
  private writes: Promise<void> = Promise.resolve();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  opened(target: string, openedAt: Date, nextTryAt: Date): Promise<void> {
    return this.write(OPENED, [target, openedAt, nextTryAt]);
  }

  /** Half-open: its probe goes now, and is answered by `answerDueAt` at the latest (the delivery timeout). */
  probing(target: string, answerDueAt: Date): Promise<void> {
    return this.write(PROBING, [target, answerDueAt]);
  }

  /** Closed, or let go. */
  notOpen(targets: string[]): Promise<void> {
    return targets.length === 0 ? this.writes : this.write(NOT_OPEN, [targets]);
  }

  /** Of the given targets, those whose circuit is open at `now`. */
  async of(targets: string[], now: Date): Promise<Map<string, OpenCircuit>> {
    if (targets.length === 0) return new Map();
    const rows = (await this.dataSource.query(OPEN_NOW, [targets, now])) as { target_key: string; opened_at: Date; next_try_at: Date; probing: boolean }[];
    return new Map(rows.map((row) => [row.target_key, { openedAt: row.opened_at, nextTryAt: row.next_try_at, probing: row.probing }]));
  }

  // A write that fails (PostgreSQL away) loses only what the view says; the breaker still decides what is sent.
  private write(statement: string, parameters: unknown[]): Promise<void> {
    this.writes = this.writes
      .then(async () => void (await this.dataSource.query(statement, parameters)))
      .catch((error: unknown) => this.logger.warn({ err: (error as Error).message }, 'could not record a circuit change for GET /v1/deliveries'));
    return this.writes;
  }
}
