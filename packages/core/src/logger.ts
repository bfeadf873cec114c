/**
 * The core logger: one line per message on stderr (or any sink), filtered by the OpenSIPS
 * level (log_level, `-l`). Levels: L_ALERT=-3 L_CRIT=-2 L_ERR=-1 L_WARN=1 L_NOTICE=2
 * L_INFO=3 L_DBG=4; a line is written when its level <= the configured one.
 */
const LEVEL_TAGS = new Map<number, string>([
  [-3, 'ALERT'],
  [-2, 'CRITICAL'],
  [-1, 'ERROR'],
  [0, 'ERROR'],
  [1, 'WARNING'],
  [2, 'NOTICE'],
  [3, 'INFO'],
  [4, 'DBG'],
]);

export type LogWriter = (line: string) => void;

export class Logger {
  level: number;
  private readonly write: LogWriter;

  constructor(level = 3, write: LogWriter = (l) => process.stderr.write(l)) {
    this.level = level;
    this.write = write;
  }

  enabled(level: number): boolean {
    return level <= this.level;
  }

  log(level: number, text: string, prefix?: string): void {
    if (level > this.level) return;
    const tag = LEVEL_TAGS.get(level) ?? String(level);
    // xlog lines usually end with "\n": one line per entry regardless.
    const body = text.endsWith('\n') ? text.slice(0, -1) : text;
    this.write(`${new Date().toISOString()} [${process.pid}] ${tag}:${prefix !== undefined ? `${prefix}: ` : ''}${body}\n`);
  }
}

/**
 * At most `perSecond` lines per second for one noisy cause (malformed messages from a
 * scanner must not flood the log); the number of suppressed lines is reported with the
 * next line that gets through.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The line to log now (with a note of suppressed ones), or null to stay quiet. */
  admit(line: string): string | null {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perSecond) {
      this.suppressed++;
      return null;
    }
    this.inWindow++;
    if (this.suppressed > 0) {
      const n = this.suppressed;
      this.suppressed = 0;
      return `${line} (${n} similar message(s) suppressed)`;
    }
    return line;
  }
}
