/**
 * Where the lines of a long log are, for drawing only those in view. Lines wrap, so their heights
 * differ: the log is cut into blocks of BLOCK_LINES lines, a block drawn once is measured, and one
 * not yet drawn is guessed from the lines measured so far. The view draws the blocks that meet the
 * scroll box's view and a screen above and below it, and stands empty space for the rest.
 */
export const BLOCK_LINES = 200;

/** The blocks to draw and the space the others take. */
export interface BlockRange {
  from: number;
  to: number;
  /** Pixels above block `from`, and below block `to - 1`. */
  above: number;
  below: number;
}

export class BlockHeights {
  private readonly measured = new Map<number, { lines: number; px: number }>();
  private linesMeasured = 0;
  private pxMeasured = 0;

  constructor(private readonly defaultLinePx = 18) {}

  /** Forgets every measure: the lines in the blocks changed (folded, or lines read before them). */
  clear(): void {
    this.measured.clear();
    this.linesMeasured = 0;
    this.pxMeasured = 0;
  }

  /** A line's height as guessed for blocks not yet drawn. */
  linePx(): number {
    return this.linesMeasured > 0 ? this.pxMeasured / this.linesMeasured : this.defaultLinePx;
  }

  /** A block's height: as measured while it held `lines` lines, else guessed. */
  height(block: number, lines: number): number {
    const m = this.measured.get(block);
    return m && m.lines === lines ? m.px : lines * this.linePx();
  }

  /** Records a drawn block's height; true when that changes what was known. */
  measure(block: number, lines: number, px: number): boolean {
    const m = this.measured.get(block);
    if (m && m.lines === lines && Math.abs(m.px - px) < 0.5) return false;
    if (m) {
      this.linesMeasured -= m.lines;
      this.pxMeasured -= m.px;
    }
    this.measured.set(block, { lines, px });
    this.linesMeasured += lines;
    this.pxMeasured += px;
    return true;
  }

  /** Lines in block `b` of a log of `count` lines. */
  static linesIn(b: number, count: number): number {
    return Math.max(0, Math.min(BLOCK_LINES, count - b * BLOCK_LINES));
  }

  /** Pixels above block `b`. */
  top(b: number, count: number): number {
    let y = 0;
    for (let i = 0; i < b; i++) y += this.height(i, BlockHeights.linesIn(i, count));
    return y;
  }

  /** Every block's height added up. */
  total(count: number): number {
    return this.top(Math.ceil(count / BLOCK_LINES), count);
  }

  /**
   * The blocks that meet [top - client, top + 2 × client): what is in view of a box `client` high
   * scrolled to `top`, and a screen either side so that scrolling shows drawn lines.
   */
  range(count: number, top: number, client: number): BlockRange {
    const blocks = Math.ceil(count / BLOCK_LINES);
    if (blocks === 0) return { from: 0, to: 0, above: 0, below: 0 };
    const low = top - client;
    const high = top + 2 * Math.max(client, 1);
    let y = 0;
    let from = -1;
    let above = 0;
    let to = blocks;
    for (let b = 0; b < blocks; b++) {
      const h = this.height(b, BlockHeights.linesIn(b, count));
      if (from < 0 && y + h > low) {
        from = b;
        above = y;
      }
      if (from >= 0 && y >= high) {
        to = b;
        break;
      }
      y += h;
    }
    if (from < 0) {
      // Scrolled past every block (the guesses were long): draw the last one.
      from = blocks - 1;
      above = this.top(from, count);
    }
    let below = 0;
    for (let b = to; b < blocks; b++) below += this.height(b, BlockHeights.linesIn(b, count));
    return { from, to: Math.max(to, from + 1), above, below };
  }
}
