import type { Flexibility } from '@holdfast/contracts';
import type { AllowedLocalHours } from '../local-hours/allowed-local-hours';
import type { SlotSearchRange } from './slot-search.types';

/** A window's flexibility (the contract's one definition) as the range and allowed hours `findSlots` searches. */
export function slotSearchWithin(flexibility: Pick<Flexibility, 'earliestStartAt' | 'deadlineAt' | 'allowedLocalHours'>): {
  flexibility: SlotSearchRange;
  allowedLocalHours?: AllowedLocalHours;
} {
  return {
    flexibility: { earliestStart: new Date(flexibility.earliestStartAt), deadline: new Date(flexibility.deadlineAt) },
    ...(flexibility.allowedLocalHours ? { allowedLocalHours: flexibility.allowedLocalHours } : {}),
  };
}
