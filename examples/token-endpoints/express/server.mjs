// POST /api/token for the signed-in user, minted with the server-side key (never sent).
//   BEHEST_KEY=behest_sk_live_… BEHEST_BASE_URL=http://localhost:8080 PORT=3000 node server.mjs
import express from "express";
import { Behest } from "@behest/client-ts";

const behest = new Behest(); // reads BEHEST_KEY and BEHEST_BASE_URL
const app = express();

// Your authentication goes here (passport, express-session, a JWT check …). For the demo,
// the signed-in user is the `demo_user` cookie.
app.use((req, _res, next) => {
  const match = /(?:^|;\s*)demo_user=([A-Za-z0-9_.@-]{1,64})/.exec(req.headers.cookie ?? "");
  req.user = match ? { id: match[1] } : null;
  next();
});

app.post("/api/token", async (req, res) => {
  if (!req.user) {
    return res.status(401).json({ error: { message: "Sign in first.", type: "authentication_error" } });
  }
  try {
    const { access_token, expires_in } = await behest.tokens.mint(req.user.id);
    res.set("Cache-Control", "no-store").json({ access_token, expires_in });
  } catch (error) {
    console.error("mint failed:", error.message);
    res.status(502).json({ error: { message: "Could not get a token from behest.", type: "api_error" } });
  }
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => console.log(`token endpoint on http://127.0.0.1:${port}/api/token`));
