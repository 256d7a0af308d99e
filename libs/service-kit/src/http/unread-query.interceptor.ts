import { PUBLIC_ROUTE } from '@holdfast/observability';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { invalidRequest } from './request-schema';

/**
 * Query parameters sent to a route that reads none. A route that reads a query reads it whole
 * against a strict schema, which names an unknown parameter; one that reads none ignored them, so
 * `POST /v1/windows?dryRun=true` planned the window. Refused the same way, naming each. A handler
 * given the raw request (a calendar feed, whose clients may add their own) and an open route (the
 * week page reads its own parameters in the browser; probes and scrapes) are left as they were.
 */
@Injectable()
export class UnreadQueryInterceptor implements NestInterceptor {
  private readonly readsQuery = new WeakMap<object, boolean>();

  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const names = Object.keys(context.switchToHttp().getRequest<Request>().query ?? {});
    if (names.length > 0 && !this.handlerReadsQuery(context)) {
      throw invalidRequest(
        'invalid-query',
        'The query',
        names.map((name) => ({ path: name, message: 'is not a field of this request' })),
      );
    }
    return next.handle();
  }

  private handlerReadsQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let reads = this.readsQuery.get(handler);
    if (reads === undefined) {
      const parameters = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
      reads =
        Boolean(this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [handler, context.getClass()])) ||
        Object.keys(parameters).some((key) => {
          const type = Number(key.split(':')[0]);
          return type === RouteParamtypes.QUERY || type === RouteParamtypes.REQUEST;
        });
      this.readsQuery.set(handler, reads);
    }
    return reads;
  }
}
