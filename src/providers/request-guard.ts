/**
 * The last check before a hangup request leaves, whatever built it: it must be sendable (an http(s) URL,
 * headers without line breaks) and it must name exactly the call it is for. A `base_url` ending in `?` or
 * `#` turns everything appended to it into a query or a fragment — Plivo would then receive
 * `DELETE …/Call/`, which hangs up every call on the account — so the URL must carry no query or fragment
 * at all, and its parsed path (dot segments resolved) must end with the module's `address.pathTail` of the
 * call id as `segment()` encodes it; where the body names the call (Alohaa, Callab), it must name exactly
 * this one. A request that fails is refused with `Unsendable`: nothing is sent.
 */
import { Unsendable } from "../errors";
import { isJsonObject, parseJson, segment } from "./http";
import type { CallAddress, OutboundRequest } from "./types";

export function assertSendable(outbound: OutboundRequest, address: CallAddress, callId: string): void {
  if (!URL.canParse(outbound.url)) throw new Unsendable("refusing to send a hangup to a URL that does not parse");
  const url = new URL(outbound.url);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Unsendable(`refusing to send a hangup over ${url.protocol}`);
  if (url.username || url.password) throw new Unsendable("refusing to send a hangup to a URL with userinfo");
  // Checked on the text too: `new URL` keeps no trace of an empty query or fragment ("…/x?").
  if (/[?#]/.test(outbound.url)) throw new Unsendable("refusing to send a hangup whose URL has a query or a fragment: the call's path would be lost");
  if (!url.pathname.endsWith(address.pathTail(segment(callId)))) {
    throw new Unsendable("refusing to send a hangup whose URL does not end with the call's path");
  }
  if (address.bodyField !== undefined) {
    const body = parseJson(outbound.body ?? "");
    if (!isJsonObject(body) || body[address.bodyField] !== callId) throw new Unsendable("refusing to send a hangup whose body does not name the call");
  }
  new Headers(outbound.headers);
}
