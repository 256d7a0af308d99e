import { applyDecorators, type CallHandler, type ExecutionContext, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import { ApiCreatedResponse } from '@nestjs/swagger';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';
import { ENTITY_TAG_HEADER } from './entity-version';

const FIELD = /\{(\w+)\}/g;

/** The path `template` names, each {field} the answer's own (percent-encoded): `/v1/windows/{windowId}`. */
export function locationOf(template: string, answer: Readonly<Record<string, unknown>>): string {
  return template.replace(FIELD, (_, field: string) => encodeURIComponent(String(answer[field])));
}

class CreatedLocationInterceptor implements NestInterceptor {
  constructor(private readonly template: string) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      map((answer: Record<string, unknown>) => {
        response.setHeader('Location', locationOf(this.template, answer));
        return answer;
      }),
    );
  }
}

/**
 * A POST that creates: its 201 answer carries in Location the GET URL of what it made (RFC 9110
 * 15.3.2), `template` filled from the answer's fields (`/v1/windows/{windowId}`), and the OpenAPI
 * document says so. `entityTag`: the answer carries the resource's ETag too (EntityTagInterceptor).
 */
export function Created(template: string, response: { description: string; schema?: object; entityTag?: boolean }): MethodDecorator {
  return applyDecorators(
    UseInterceptors(new CreatedLocationInterceptor(template)),
    ApiCreatedResponse({
      description: response.description,
      ...(response.schema ? { schema: response.schema } : {}),
      headers: {
        Location: { description: `the URL of what was made (${template}), to GET it`, schema: { type: 'string' } },
        ...(response.entityTag ? ENTITY_TAG_HEADER : {}),
      },
    }),
  );
}
