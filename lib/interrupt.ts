/**
 * A request to stop a running command: Ctrl-C on a console, as SIGINT is to a Linux tool.
 * Portable: plain callbacks, no AbortController or signals, so any engine can use it.
 */
export class Interrupt {
  private fired = false;
  private listeners: (() => void)[] = [];

  get interrupted(): boolean {
    return this.fired;
  }

  /** Runs `fn` once when interrupted (at once if it already was); returns the unsubscribe. */
  onInterrupt(fn: () => void): () => void {
    if (this.fired) {
      fn();
      return () => {};
    }
    this.listeners = [...this.listeners, fn];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  /** Fires the listeners; later calls do nothing. */
  interrupt(): void {
    if (this.fired) return;
    this.fired = true;
    const ls = this.listeners;
    this.listeners = [];
    for (const l of ls) l();
  }
}
