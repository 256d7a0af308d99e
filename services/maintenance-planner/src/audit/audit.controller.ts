import { InstantSchema } from '@holdfast/contracts';
import { ZodQueryPipe } from '@holdfast/service-kit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ApiZodQuery } from '../openapi/zod-openapi';

const AuditQuerySchema = z.strictObject({
  subject: z.uuid({ error: 'must be a window or hold id' }).optional(),
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Every transition of windows, occurrences and holds, with actor, time, reason and causing event id' })
  @ApiZodQuery(AuditQuerySchema)
  async list(@Query(new ZodQueryPipe(AuditQuerySchema, 'The audit query')) { subject, from, to, limit }: z.output<typeof AuditQuerySchema>) {
    const items = await this.dataSource.query(
      `SELECT subject_type AS "subjectType", subject_id AS "subjectId", action, actor, at, details->>'reason' AS reason, cause_event_id AS "causeEventId", details
         FROM audit_entry WHERE ($1::uuid IS NULL OR subject_id = $1) AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3)
        ORDER BY at, id LIMIT $4`,
      [subject ?? null, from ?? null, to ?? null, limit],
    );
    return { items };
  }
}
