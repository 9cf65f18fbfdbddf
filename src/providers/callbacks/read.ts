/**
 * Reading callback bodies: form parameters (Twilio, Plivo) and fields of JSON objects (TryVox, Telnyx,
 * Vonage). Malformed input reads as nothing, never as an exception: a provider's bad body is a 422,
 * not a 500.
 */
import type { CallbackRequest } from "./types";

const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";

export type Param = readonly [name: string, value: string];

/** The form parameters of the body, decoded; none unless the body is declared a form. */
export function formParams(request: CallbackRequest): Param[] {
  return request.mediaType === FORM_MEDIA_TYPE ? [...new URLSearchParams(request.body)] : [];
}

export function formValue(params: readonly Param[], name: string): string | undefined {
  return params.find(([key]) => key === name)?.[1];
}

/** Parameters sorted by name, then value: the order both Twilio and Plivo sign them in. */
export function sortedParams(params: Iterable<Param>): Param[] {
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...params].sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
}

export function jsonObject(body: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The first of the named fields that holds a non-empty string. */
export function stringField(object: Record<string, unknown> | null | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = object?.[name];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}
