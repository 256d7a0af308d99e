import { CodedError } from '@holdfast/contracts';

export const RegionErrorCode = {
  UnknownRegion: 'unknown-region',
  InvalidCustomRegion: 'invalid-custom-region',
} as const;
export type RegionErrorCode = (typeof RegionErrorCode)[keyof typeof RegionErrorCode];

export class RegionError extends CodedError<RegionErrorCode> {
  override readonly name = 'RegionError';

  constructor(
    code: RegionErrorCode,
    message: string,
    /** The codes the catalog did not know, for an unknown-region error. */
    readonly codes: readonly string[] = [],
  ) {
    super(code, message);
  }
}
