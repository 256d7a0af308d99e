// The planner endpoints of DESIGN.md section 6 that the checked-in planner document does not have
// yet (the planner's windows API is being built on its own branch), in the shape openapi-typescript
// generates. `npm run cli:openapi` against a planner that serves them puts them in
// generated/planner.ts; then this file goes and holdfast-api.ts types the planner by that alone.

interface Operation<Query = never, Path = never, Body = never> {
  parameters: { query?: Query; header?: never; path: Path; cookie?: never };
  requestBody: [Body] extends [never] ? never : { content: { 'application/json': Body } };
  responses: Record<number, unknown>;
}

type Id = { id: string };

export interface PendingPlannerPaths {
  '/v1/gate': { get: Operation<{ windowId?: string; regions?: string }> };
  '/v1/windows': { get: Operation<{ from?: string; to?: string; region?: string; team?: string; status?: string }>; post: Operation<never, never, Record<string, unknown>> };
  '/v1/windows/{id}': { get: Operation<never, Id>; patch: Operation<never, Id, Record<string, unknown>> };
  '/v1/windows/{id}/cancel': { post: Operation<never, Id, { reason?: string; version?: number }> };
  '/v1/windows/{id}/occurrences': { get: Operation<{ from?: string; to?: string }, Id> };
  '/v1/windows/{id}/suggestions': { get: Operation<{ count?: number }, Id> };
  '/v1/windows/{id}/override': { post: Operation<never, Id, { reason: string; occurrence?: number }> };
  '/v1/windows/{id}/explanation': { get: Operation<never, Id> };
  '/v1/holds': { post: Operation<never, never, { regions: string[]; from: string; until: string; reason: string }> };
  '/v1/holds/{id}/release': { post: Operation<never, Id, { reason: string }> };
}
