import { randomBytes } from 'node:crypto';

/** Lowercase [a-z0-9] words joined by `separator`, at most `max` characters. */
export function slug(label: string, separator: string, max = 40): string {
  return label
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .join(separator)
    .slice(0, max)
    .replace(new RegExp(`${separator}+$`), '');
}

/**
 * A run-unique id for topic prefixes and consumer groups, e.g. `holds-relay-mfx3k2a1-9f04c2`:
 * only [a-z0-9-], so it is a valid Kafka topic name and never collides across files or runs.
 */
export function uniqueTestId(label: string): string {
  return `${slug(label, '-') || 'test'}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
