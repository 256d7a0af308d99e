import { Controller, Get, Post, UseInterceptors } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { describe, expect, it } from 'vitest';
import { describeEntityTags, EntityTagInterceptor } from './entity-tag.interceptor';

@Controller('v1/things')
class ThingsController {
  @Get()
  list() {
    return { items: [] };
  }

  @Get(':id')
  @UseInterceptors(EntityTagInterceptor)
  get() {
    return { version: 1 };
  }
}

@Controller('v1/gadgets')
@UseInterceptors(EntityTagInterceptor)
class GadgetsController {
  @Post(':id/rotate')
  rotate() {
    return { version: 2 };
  }
}

const operation = (operationId: string, responses: Record<string, ResponseObject>) => ({ operationId, responses });

describe('describeEntityTags', () => {
  it('names the ETag on each success of every route EntityTagInterceptor tags, on its handler or its controller, and on no other', () => {
    const document: OpenAPIObject = {
      openapi: '3.1.0',
      info: { title: 'spec', version: '1' },
      paths: {
        '/v1/things': { get: operation('ThingsController_list', { '200': { description: 'a page' } }) },
        '/v1/things/{id}': { get: operation('ThingsController_get', { '200': { description: 'the thing', headers: { 'Holdfast-Notice': { description: 'own' } } }, '404': { description: 'thing-not-found' } }) },
        '/v1/gadgets/{id}/rotate': { post: operation('GadgetsController_rotate', { '200': { description: 'rotated' } }) },
      },
    };
    describeEntityTags(document, [ThingsController, GadgetsController]);
    const responses = (path: string, method: 'get' | 'post') => document.paths[path][method]!.responses as Record<string, ResponseObject>;
    expect(responses('/v1/things', 'get')['200'].headers).toBeUndefined();
    expect(Object.keys(responses('/v1/things/{id}', 'get')['200'].headers ?? {})).toEqual(['ETag', 'Holdfast-Notice']);
    expect(responses('/v1/things/{id}', 'get')['404'].headers).toBeUndefined();
    expect(responses('/v1/gadgets/{id}/rotate', 'post')['200'].headers).toHaveProperty('ETag');
  });
});
