/**
 * Registry events. Every change (a model or version created, an alias or stage moved, an approval, a promotion, a
 * rollback) is an event that subscribers hear and, where the registry keeps one, its audit trail records.
 *
 * @module
 */

import type { Stage } from "./types.js";

/** The kinds of event. */
export type RegistryEventType =
  | "model.created"
  | "model.updated"
  | "model.deleted"
  | "version.created"
  | "version.updated"
  | "version.deleted"
  | "alias.set"
  | "alias.deleted"
  | "stage.changed"
  | "approval.recorded"
  | "promotion.completed"
  | "promotion.blocked"
  | "rollback.completed";

/** One change, as subscribers and audit trails see it. */
export interface RegistryEvent {
  /** A unique id. */
  id: string;
  /** What happened. */
  type: RegistryEventType;
  /** When, as an ISO 8601 string (events are serialised to webhooks and logs as they are). */
  at: string;
  /** Who did it. */
  actor: string;
  /** The registry's provider. */
  provider: string;
  /** The model. */
  model: string;
  /** The version, when the event is about one. */
  version?: string;
  /** The alias, for alias events. */
  alias?: string;
  /** The stage, for stage events. */
  stage?: Stage;
  /** The value before (the version an alias pointed at, the stage a version was in), when there was one. */
  from?: string;
  /** The value after. */
  to?: string;
  /** Anything else worth keeping: gate results, an approval's role and comment. Must be JSON. */
  details?: Record<string, unknown>;
}

/** An event before the registry stamps it with an id, time and provider. */
export type RegistryEventInput = Omit<RegistryEvent, "id" | "at" | "provider" | "actor"> & {
  /** Who acted; default: the call's or the registry's actor. */
  actor?: string;
};

/** A subscriber. It may be async; its failures are reported to `onError`, never to the call that made the change. */
export type RegistryEventListener = (event: RegistryEvent) => void | Promise<void>;

/** Subscriptions to a registry's events. */
export interface RegistryEventSource {
  /** Calls `listener` for every event from now on; returns a function that unsubscribes. */
  subscribe(listener: RegistryEventListener): () => void;
}

/**
 * The event bus adapters use. Listeners run after the change is durable; a listener's failure never undoes it.
 */
export class RegistryEventBus implements RegistryEventSource {
  readonly #listeners = new Set<RegistryEventListener>();
  readonly #onError: (error: unknown, event: RegistryEvent) => void;

  /** @param onError where listener failures go (default: ignored, so a broken webhook cannot break a promotion). */
  constructor(onError?: (error: unknown, event: RegistryEvent) => void) {
    this.#onError = onError ?? (() => {});
  }

  // Said again rather than inherited: the bus is documented in modelreg/adapter, where RegistryEventSource is not.
  /** Calls `listener` for every event from now on; returns a function that unsubscribes. */
  subscribe(listener: RegistryEventListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Stamps inputs as events of `provider` by `actor`, delivers them in order, and returns them. */
  async publish(inputs: readonly RegistryEventInput[], provider: string, actor: string): Promise<RegistryEvent[]> {
    const events = inputs.map((input) => stampEvent(input, provider, actor));
    for (const event of events) await this.emit(event);
    return events;
  }

  /** Delivers an event to every listener and waits for the async ones. */
  async emit(event: RegistryEvent): Promise<void> {
    await Promise.all(
      [...this.#listeners].map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.#onError(error, event);
        }
      }),
    );
  }
}

/** Stamps an event input with an id, the time and the provider. */
export function stampEvent(input: RegistryEventInput, provider: string, actor: string): RegistryEvent {
  return { id: crypto.randomUUID(), at: new Date().toISOString(), provider, ...input, actor: input.actor ?? actor };
}
