import { InstantSchema, OutsideRegionCodeSchema, StatedReasonSchema, SurgeSeveritySchema } from '@holdfast/contracts';
import { RegionCatalog, RegionError } from '@holdfast/regions';
import { Clock, daysInWords, decodeCursor, DomainError, InjectServiceConfig, pageOf, type ServiceConfig, VersionedResource } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { v7 as uuidv7 } from 'uuid';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { SurgesService } from '../surges/surges.service';
import { DeclarationEntity, type DeclarationStatus } from './declaration.entity';

export const DeclareSchema = z
  .strictObject({
    // A country's code in any case, as samples, alert labels and the gate take it; the catalog gives its code.
    regions: z
      .array(OutsideRegionCodeSchema)
      .min(1, { error: 'must name at least one region' })
      .refine((codes) => new Set(codes.map((code) => (code.length === 2 ? code.toUpperCase() : code))).size === codes.length, { error: 'must not repeat a region' }),
    from: InstantSchema,
    until: InstantSchema,
    reason: StatedReasonSchema,
    severity: SurgeSeveritySchema.default('major'),
  })
  .refine((body) => Date.parse(body.until) > Date.parse(body.from), { error: 'must be after from', path: ['until'] });
export type Declare = z.infer<typeof DeclareSchema>;

/** A DeclarationEntity's columns under its property names, as TypeORM would read them. */
const DECLARATION_COLUMNS = `id, regions, starts_at AS "startsAt", ends_at AS "endsAt", reason, severity, status, declared_by AS "declaredBy", declared_at AS "declaredAt",
  cancelled_by AS "cancelledBy", cancelled_at AS "cancelledAt", version`;

// A cancellation names the version it was made against in If-Match only; without it, it cancels whatever the version.
const DECLARATIONS = new VersionedResource('Declaration', '/v1/declarations', false);

/** A declaration whose period began or ended at $1 and that has not moved yet. */
const DUE = `(status = 'scheduled' AND starts_at <= $1) OR (status = 'active' AND ends_at <= $1)`;

/**
 * Critical periods people declare ("election in IR"): each becomes a surge per region at its
 * start and clears at its end. The transitions are driven by the clock through `advanceDue()`,
 * run periodically, so a declaration made before a restart still starts and ends on time.
 */
@Injectable()
export class DeclarationsService {
  private readonly logger = new Logger(DeclarationsService.name);

  constructor(
    private readonly catalog: RegionCatalog,
    private readonly surges: SurgesService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
  ) {}

  async declare(input: Declare, actor: string): Promise<DeclarationEntity> {
    const now = this.clock.now();
    let regions: string[];
    try {
      regions = this.catalog.getAll(input.regions).map((region) => region.code);
    } catch (error) {
      if (error instanceof RegionError) throw new DomainError(error.code, 422, error.message, { errors: error.codes.map((code) => ({ path: `regions.${input.regions.indexOf(code)}`, message: `unknown region ${code}` })) });
      throw error;
    }
    if (Date.parse(input.until) <= now.getTime()) {
      throw new DomainError('declaration-in-the-past', 422, `A declaration must end after now (${now.toISOString()}); this one ends at ${input.until}.`, { errors: [{ path: 'until', message: 'must be in the future' }] });
    }
    const aheadMs = Date.parse(input.from) - now.getTime();
    const maxAheadMs = this.config.settings.declarationMaxAheadMs;
    if (aheadMs > maxAheadMs) {
      // 2027 typed for 2026: taken, it would stay scheduled unseen and hold nothing in the period meant.
      throw new DomainError(
        'declaration-too-far-ahead',
        422,
        `This declaration starts at ${input.from}, ${daysInWords(aheadMs)} from now (${now.toISOString()}), further ahead than the ${daysInWords(maxAheadMs)} one may be declared (DECLARATION_MAX_AHEAD_DAYS): if its year is wrong, it would hold nothing in the period meant. Check from, or declare the period nearer the time.`,
        { errors: [{ path: 'from', message: `more than ${daysInWords(maxAheadMs)} from now` }] },
      );
    }
    const lastsMs = Date.parse(input.until) - Date.parse(input.from);
    const maxMs = this.config.settings.declarationMaxMs;
    if (lastsMs > maxMs) {
      throw new DomainError(
        'declaration-too-long',
        422,
        `This declaration lasts ${daysInWords(lastsMs)} (${input.from} to ${input.until}), longer than the ${daysInWords(maxMs)} one may last (DECLARATION_MAX_DAYS): it would hold every window of its regions for as long. Check until, or declare the period in parts.`,
        { errors: [{ path: 'until', message: `more than ${daysInWords(maxMs)} after from` }] },
      );
    }
    return this.dataSource.transaction(async (transaction) => {
      const declaration: DeclarationEntity = {
        id: uuidv7(),
        regions,
        startsAt: new Date(input.from),
        endsAt: new Date(input.until),
        reason: input.reason,
        severity: input.severity,
        status: 'scheduled',
        declaredBy: actor,
        declaredAt: now,
        cancelledBy: null,
        cancelledAt: null,
        version: 1,
      };
      await transaction.getRepository(DeclarationEntity).insert(declaration);
      return this.advance(transaction, declaration, now);
    });
  }

  /** Latest period first, a page at a time; the id orders declarations that start at the same instant. */
  async list(query: { status?: DeclarationStatus; limit: number; cursor?: string }): Promise<{ items: DeclarationEntity[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor, 'uuid') : null;
    const rows = (await this.dataSource.query(
      `SELECT ${DECLARATION_COLUMNS} FROM declaration
        WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR (starts_at, id) < ($2, $3::uuid))
        ORDER BY starts_at DESC, id DESC LIMIT $4`,
      [query.status ?? null, after?.at ?? null, after?.id ?? null, query.limit + 1],
    )) as DeclarationEntity[];
    return pageOf(rows, query.limit, (declaration) => ({ at: declaration.startsAt, id: declaration.id }), (declaration) => declaration);
  }

  async get(id: string): Promise<DeclarationEntity> {
    const declaration = await this.dataSource.getRepository(DeclarationEntity).findOneBy({ id });
    if (!declaration) throw new DomainError('declaration-not-found', 404, `No declaration ${id}: GET /v1/declarations lists them.`);
    return declaration;
  }

  /**
   * Cancels a declaration; one already in force clears its surges now. One whose period is over,
   * though the job has not ended it yet, is ended as the job would have (its surges cleared at its
   * until) and refused: cancelled now, its surges would read as lasting past the period declared.
   * `ifMatch`: the versions it may be cancelled at (any, without it); 412 precondition-failed at another, whatever its status.
   */
  async cancel(id: string, actor: string, ifMatch?: string): Promise<DeclarationEntity> {
    const precondition = DECLARATIONS.precondition(ifMatch, { id });
    const outcome = await this.dataSource.transaction(async (transaction) => {
      const declaration = await transaction.getRepository(DeclarationEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!declaration) throw new DomainError('declaration-not-found', 404, `No declaration ${id}: GET /v1/declarations lists them.`);
      // Held to the version as stored, which the client could have read: one the job has not ended yet is still that version.
      DECLARATIONS.assertMatches(precondition, id, declaration.version, 'cancel it if it should still be');
      const now = this.clock.now();
      const current = declaration.endsAt <= now ? await this.advance(transaction, declaration, now) : declaration;
      if (current.status === 'ended' || current.status === 'cancelled') return { closed: true, declaration: current };
      if (current.status === 'active') await this.clearSurges(transaction, current, now, `Declaration cancelled by ${actor}: ${current.reason}`);
      await transaction.getRepository(DeclarationEntity).update({ id }, { status: 'cancelled', cancelledBy: actor, cancelledAt: now, version: () => 'version + 1' });
      return { closed: false, declaration: { ...current, status: 'cancelled' as const, cancelledBy: actor, cancelledAt: now, version: current.version + 1 } };
    });
    if (!outcome.closed) return outcome.declaration;
    const { status, endsAt } = outcome.declaration;
    const when = status === 'ended' ? ` (its period ended at ${endsAt.toISOString()})` : '';
    throw new DomainError('declaration-closed', 409, `Declaration ${id} is already ${status}${when}; there is nothing to cancel.`);
  }

  /**
   * Starts the declarations whose period began and ends those whose period is over; returns how
   * many moved. Each moves in its own transaction, so one that cannot (its surge event refused by
   * the contract, say) holds up none of the others; it stays due, and the error names it.
   */
  async advanceDue(): Promise<number> {
    const now = this.clock.now();
    const due: { id: string }[] = await this.dataSource.query(`SELECT id FROM declaration WHERE ${DUE} ORDER BY starts_at, id`, [now]);
    let moved = 0;
    const failed: { id: string; error: unknown }[] = [];
    for (const { id } of due) {
      try {
        if (await this.advanceOne(id, now)) moved += 1;
      } catch (error) {
        failed.push({ id, error });
      }
    }
    if (failed.length > 0) {
      const ids = failed.map((failure) => failure.id).join(', ');
      throw new AggregateError(
        failed.map((failure) => failure.error),
        `declaration(s) ${ids} could not start or end (${moved} other(s) did); each is tried again at every run`,
      );
    }
    return moved;
  }

  /** Moves one due declaration, unless another replica moved it meanwhile or holds it now. */
  private advanceOne(id: string, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (transaction) => {
      const [declaration] = (await transaction.query(`SELECT ${DECLARATION_COLUMNS} FROM declaration WHERE id = $2 AND (${DUE}) FOR UPDATE SKIP LOCKED`, [now, id])) as DeclarationEntity[];
      if (!declaration) return false;
      await this.advance(transaction, declaration, now);
      return true;
    });
  }

  private async advance(transaction: EntityManager, declaration: DeclarationEntity, now: Date): Promise<DeclarationEntity> {
    let current = declaration;
    if (current.status === 'scheduled' && current.startsAt <= now) {
      for (const region of current.regions) {
        await this.surges.open(
          transaction,
          { region, metric: null, source: 'declaration', origin: current.id, severity: current.severity, startedAt: current.startsAt, expectedEndAt: current.endsAt, reason: current.reason },
          { correlationId: current.id },
        );
      }
      current = { ...current, status: 'active' };
      this.logger.log({ declarationId: current.id, regions: current.regions }, 'declaration in force');
    }
    if (current.status === 'active' && current.endsAt <= now) {
      await this.clearSurges(transaction, current, current.endsAt, `Declared period ended: ${current.reason}`);
      current = { ...current, status: 'ended' };
    }
    if (current.status === declaration.status) return current;
    await transaction.getRepository(DeclarationEntity).update({ id: current.id }, { status: current.status, version: () => 'version + 1' });
    return { ...current, version: current.version + 1 };
  }

  private async clearSurges(transaction: EntityManager, declaration: DeclarationEntity, at: Date, reason: string): Promise<void> {
    for (const region of declaration.regions) {
      const surge = await this.surges.findActive(transaction, region, 'declaration', declaration.id);
      if (surge) await this.surges.clear(transaction, surge, at, reason, { correlationId: declaration.id });
    }
  }
}
