// Untrusted text on its way to a reader: a log line, an annotation, a job summary, a PR body or comment.
// Values from users, reports and registries (a version, a slice name, a YAML key, a registry's error body)
// must never become a workflow command (a line starting with `::`) or Markdown/HTML that changes what a
// reviewer sees (a fake "All evaluation gates passed.", an open `<!--` that hides the rest). Every door
// and renderer uses these, so there is one rule and one place to fix it.

/**
 * For a log line (core.info, console): CR and LF are shown as `%0D` and `%0A` (as the runner encodes them
 * in commands), so a value can never start a new line, and a `::` at its start is broken up so the line
 * itself cannot be read as a workflow command.
 */
export function logSafe(value: unknown): string {
  const text = String(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return text.startsWith('::') ? `:\u200b${text.slice(1)}` : text;
}

/**
 * For a whole log message that may span lines (a finding with its code frame, a registry's answer): line
 * breaks stay, but no line can start a workflow command. The runner reads a line as a command when it
 * starts with `::` (after spaces), so that is what is broken up, wherever a value put it.
 */
export function logSafeText(text: unknown): string {
  return String(text)
    .split(/(\r\n|\r|\n)/)
    .map((part) => part.replace(/^(\s*):(?=:)/, '$1:\u200b'))
    .join('');
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** For HTML (the job summary's headings and table cells): the value is shown, never interpreted. */
export function htmlSafe(value: unknown): string {
  return String(value).replace(/[&<>"]/g, (c) => htmlEntities[c] ?? c);
}

/**
 * For inline Markdown (a table cell, a list item, a heading): HTML is escaped, so `<!--` and tags are
 * shown, not interpreted; Markdown emphasis, links, code and table syntax are backslash-escaped; line
 * breaks become spaces, so a value cannot start its own paragraph or line.
 */
export function markdownSafe(value: unknown): string {
  return String(value)
    .replace(/[&<>"]/g, (c) => htmlEntities[c] ?? c)
    .replace(/[\\`*_[\]{}()#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, ' ');
}

/** GitHub refuses issue and PR bodies and comments longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/**
 * Cuts Markdown to fit GitHub's limit, at a line boundary, ending with a note that says where the rest
 * is. `tail` (e.g. a machine-readable block) is kept whole after the cut text.
 */
export function fitBody(
  text: string,
  options: { readonly limit?: number; readonly rest: string; readonly tail?: string },
): string {
  const limit = options.limit ?? GITHUB_BODY_LIMIT;
  const tail = options.tail ?? '';
  if (text.length + tail.length <= limit) return text + tail;
  const note = `\n\n_…cut to fit GitHub's ${limit.toLocaleString('en-US')}-character limit. ${options.rest}_\n`;
  const room = Math.max(0, limit - tail.length - note.length);
  const cut = text.slice(0, room);
  const lineEnd = cut.lastIndexOf('\n');
  return `${lineEnd > 0 ? cut.slice(0, lineEnd) : cut}${note}${tail}`;
}
