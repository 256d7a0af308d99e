import { controlsShown } from '../cli-io';

// A tab or line break inside a cell's line (a title, a reason) would move the rest of its row: shown escaped there.
const cellShown = (text: string) => controlsShown(text).replace(/[\t\n]/g, (control) => (control === '\t' ? '\\u0009' : '\\u000a'));

/**
 * A plain-text table: a header, a rule, one row per item; a cell with several lines (local times
 * per region) spreads over several physical lines. Cells are measured with their terminal controls
 * escaped, as they are shown, so a title carrying ESC or a tab does not push its row's columns out of line.
 */
export function table(headers: readonly string[], rows: readonly (readonly (string | readonly string[])[])[]): string {
  if (rows.length === 0) return '(none)\n';
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'string' ? [cell] : cell.length ? [...cell] : ['-']).map(cellShown)));
  const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((row) => Math.max(...row[column].map((line) => line.length)))));
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column]))
      .join('  ')
      .trimEnd();
  const out = [line(headers), line(widths.map((width) => '-'.repeat(width)))];
  for (const row of cells) {
    const height = Math.max(...row.map((cell) => cell.length));
    for (let index = 0; index < height; index += 1) out.push(line(row.map((cell) => cell[index] ?? '')));
  }
  return `${out.join('\n')}\n`;
}

/** A resource as "field: value" lines, for `show` commands. */
export function fields(entries: readonly [string, string | readonly string[]][]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return `${entries
    .flatMap(([name, value]) => {
      const lines = typeof value === 'string' ? [value] : value.length ? value : ['-'];
      return lines.map((text, index) => `${(index === 0 ? `${name}:` : '').padEnd(width + 1)} ${text}`);
    })
    .join('\n')}\n`;
}
