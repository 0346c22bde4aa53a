// Splits a command's output into log lines in one pass over each chunk, whatever the command writes:
// `\n` and `\r\n` end a line; a lone `\r` (a tqdm-style progress bar redrawing itself) starts the line
// over, as a terminal would, so only the last frame of a progress bar is logged; and a line longer than
// the bound is cut, so a command that never writes a newline costs bounded memory and linear time.

/** The longest line kept whole; the rest of a longer line is counted, not kept. */
export const maxLineLength = 64 * 1024;

export class OutputLines {
  // The line so far, in pieces: joining once when the line ends keeps each chunk's cost linear.
  private pieces: string[] = [];
  private kept = 0;
  private dropped = 0;
  private pendingCarriageReturn = false;

  private readonly onLine: (line: string) => void;
  private readonly limit: number;

  constructor(onLine: (line: string) => void, limit = maxLineLength) {
    this.onLine = onLine;
    this.limit = limit;
  }

  push(chunk: string): void {
    let start = 0;
    if (this.pendingCarriageReturn && chunk.length > 0) {
      this.pendingCarriageReturn = false;
      if (chunk[0] === '\n') {
        this.emit();
        start = 1;
      } else {
        this.reset();
      }
    }
    for (let i = start; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.append(chunk, start, i);
      start = i + 1;
      if (c === 10) {
        this.emit();
      } else if (i + 1 === chunk.length) {
        // `\r` at the end of a chunk: the next chunk says whether it was `\r\n` or a redraw.
        this.pendingCarriageReturn = true;
      } else if (chunk.charCodeAt(i + 1) === 10) {
        this.emit();
        i++;
        start = i + 1;
      } else {
        this.reset();
      }
    }
    this.append(chunk, start, chunk.length);
  }

  /** The stream ended: what is left is the last line. */
  end(): void {
    if (this.pendingCarriageReturn) this.emit();
    else if (this.kept > 0 || this.dropped > 0) this.emit();
    this.pendingCarriageReturn = false;
  }

  private append(chunk: string, from: number, to: number): void {
    if (to <= from) return;
    const room = this.limit - this.kept;
    const take = Math.min(room, to - from);
    if (take > 0) {
      this.pieces.push(chunk.slice(from, from + take));
      this.kept += take;
    }
    this.dropped += to - from - take;
  }

  private emit(): void {
    const line = this.pieces.join('');
    this.onLine(this.dropped > 0 ? `${line} … (${this.dropped} more characters cut)` : line);
    this.reset();
  }

  private reset(): void {
    this.pieces = [];
    this.kept = 0;
    this.dropped = 0;
  }
}
