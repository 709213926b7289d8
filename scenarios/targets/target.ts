// The seam between the runner and a gateway: a Target turns a scenario's `setup` (already pinned to one tier) into a
// running, reachable gateway — the in-process emulator, a URL the user deployed, a container, nginx/Apache through
// a driver. The runner never looks behind it: it only sends requests to `baseUrl` and, when offered, asks for the
// server's side of the story (`serverTimeline`).

import { createHash } from 'node:crypto';
import type { Pki } from '../../ca/index';
import type { ProfileId, Setup, Tier } from '../schema';
import type { TimelinePoint } from '../result';

/** A setup whose tier selector is resolved to one concrete tier (the profile's): what a gateway is configured with. */
export type ConcreteSetup = Setup & { readonly tier: Tier };

export interface ServerTimelineRef {
  readonly requestId?: string;
  readonly clientPort?: number;
}

export interface PreparedSetup {
  /** https://host:port[/path] the scenarios' request paths are appended to. */
  readonly baseUrl: string;
  /**
   * The server's timeline, when the gateway keeps one: for one request (id from the x-certgate-request-id response
   * header), or — when no response came (a stall, a reset) — for the connection from the client's local port.
   */
  serverTimeline?(ref: ServerTimelineRef): Promise<readonly TimelinePoint[] | undefined>;
  /**
   * CA certificates (PEM) the clients trust for this gateway's server certificate: absent = the PKI's own roots (the
   * emulator and local gateways serve a PKI certificate); 'system' = Node's bundled public roots (a real APIM).
   */
  readonly serverCa?: readonly string[] | 'system';
}

/** The gateway (or its management plane) refused the configuration: the scenarios observe `setup-rejected`. */
export interface RejectedSetup {
  readonly rejected: string;
}

/** The target cannot provide this setup at all (not deployed, not expressible): the scenarios are `skipped`. */
export interface SkippedSetup {
  readonly skip: string;
}

export type PrepareResult = PreparedSetup | RejectedSetup | SkippedSetup;

export interface Target {
  /** Shown in reports: "emulator", "url:https://…", "nginx", … */
  readonly name: string;
  /** The profile this target is documented to follow when the user names none (url target: the user's statement). */
  readonly profileDefault?: ProfileId;
  /** Readies a gateway for one setup; called once per distinct setup key, then shared by its scenarios. */
  prepare(setupKey: string, setup: ConcreteSetup, pki: Pki): Promise<PrepareResult>;
  /** Frees one setup's gateway once its last scenario finished (optional: close() frees everything anyway). */
  release?(setupKey: string): Promise<void>;
  /** Frees everything the target started. */
  close(): Promise<void>;
}

export const isRejected = (r: PrepareResult): r is RejectedSetup => 'rejected' in r;
export const isSkipped = (r: PrepareResult): r is SkippedSetup => 'skip' in r;

/** JSON with object keys sorted, so equal setups serialise equally whatever order their YAML had. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The stable name of a setup: its tier and a short hash of everything else. Two scenarios with equal setups share
 * one gateway; the key stays the same across runs and machines, so a url-target mapping file written once keeps working.
 */
export function setupKeyOf(setup: ConcreteSetup): string {
  const hash = createHash('sha256').update(stableStringify(setup)).digest('hex').slice(0, 12);
  return `${setup.tier}-${hash}`;
}
