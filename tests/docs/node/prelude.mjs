// Loaded before every JavaScript or TypeScript sample of the docs (node --import).
// Browser samples call the app's token route, `fetch("/api/token", {method: "POST"})`;
// here the test plays that route: it mints for "docs-user" with BEHEST_KEY.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (url === "/api/token") {
    return realFetch(`${process.env.BEHEST_BASE_URL}/v1/auth/mint`, {
      method: "POST",
      headers: { Authorization: `Bearer ${process.env.BEHEST_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ user_id: "docs-user" }),
    });
  }
  return realFetch(input, init);
};
