/**
 * The per-attempt deadline: one signal that aborts on the caller's signal or on a timeout, and remembers which,
 * because the two must become different errors (a timeout is retried, a caller abort never is).
 *
 * @module
 */

/** Aborts an attempt on timeout or on the caller's signal. */
export class AttemptDeadline {
  /** The signal to give fetch. */
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  #done = false;
  readonly #timeoutMs: number;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#controller.abort(this.#callerSignal?.reason);

  /**
   * @param timeoutMs - Milliseconds without progress before the attempt is aborted; `0` or `Infinity` for none.
   * @param callerSignal - The caller's signal.
   */
  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    this.#timeoutMs = timeoutMs;
    this.#callerSignal = callerSignal;
    this.signal = this.#controller.signal;
    if (callerSignal?.aborted) this.#onCallerAbort();
    else callerSignal?.addEventListener("abort", this.#onCallerAbort, { once: true });
    this.touch();
  }

  /** True once the caller's signal aborted this attempt. */
  get callerAborted(): boolean {
    return this.#callerSignal?.aborted === true;
  }

  /** True once the timeout fired (and the caller had not aborted first). */
  get timedOut(): boolean {
    return this.#timedOut && !this.callerAborted;
  }

  /** The timeout in milliseconds, for messages. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Restarts the timer: bytes moved, so a long transfer is not cut off while it makes progress. */
  touch(): void {
    if (this.#done || this.#controller.signal.aborted) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (!(this.#timeoutMs > 0 && Number.isFinite(this.#timeoutMs))) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new DOMException(`no progress within ${this.#timeoutMs} ms`, "TimeoutError"));
    }, this.#timeoutMs);
  }

  /** Stops the timer and forgets the caller's signal. Safe to call more than once. */
  finish(): void {
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#callerSignal?.removeEventListener("abort", this.#onCallerAbort);
  }
}
