/**
 * The URL a provider signed. Behind a proxy or load balancer the Worker sees another URL than the one the
 * provider called (another host, scheme or path prefix), and every signature over the URL fails: then
 * `PUBLIC_URL` names the public one, and the request's path and query are appended to it.
 */
import { NotConfigured } from "../errors";

export function signedUrl(publicUrl: string | null, requestUrl: string): string {
  if (publicUrl === null) return requestUrl;
  let base: URL;
  try {
    base = new URL(publicUrl);
  } catch {
    throw notConfigured();
  }
  if ((base.protocol !== "https:" && base.protocol !== "http:") || base.search || base.hash) throw notConfigured();
  const { pathname, search } = new URL(requestUrl);
  return `${base.origin}${base.pathname.replace(/\/+$/, "")}${pathname}${search}`;
}

function notConfigured(): NotConfigured {
  return new NotConfigured("PUBLIC_URL is not an http(s) URL without query or fragment; callbacks cannot be checked.");
}
