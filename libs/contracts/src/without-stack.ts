// Where Error.stackTraceLimit cannot be set (frozen intrinsics), errors keep their stacks.
const adjustable = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable === true;

/**
 * Builds with V8's stack capture off, for errors that describe input rather than a fault of the
 * code (a refused message, zod's error behind it), whose stack would say only where the checking
 * was: capturing one cost about 6 us, and the two of a refused message about a quarter of its CPU
 * in bench:ingest.
 */
export function withoutStack<T>(build: () => T): T {
  if (!adjustable) return build();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
