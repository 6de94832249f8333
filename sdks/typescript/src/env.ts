/** Environment variables where there are any (Node, Bun, Deno with compat); none in browsers. */
export function env(name: string): string | undefined {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = process?.env?.[name];
  return value === "" ? undefined : value;
}

export function isBrowser(): boolean {
  const g = globalThis as { window?: { document?: unknown }; navigator?: unknown };
  return typeof g.window?.document !== "undefined" && typeof g.navigator !== "undefined";
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/** Hides secrets from `util.inspect` and `console.log` in Node. */
export const INSPECT = Symbol.for("nodejs.util.inspect.custom");
