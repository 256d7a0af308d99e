import { rangeInOrder } from '@holdfast/service-kit';
import { z } from 'zod';
import { ListWindowsQuerySchema, OccurrencesQuerySchema } from '../windows/window-request.schema';

const { from, to, status, limit, cursor } = OccurrencesQuerySchema.shape;
const { region, team } = ListWindowsQuerySchema.shape;

/**
 * GET /v1/occurrences: a window's runs list's range, status and paging (one run a row, so its page
 * sizes), with the windows list's team and region, and a hold's runs; strict, as every list's query.
 */
export const WindowOccurrencesQuerySchema = z
  .strictObject({
    from,
    to,
    region,
    team,
    // Named as the gate's windowId and the audit's subject: a query id, refused naming it when it is none.
    hold: z.uuid({ error: 'must be a hold id (UUID)' }).optional().meta({
      description:
        'only the runs this hold holds, flags (a notify-only window\'s) or lets through by an override, or for a released hold those it held when released: as many as GET /v1/holds/{id} counts (heldOccurrences and notifyOnlyOccurrences), each with byHold; 404 hold-not-found for no hold of that id',
    }),
    status,
    limit,
    cursor,
  })
  .superRefine(rangeInOrder);
export type WindowOccurrencesQuery = z.output<typeof WindowOccurrencesQuerySchema>;
