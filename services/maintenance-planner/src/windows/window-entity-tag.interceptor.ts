import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { windowEntityTag } from './window-version';

/**
 * Sends a window's version as the ETag of every answer that is the window (read, planned, changed,
 * cancelled), so what a client sends back in If-Match is what it was given; Express's default was
 * a hash of the body, which no If-Match could name.
 */
@Injectable()
export class WindowEntityTagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    // Express answers 304 to an If-None-Match naming the ETag. A hold changes a window's status, and a
    // run going by its next occurrence, without a new version: a 304 on the version would tell a
    // client its copy, scheduled, is current while the window is held. So a read is always answered in full.
    delete http.getRequest<Request>().headers['if-none-match'];
    const response = http.getResponse<Response>();
    return next.handle().pipe(
      map((window: { version: number }) => {
        response.setHeader('ETag', windowEntityTag(window.version));
        return window;
      }),
    );
  }
}
