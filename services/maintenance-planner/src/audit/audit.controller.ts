import { InstantSchema } from '@holdfast/contracts';
import { ApiZodQuery, CursorSchema, decodeCursor, PageLimitSchema, pageOf, rangeInOrder, ZodQueryPipe } from '@holdfast/service-kit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AUDIT_PAGE_ANSWER, type AuditEntryView } from './audit-entry-view.schema';

export const AuditQuerySchema = z.strictObject({
  subject: z.uuid({ error: 'must be a window or hold id' }).optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  limit: PageLimitSchema(1000, 200),
  cursor: CursorSchema,
}).superRefine(rangeInOrder);

interface AuditRow {
  id: string;
  subjectType: AuditEntryView['subjectType'];
  subjectId: string;
  action: string;
  actor: string;
  at: Date;
  reason: string | null;
  causeEventId: string | null;
  details: Record<string, unknown>;
}

/** A page of the trail ($1 subject, $2 from, $3 to, $4 rows, $5/$6 the cursor), in (at, id) order: a subject's by audit_entry_subject_at. */
export const AUDIT_PAGE = `SELECT id, subject_type AS "subjectType", subject_id AS "subjectId", action, actor, at, details->>'reason' AS reason, cause_event_id AS "causeEventId", details
    FROM audit_entry WHERE ($1::uuid IS NULL OR subject_id = $1) AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)
     AND ($5::timestamptz IS NULL OR (at, id) > ($5, $6::bigint))
   ORDER BY at, id LIMIT $4`;

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Every transition of windows, occurrences and holds, oldest first, with actor, time, reason and causing event id; follow nextCursor for the next page' })
  @ApiZodQuery(AuditQuerySchema)
  @ApiOkResponse({ description: 'A page of the trail; nextCursor is null on the last', schema: AUDIT_PAGE_ANSWER })
  async list(@Query(new ZodQueryPipe(AuditQuerySchema, 'The audit query')) { subject, from, to, limit, cursor }: z.output<typeof AuditQuerySchema>): Promise<{ items: AuditEntryView[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor, 'serial') : null;
    const rows = (await this.dataSource.query(AUDIT_PAGE, [subject ?? null, from ?? null, to ?? null, limit + 1, after?.at ?? null, after?.id ?? null])) as AuditRow[];
    // The row id only places the page; entries are shown as they always were (at keeps its place).
    return pageOf(rows, limit, (row) => ({ at: row.at, id: row.id }), ({ id: _id, ...entry }) => ({ ...entry, at: entry.at.toISOString() }));
  }
}
