import { rangeInOrder } from '@holdfast/service-kit';
import { z } from 'zod';
import { ListWindowsQuerySchema, OccurrencesQuerySchema } from '../windows/window-request.schema';

const { from, to, status, limit, cursor } = OccurrencesQuerySchema.shape;
const { region, team } = ListWindowsQuerySchema.shape;

/**
 * GET /v1/occurrences: a window's runs list's range, status and paging (one run a row, so its page
 * sizes), with the windows list's team and region; strict, as every list's query.
 */
export const WindowOccurrencesQuerySchema = z.strictObject({ from, to, region, team, status, limit, cursor }).superRefine(rangeInOrder);
export type WindowOccurrencesQuery = z.output<typeof WindowOccurrencesQuerySchema>;
