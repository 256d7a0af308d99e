import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { entityTagOf } from './entity-version';

/**
 * Sends a resource's version as the ETag of every answer that is the resource (read, created,
 * changed), so what a client sends back in If-Match is what it was given; Express's default was
 * a hash of the body, which no If-Match could name, and a create's hash was not its read's.
 */
@Injectable()
export class EntityTagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    // Express answers 304 to an If-None-Match naming the ETag. What a resource shows also moves without a new version (a
    // hold changes a window's status, a run going by its next occurrence, a rotation's overlap ending a subscription's
    // previousSecrets): a 304 on the version would tell a client its copy is current when it is not. So a read is always answered in full.
    delete http.getRequest<Request>().headers['if-none-match'];
    const response = http.getResponse<Response>();
    return next.handle().pipe(
      map((resource: { version: number }) => {
        response.setHeader('ETag', entityTagOf(resource.version));
        return resource;
      }),
    );
  }
}
