/**
 * The per-attempt deadline: one signal that aborts on the caller's signal or on a timeout, and remembers which,
 * because the two must become different errors (a timeout is retried, a caller abort never is).
 *
 * @module
 */

/**
 * The attempts waiting on each caller signal, behind one listener per signal. A download of many files shares one
 * signal across all of them; a listener per attempt made Node warn of a possible leak ("11 abort listeners added to
 * [AbortSignal]") as soon as more than ten files were in flight, which `concurrency: 16` is.
 */
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

function listen(signal: AbortSignal, onAbort: () => void): void {
  let set = waiting.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    set = fresh;
    waiting.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        waiting.delete(signal);
        for (const callback of fresh) callback();
      },
      { once: true },
    );
  }
  set.add(onAbort);
}

function unlisten(signal: AbortSignal, onAbort: () => void): void {
  // The one listener stays while the signal lives: it is garbage once the signal is, and removing and re-adding it
  // per attempt would cost more than it holds.
  waiting.get(signal)?.delete(onAbort);
}

/** Aborts an attempt on timeout or on the caller's signal. */
export class AttemptDeadline {
  /** The signal to give fetch. */
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts {@link touch} calls, so a timer that fired can tell whether bytes moved after it. */
  #touches = 0;
  /** When {@link touch} was last called (`performance.now()`). */
  #lastTouch = 0;
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
    else if (callerSignal) listen(callerSignal, this.#onCallerAbort);
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
    this.#touches++;
    this.#lastTouch = performance.now();
    // One timer at a time, moved on when it fires rather than replaced per touch: a download touches once per 64 KiB
    // chunk, and a clearTimeout plus setTimeout each time was measurable CPU per GiB.
    if (this.#timer === undefined && this.#timeoutMs > 0 && Number.isFinite(this.#timeoutMs)) this.#arm(this.#timeoutMs);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const idle = performance.now() - this.#lastTouch;
      if (idle < this.#timeoutMs) this.#arm(this.#timeoutMs - idle);
      else this.#expire(this.#touches);
    }, delayMs);
  }

  /**
   * Aborts unless bytes moved since the timer was set. Node runs due timers before it reads the sockets, so when this
   * process was too busy to run its loop for longer than the timeout (a loaded machine, CPU work beside the request),
   * the timer fired before an answer that had already arrived was read, and a request the server answered in time
   * failed as a timeout, again on every retry: CI saw 10 in a row. Two passes through the loop's I/O phase first let
   * what is waiting in the socket count as progress; a server that really sent nothing is still cut off.
   */
  #expire(touches: number): void {
    setImmediate(() =>
      setImmediate(() => {
        // Bytes moved meanwhile: that touch armed a new timer (none was set), so there is nothing to do here.
        if (this.#done || this.#controller.signal.aborted || this.#touches !== touches) return;
        this.#timedOut = true;
        this.#controller.abort(new DOMException(`no progress within ${this.#timeoutMs} ms`, "TimeoutError"));
      }),
    );
  }

  /** Stops the timer and forgets the caller's signal. Safe to call more than once. */
  finish(): void {
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#callerSignal) unlisten(this.#callerSignal, this.#onCallerAbort);
  }
}
