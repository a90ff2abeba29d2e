import { formatDuration } from './duration.js';
import type { CliStream } from './io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line spinner on a terminal stream: `⠋ <text> · 3.2s`, redrawn every `intervalMs`. */
export class Spinner {
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private text = '';
  private readonly started: number;

  constructor(
    private readonly stream: CliStream,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** Starts drawing. */
  start(text: string): void {
    this.text = text;
    this.draw();
    this.timer = setInterval(() => {
      this.draw();
    }, this.intervalMs);
  }

  /** Replaces the text (drawn on the next tick, and now). */
  update(text: string): void {
    this.text = text;
    this.draw();
  }

  /** Stops and clears the line. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.stream.write('\r\u001b[2K');
  }

  private draw(): void {
    const f = FRAMES[this.frame++ % FRAMES.length] ?? '-';
    const line = `${f} ${this.text} · ${formatDuration(this.now() - this.started)}`;
    const width = this.stream.columns ?? 120;
    this.stream.write(`\r\u001b[2K${line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line}`);
  }
}
