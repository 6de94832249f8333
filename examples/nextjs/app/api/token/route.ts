import { behest } from "@/lib/behest";
import { currentUser } from "@/lib/session";

export const dynamic = "force-dynamic";

// The token endpoint: mints a short-lived token for the signed-in user with the server-side
// key. The page's BehestBrowser POSTs here (same origin, with the session cookie).
export async function POST() {
  const user = await currentUser();
  if (!user) {
    return Response.json(
      { error: { message: "Sign in first.", type: "authentication_error" } },
      { status: 401 },
    );
  }
  try {
    const { access_token, expires_in } = await behest().tokens.mint(user);
    return Response.json({ access_token, expires_in }, { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    console.error("mint failed:", error instanceof Error ? error.message : error);
    return Response.json(
      { error: { message: "Could not get a token from behest.", type: "api_error" } },
      { status: 502 },
    );
  }
}
