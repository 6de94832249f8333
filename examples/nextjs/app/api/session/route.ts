import { NextResponse } from "next/server";
import { SESSION_COOKIE } from "@/lib/session";

export const dynamic = "force-dynamic";

// Demo sign-in and sign-out (a form POST). Replace with your real authentication.
export async function POST(request: Request) {
  const form = await request.formData();
  const name = String(form.get("user") ?? "").trim();
  // A relative Location: behind a proxy or on 127.0.0.1, request.url may name another host.
  const response = new NextResponse(null, { status: 303, headers: { Location: "/" } });
  if (form.get("action") === "signout" || !/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) {
    response.cookies.delete(SESSION_COOKIE);
  } else {
    response.cookies.set(SESSION_COOKIE, name, { httpOnly: true, sameSite: "lax", path: "/" });
  }
  return response;
}
