import { createEvent, ReasonSchema, type EventPayloads, type SignalLoss, type SurgeEvidence, type SurgeSeverity, type SurgeSource } from '@holdfast/contracts';
import { answeredAtCommit, prepared } from '@holdfast/database';
import { MessagingRuntime } from '@holdfast/messaging';
import { Clock, decodeCursor, DomainError, pageOf } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { endFiringByHand } from '../alerts/firing-ended-by-hand';
import { SERVICE_NAME } from '../service-name';
import { SurgeEntity, type SurgeStatus } from './surge.entity';

/** Where a surge's events sit in a correlation chain: a sample, an alert notification, a declaration. */
export interface SurgeTrace {
  correlationId: string;
  causationId?: string;
  /** The event's time, when it must come after an event the caller wrote before it; the injected clock's now otherwise. */
  time?: Date;
}

export interface SurgeOpening {
  region: string;
  metric: string | null;
  source: SurgeSource;
  origin: string;
  severity: SurgeSeverity;
  startedAt: Date;
  expectedEndAt?: Date | null;
  evidence?: SurgeEvidence | null;
  signalLoss?: SignalLoss | null;
  reason: string;
  peakValue?: number | null;
  causeEventId?: string | null;
}

export type SurgeChange = Partial<Pick<SurgeEntity, 'severity' | 'expectedEndAt' | 'evidence' | 'reason' | 'peakValue'>>;

export interface SurgeFilter {
  status?: SurgeStatus;
  region?: string;
  source?: SurgeSource;
  limit: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

/**
 * Every surge's life, whatever raised it: opened, updated, cleared, each change written with its
 * event to the outbox in the caller's transaction, so a surge is on Kafka if and only if it is here.
 */
@Injectable()
export class SurgesService {
  private readonly logger = new Logger(SurgesService.name);

  constructor(
    private readonly messaging: MessagingRuntime,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * The active surges of a source in these regions, locked for the rest of the transaction: a
   * batch of samples asks once, in the round trip that locks its series, instead of once for each
   * sample that needs one. Keep the result current with what the transaction changes (ActiveSurges).
   */
  async activeIn(transaction: EntityManager, regions: readonly string[], source: SurgeSource): Promise<ActiveSurges> {
    return new ActiveSurges((await transaction.query(ACTIVE_IN_REGIONS, [regions, source])) as SurgeEntity[]);
  }

  /**
   * The active surge of an origin, locked for the rest of the transaction. Plain SQL: asked for every
   * sample, TypeORM's query builder cost more CPU than the statement took in PostgreSQL.
   */
  async findActive(transaction: EntityManager, region: string, source: SurgeSource, origin: string): Promise<SurgeEntity | null> {
    const [row] = (await transaction.query(FIND_ACTIVE, [region, source, origin])) as SurgeEntity[];
    return row ?? null;
  }

  /**
   * Starts a surge, never later than now, when it is detected: a sample stamped ahead of the clock
   * (within SAMPLE_MAX_AHEAD_SECONDS) would otherwise start it at a time still to come, and the
   * planner's hold with it, the gate answering allowed meanwhile. Its evidence keeps the sample's time.
   */
  async open(transaction: EntityManager, opening: SurgeOpening, trace?: SurgeTrace): Promise<SurgeEntity> {
    const now = this.clock.now();
    const startedAt = opening.startedAt.getTime() > now.getTime() ? now : opening.startedAt;
    const surge: SurgeEntity = {
      id: uuidv7(),
      region: opening.region,
      metric: opening.metric,
      source: opening.source,
      origin: opening.origin,
      status: 'active',
      severity: opening.severity,
      reason: opening.reason,
      startedAt,
      detectedAt: now,
      updatedAt: now,
      expectedEndAt: validEnd(opening.expectedEndAt, startedAt),
      clearedAt: null,
      clearedReason: null,
      peakValue: opening.peakValue ?? null,
      evidence: opening.evidence ?? null,
      signalLoss: opening.signalLoss ?? null,
      calmSamples: 0,
      causeEventId: opening.causeEventId ?? null,
      correlationId: null,
    };
    const started = createEvent('surge.started', stateOf(surge), { source: SERVICE_NAME, subject: surge.region, ...traceOptions(trace, now) });
    // The trace's chain, or the one the event starts: kept, so a clear by hand continues it.
    surge.correlationId = started.correlationid;
    // The row and its event travel with the COMMIT (nothing reads their answers): should the insert
    // fail, PostgreSQL refuses what follows in the transaction and the COMMIT fails with its error.
    await Promise.all([
      transaction.query(
        answeredAtCommit(`INSERT INTO surge (id, region, metric, source, origin, status, severity, reason, started_at, detected_at, updated_at, expected_end_at, cleared_at, peak_value, evidence, signal_loss, calm_samples, cause_event_id, correlation_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`),
        [
          surge.id,
          surge.region,
          surge.metric,
          surge.source,
          surge.origin,
          surge.status,
          surge.severity,
          surge.reason,
          surge.startedAt,
          surge.detectedAt,
          surge.updatedAt,
          surge.expectedEndAt,
          surge.clearedAt,
          surge.peakValue,
          jsonOrNull(surge.evidence),
          jsonOrNull(surge.signalLoss),
          surge.calmSamples,
          surge.causeEventId,
          surge.correlationId,
        ],
      ),
      this.messaging.outbox.add(transaction, started),
    ]);
    return surge;
  }

  async update(transaction: EntityManager, surge: SurgeEntity, change: SurgeChange, trace?: SurgeTrace): Promise<SurgeEntity> {
    const updated: SurgeEntity = { ...surge, ...change, updatedAt: this.clock.now() };
    updated.expectedEndAt = validEnd(updated.expectedEndAt, updated.startedAt);
    await transaction.getRepository(SurgeEntity).update(
      { id: surge.id },
      { severity: updated.severity, expectedEndAt: updated.expectedEndAt, evidence: updated.evidence, reason: updated.reason, peakValue: updated.peakValue, updatedAt: updated.updatedAt, calmSamples: 0 },
    );
    await this.messaging.outbox.add(transaction, createEvent('surge.updated', stateOf(updated), { source: SERVICE_NAME, subject: surge.region, ...traceOptions(trace, updated.updatedAt) }));
    return updated;
  }

  /** Keeps a sample of the surge's series as its peak when it is higher than the peak so far (the surge as it was otherwise); no event carries the peak. */
  async keepPeak(transaction: EntityManager, surge: SurgeEntity, value: number): Promise<SurgeEntity> {
    if (value <= (surge.peakValue ?? 0)) return surge;
    await transaction.query(RECORD_PEAK, [surge.id, value]);
    return { ...surge, peakValue: value };
  }

  /** Records a calm sample against a surge that clears on its own count (the warm-up ceiling). */
  async recordCalm(transaction: EntityManager, surge: SurgeEntity, calmSamples: number): Promise<void> {
    await transaction.getRepository(SurgeEntity).update({ id: surge.id }, { calmSamples });
  }

  /** Ends a surge; `reason` says why it ended, kept apart from its own reason (why it surged). Answers the surge cleared. */
  async clear(transaction: EntityManager, surge: SurgeEntity, at: Date, reason: string, trace?: SurgeTrace): Promise<SurgeEntity> {
    const now = this.clock.now();
    // Never later than now, as a start is not (a sample stamped ahead would put off the hold's cool-down), and
    // never before the surge began (a late sample may predate it).
    const clearedAt = new Date(Math.max(Math.min(at.getTime(), now.getTime()), surge.startedAt.getTime()));
    await transaction.getRepository(SurgeEntity).update({ id: surge.id }, { status: 'cleared', clearedAt, updatedAt: now, clearedReason: reason });
    const payload: EventPayloads['surge.cleared'] = {
      surgeId: surge.id,
      region: surge.region,
      ...(surge.metric === null ? {} : { metric: surge.metric }),
      startedAt: surge.startedAt.toISOString(),
      clearedAt: clearedAt.toISOString(),
      reason: eventReason(reason),
    };
    await this.messaging.outbox.add(transaction, createEvent('surge.cleared', payload, { source: SERVICE_NAME, subject: surge.region, ...traceOptions(trace, now) }));
    return { ...surge, status: 'cleared', clearedAt, updatedAt: now, clearedReason: reason };
  }

  /**
   * Ends by hand a surge nothing would clear (an alert whose resolved never came, or whose rule was
   * deleted while it fired), as the analyzer's own clears end one: its row and surge.cleared in one
   * transaction. An alert's firing ends with it, so only the alert firing again starts a new surge.
   * A declaration's surges and a lost signal's hold are refused, naming what ends them: cleared here,
   * the declaration would stay in force, and the signal watch would hold the region again at its next run.
   */
  async clearByHand(id: string, reason: string, actor: string): Promise<SurgeEntity> {
    const cleared = await this.dataSource.transaction(async (transaction) => {
      // Under the row's lock, which the alert intake and the detector take to change it: a change of theirs in flight is waited for, then seen.
      const [surge] = (await transaction.query(LOCK_ONE, [id])) as SurgeEntity[];
      if (!surge) throw new DomainError('surge-not-found', 404, `No surge ${id}: GET /v1/surges lists them.`);
      if (surge.status === 'cleared') {
        throw new DomainError('surge-cleared', 409, `Surge ${id} was already cleared at ${surge.clearedAt!.toISOString()} (${surge.clearedReason ?? 'no reason recorded'}): there is nothing to clear.`, {
          clearedAt: surge.clearedAt!.toISOString(),
        });
      }
      if (surge.source === 'declaration') {
        throw new DomainError(
          'surge-of-declaration',
          409,
          `Surge ${id} is declaration ${surge.origin}'s: cancel the declaration (DELETE /v1/declarations/${surge.origin}), which clears its surge in every region it names; cleared here, the declaration would stay active with its period.`,
          { declarationId: surge.origin },
        );
      }
      if (surge.signalLoss !== null) {
        throw new DomainError(
          'surge-of-lost-signal',
          409,
          `Surge ${id} holds ${surge.region} while its ${surge.metric} signal is lost (onSignalLoss: hold), and the signal watch would hold it again at its next run: it clears when samples of ${surge.metric} arrive again; retire the series if it will not come back (DELETE /v1/regions/${surge.region}/series/${surge.metric}?reason=).`,
          { region: surge.region, metric: surge.metric },
        );
      }
      const now = this.clock.now();
      if (surge.source === 'alert') await endFiringByHand(transaction, surge, now);
      // In the surge's own chain, as its other clears are: the planner's audit and explain follow it from the hold to this clear.
      return this.clear(transaction, surge, now, `Cleared by hand by ${actor}: ${reason}`, surge.correlationId === null ? undefined : { correlationId: surge.correlationId });
    });
    this.logger.log({ surgeId: id, region: cleared.region, source: cleared.source, actor, clearedReason: reason }, `surge ${id} of ${cleared.region} cleared by hand by ${actor}: ${reason}`);
    return cleared;
  }

  /** Newest first, a page at a time; the id orders surges that started at the same instant. */
  async list(filter: SurgeFilter): Promise<{ items: SurgeEntity[]; nextCursor: string | null }> {
    const after = filter.cursor ? decodeCursor(filter.cursor, 'uuid') : null;
    const rows = (await this.dataSource.query(
      `SELECT ${SURGE_COLUMNS} FROM surge
        WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR region = $2) AND ($3::text IS NULL OR source = $3)
          AND ($4::timestamptz IS NULL OR (started_at, id) < ($4, $5::uuid))
        ORDER BY started_at DESC, id DESC LIMIT $6`,
      [filter.status ?? null, filter.region ?? null, filter.source ?? null, after?.at ?? null, after?.id ?? null, filter.limit + 1],
    )) as SurgeEntity[];
    return pageOf(rows, filter.limit, (surge) => ({ at: surge.startedAt, id: surge.id }), (surge) => surge);
  }

  get(id: string): Promise<SurgeEntity | null> {
    return this.dataSource.getRepository(SurgeEntity).findOneBy({ id });
  }

  /** Active surges per region and source, for the gauge. */
  async activeCounts(): Promise<{ region: string; source: string; count: number }[]> {
    const rows: { region: string; source: string; count: string }[] = await this.dataSource.query(
      `SELECT region, source, count(*) AS count FROM surge WHERE status = 'active' GROUP BY region, source`,
    );
    return rows.map((row) => ({ region: row.region, source: row.source, count: Number(row.count) }));
  }
}

/** A SurgeEntity's columns under its property names, as TypeORM would read them. */
const SURGE_COLUMNS = `id, region, metric, source, origin, status, severity, reason, started_at AS "startedAt", detected_at AS "detectedAt", updated_at AS "updatedAt",
  expected_end_at AS "expectedEndAt", cleared_at AS "clearedAt", cleared_reason AS "clearedReason", peak_value AS "peakValue", evidence, signal_loss AS "signalLoss", calm_samples AS "calmSamples",
  cause_event_id AS "causeEventId", correlation_id AS "correlationId"`;

// In id order, as every transaction that locks several surges takes them.
const ACTIVE_IN_REGIONS = prepared(`SELECT ${SURGE_COLUMNS} FROM surge WHERE region = ANY($1::text[]) AND source = $2 AND status = 'active' ORDER BY id FOR UPDATE`);
const LOCK_ONE = `SELECT ${SURGE_COLUMNS} FROM surge WHERE id = $1 FOR UPDATE`;
const FIND_ACTIVE = prepared(`SELECT ${SURGE_COLUMNS} FROM surge WHERE region = $1 AND source = $2 AND origin = $3 AND status = 'active' LIMIT 1 FOR UPDATE`);

// Nothing reads its answer: it travels with the COMMIT.
const RECORD_PEAK = answeredAtCommit('UPDATE surge SET peak_value = $2 WHERE id = $1');

/** A jsonb parameter: node-postgres would send a JavaScript array as a PostgreSQL array, not as JSON. */
const jsonOrNull = (value: object | null): string | null => (value === null ? null : JSON.stringify(value));

/** The contract refuses an expected end not after the start; such an estimate is dropped, not sent. */
function validEnd(end: Date | null | undefined, startedAt: Date): Date | null {
  return end && end.getTime() > startedAt.getTime() ? end : null;
}

function stateOf(surge: SurgeEntity): EventPayloads['surge.started'] {
  return {
    surgeId: surge.id,
    region: surge.region,
    ...(surge.metric === null ? {} : { metric: surge.metric }),
    source: surge.source,
    severity: surge.severity,
    startedAt: surge.startedAt.toISOString(),
    detectedAt: surge.detectedAt.toISOString(),
    ...(surge.expectedEndAt ? { expectedEndAt: surge.expectedEndAt.toISOString() } : {}),
    ...(surge.evidence ? { evidence: surge.evidence } : {}),
    ...(surge.signalLoss ? { signalLoss: surge.signalLoss } : {}),
    reason: eventReason(surge.reason),
  };
}

/** An event's chain and time: the trace's, or `now` as the service's clock read it for the change (createEvent's own would be the system's). */
function traceOptions(trace: SurgeTrace | undefined, now: Date): { correlationId?: string; causationId?: string; time: Date } {
  if (!trace) return { time: now };
  return {
    correlationId: truncate(trace.correlationId, 200),
    ...(trace.causationId ? { causationId: truncate(trace.causationId, 200) } : {}),
    time: trace.time ?? now,
  };
}

const truncate = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A reason as every surge event carries it: cut to the contract's longest. Reasons are built on
 * text people give (a declaration's own reason may already be the longest), and an event the
 * contract refuses would roll back the change it reports. The surge row keeps the reason whole.
 */
const eventReason = (reason: string): string => truncate(reason, ReasonSchema.maxLength!);

/** The active surges a transaction locked, by region and origin, as the transaction changes them. */
export class ActiveSurges {
  private readonly byOrigin = new Map<string, SurgeEntity>();

  constructor(rows: readonly SurgeEntity[]) {
    for (const row of rows) this.byOrigin.set(originKey(row.region, row.origin), row);
  }

  get(region: string, origin: string): SurgeEntity | null {
    return this.byOrigin.get(originKey(region, origin)) ?? null;
  }

  /** The active surges of one series. */
  ofSeries(region: string, metric: string): SurgeEntity[] {
    return [...this.byOrigin.values()].filter((surge) => surge.region === region && surge.metric === metric);
  }

  /** Opened, updated or with a new calm count in this transaction. */
  set(surge: SurgeEntity): void {
    this.byOrigin.set(originKey(surge.region, surge.origin), surge);
  }

  cleared(surge: SurgeEntity): void {
    this.byOrigin.delete(originKey(surge.region, surge.origin));
  }
}

const originKey = (region: string, origin: string): string => `${region}\u0000${origin}`;
