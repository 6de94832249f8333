import "server-only";
import { Behest } from "@behest/client-ts";

// Server-only: the key (BEHEST_KEY) stays on the server. "server-only" makes the build
// fail if a client component ever imports this file.
let client: Behest | undefined;

export function behest(): Behest {
  // Created on first use, not at import: `next build` imports route modules without the key.
  client ??= new Behest({ key: process.env.BEHEST_KEY, baseUrl: process.env.BEHEST_BASE_URL });
  return client;
}

export const MODEL = process.env.BEHEST_MODEL ?? "gpt-4o-mini";

/** Where browsers reach the gateway (it may differ from the server's own address). */
export function publicGatewayUrl(): string {
  return process.env.BEHEST_PUBLIC_URL ?? process.env.BEHEST_BASE_URL ?? "http://localhost:8080";
}
