import "server-only";
import { cookies } from "next/headers";

// A demo sign-in: the user's name in a cookie. Use your real session (NextAuth, Clerk,
// your own) instead; the token route only needs "who is signed in".
export const SESSION_COOKIE = "demo_user";

export async function currentUser(): Promise<string | null> {
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  return value && /^[A-Za-z0-9_.@-]{1,64}$/.test(value) ? value : null;
}
