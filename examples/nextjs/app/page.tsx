import { behestHeaders } from "@behest/client-ts";
import { behest, MODEL, publicGatewayUrl } from "@/lib/behest";
import { currentUser } from "@/lib/session";
import Chat from "./chat";

export const dynamic = "force-dynamic";

// A server component: it calls behest with the SDK and the server-side key, for the
// signed-in user, while rendering. The chat below runs in the browser with a minted token.
async function greeting(user: string): Promise<{ text: string; requestId?: string } | { error: string }> {
  try {
    const { data, response } = await behest()
      .chat.completions.create({
        model: MODEL,
        messages: [{ role: "user", content: `Welcome ${user} to the demo` }],
        user_id: user,
        max_tokens: 40,
      })
      .withResponse();
    return { text: data.choices[0]?.message.content ?? "", requestId: behestHeaders(response).requestId };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export default async function Home() {
  const user = await currentUser();
  if (!user) {
    return (
      <main>
        <h1>behest + Next.js</h1>
        <p className="muted">Sign in (a demo cookie) to chat. The API key stays on the server.</p>
        <form className="row" method="post" action="/api/session">
          <input type="text" name="user" placeholder="your name, e.g. alice" required aria-label="user" />
          <button type="submit">Sign in</button>
        </form>
      </main>
    );
  }
  const hello = await greeting(user);
  return (
    <main>
      <h1>behest + Next.js</h1>
      <form className="row muted" method="post" action="/api/session">
        Signed in as <strong data-testid="user">{user}</strong>
        <input type="hidden" name="action" value="signout" />
        <button type="submit">Sign out</button>
      </form>
      <section className="card" data-testid="server-greeting">
        <div className="muted">From a server component (the SDK, with the key):</div>
        {"error" in hello ? (
          <div className="error">behest could not answer: {hello.error}</div>
        ) : (
          <div>
            {hello.text} <span className="muted">(request {hello.requestId})</span>
          </div>
        )}
      </section>
      <Chat gatewayUrl={publicGatewayUrl()} model={MODEL} />
    </main>
  );
}
