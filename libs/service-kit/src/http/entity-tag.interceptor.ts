import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { Request, Response } from 'express';
import { map, type Observable } from 'rxjs';
import { ENTITY_TAG_HEADER, entityTagOf } from './entity-version';

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

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * The ETag in the document, on every success answer of each route of `controllers` that EntityTagInterceptor tags (on its
 * handler or its controller), so no route sending it can leave it out. An operation is its route's by Nest's operationId,
 * `<Controller>_<method>`; a header a route names itself is kept.
 */
export function describeEntityTags(document: OpenAPIObject, controllers: readonly Type[]): void {
  const tagged = new Set<string>();
  for (const controller of controllers) {
    const onController = (Reflect.getMetadata(INTERCEPTORS_METADATA, controller) ?? []) as unknown[];
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as object | undefined;
      if (typeof handler !== 'function') continue;
      const interceptors = [...onController, ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[])];
      if (interceptors.includes(EntityTagInterceptor)) tagged.add(`${controller.name}_${name}`);
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation?.operationId || !tagged.has(operation.operationId)) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        const answer = response as ResponseObject;
        if (status.startsWith('2')) answer.headers = { ...ENTITY_TAG_HEADER, ...answer.headers };
      }
    }
  }
}
