/**
 * The one error style of Holdfast's libraries: a stable kebab-case code from a const object (so
 * callers branch on it, and HTTP problem documents carry it) and a message a person can act on.
 */
export class CodedError<Code extends string> extends Error {
  // Plain fields, not parameter properties: contracts also load under Node's type stripping.
  readonly code: Code;

  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
  }
}
