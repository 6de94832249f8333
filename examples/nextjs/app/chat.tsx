"use client";

import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { BehestBrowser, behestHeaders, OpenAI } from "@behest/client-ts";

type Message = { role: "user" | "assistant"; content: string };
type Problem = { kind: "ratelimit"; retryAfter: number | null; message: string } | { kind: "error"; message: string };

// A client component: the browser streams from behest directly (CORS), with a token that
// BehestBrowser gets from our /api/token route and caches until it nearly expires.
export default function Chat({ gatewayUrl, model }: { gatewayUrl: string; model: string }) {
  const ai = useMemo(
    // maxRetries 0: show a rate limit to the user at once instead of waiting it out.
    () => new BehestBrowser({ baseUrl: gatewayUrl, tokenUrl: "/api/token", maxRetries: 0 }),
    [gatewayUrl],
  );
  const [messages, setMessages] = useState<Message[]>([]);
  const [threadId, setThreadId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Until React has hydrated, a submit would be the browser's own (a page reload); the
  // button stays disabled until then.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function send(event: FormEvent) {
    event.preventDefault();
    const text = input.current?.value.trim();
    if (!text || busy) return;
    input.current!.value = "";
    setBusy(true);
    setProblem(null);
    // behest keeps the conversation: send only the new message, with the thread's id.
    // A new id starts a thread; the gateway echoes it in x-thread-id.
    const thread = threadId ?? crypto.randomUUID();
    setMessages((m) => [...m, { role: "user", content: text }, { role: "assistant", content: "" }]);
    try {
      const { data: stream, response } = await ai.chat.completions
        .create({ model, messages: [{ role: "user", content: text }], stream: true, thread_id: thread })
        .withResponse();
      setThreadId(behestHeaders(response).threadId ?? thread);
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta?.content ?? "";
        if (delta) setMessages((m) => [...m.slice(0, -1), { role: "assistant", content: m[m.length - 1]!.content + delta }]);
      }
    } catch (error) {
      setMessages((m) => (m[m.length - 1]?.content ? m : m.slice(0, -2)));
      setProblem(describe(error));
      if (input.current && !input.current.value) input.current.value = text;
    } finally {
      setBusy(false);
    }
  }

  function newThread() {
    setThreadId(null);
    setMessages([]);
    setProblem(null);
  }

  return (
    <section className="card">
      <div className="muted">
        From the browser, streamed from behest directly ·{" "}
        {threadId ? (
          <>
            thread <code data-testid="thread">{threadId}</code>{" "}
            <button type="button" onClick={newThread}>New thread</button>
          </>
        ) : (
          "new thread"
        )}
      </div>
      <div className="messages" data-testid="messages">
        {messages.map((m, i) => (
          <div key={i} className={`msg ${m.role}`} data-role={m.role}>
            {m.content || (busy && i === messages.length - 1 ? "…" : "")}
          </div>
        ))}
      </div>
      {problem?.kind === "ratelimit" && (
        <p className="ratelimit" role="alert" data-testid="ratelimit">
          {problem.message}{" "}
          {problem.retryAfter !== null && <>Try again in <strong>{problem.retryAfter}</strong> s.</>}
        </p>
      )}
      {problem?.kind === "error" && (
        <p className="error" role="alert" data-testid="error">
          {problem.message}
        </p>
      )}
      <form className="row" onSubmit={send}>
        <input ref={input} type="text" name="prompt" placeholder="Ask something" aria-label="prompt" disabled={busy} />
        <button type="submit" disabled={busy || !hydrated} data-testid="send">
          {busy ? "Streaming…" : "Send"}
        </button>
      </form>
    </section>
  );
}

function describe(error: unknown): Problem {
  const message = error instanceof Error ? error.message.replace(/^\d{3} /, "") : String(error);
  if (!(error instanceof OpenAI.APIError) || error.status === undefined) {
    // A browser does not tell a page why a cross-origin request failed: a network error
    // and an origin missing from the project's cors_origins look the same.
    return { kind: "error", message: `Could not reach behest (${message}): the network, or this site's origin is not in the project's cors_origins.` };
  }
  if (error.status === 429) {
    return { kind: "ratelimit", retryAfter: behestHeaders(error).retryAfterSeconds ?? null, message };
  }
  if (error.status === 401) return { kind: "error", message: `Not signed in or the session ended (${message}).` };
  return { kind: "error", message: `behest answered ${error.status}: ${message}` };
}
