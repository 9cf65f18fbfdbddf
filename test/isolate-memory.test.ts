/**
 * Memory that does not grow per call: every cache an isolate keeps across requests holds a bounded
 * number of entries, forgetting the one set longest ago. One test per cache, each showing both that the
 * cache is used (a second use costs nothing) and that it forgets past its bound (the cost comes back).
 * The breaker's views are bounded in test/breaker-view.test.ts, the sandbox's memory beside it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { BoundedMap } from "../src/bounded-map";
import { signApplicationJwt, MAX_IMPORTED_KEYS } from "../src/providers/vonage/private-key";
import { VONAGE_TEST_PRIVATE_KEY } from "../src/providers/vonage/test-key";
import { KEY_CACHE_ENTRIES, OPENED_CACHE_ENTRIES, seal, unseal } from "../src/tenants/credentials-cipher";
import { RECORD_CACHE_ENTRIES, cachedRead } from "../src/tenants/record-cache";
import { openProviderCredentials } from "../src/tenants/provider-credentials";
import type { ConnectionRecord } from "../src/tenants/store";
import { z } from "zod";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A CREDENTIALS_KEY: the base64 of 32 bytes, all `n`. */
function credentialsKey(n: number): string {
  return btoa(String.fromCharCode(...new Uint8Array(32).fill(n)));
}

describe("BoundedMap", () => {
  it("holds at most its limit, forgetting the entry set longest ago; setting a key again renews it", () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ["a", "b", "c"].entries()) map.set(key, i);
    map.set("a", 9);
    map.set("d", 3);
    expect([...map.keys()]).toEqual(["c", "a", "d"]);
    expect(map.size).toBe(3);
  });
});

describe("the record cache (tenant and connection records)", () => {
  it(`holds at most ${RECORD_CACHE_ENTRIES} records per namespace`, async () => {
    const namespace = {} as KVNamespace;
    let reads = 0;
    const read = async () => ({ n: ++reads });
    for (let i = 0; i <= RECORD_CACHE_ENTRIES; i++) await cachedRead(namespace, `k${i}`, read, 0);
    expect(reads).toBe(RECORD_CACHE_ENTRIES + 1);
    await cachedRead(namespace, `k${RECORD_CACHE_ENTRIES}`, read, 1);
    expect(reads).toBe(RECORD_CACHE_ENTRIES + 1);
    await cachedRead(namespace, "k0", read, 1); // forgotten: read again
    expect(reads).toBe(RECORD_CACHE_ENTRIES + 2);
  });
});

describe("the credentials cipher", () => {
  it(`keeps at most ${KEY_CACHE_ENTRIES} imported CREDENTIALS_KEYs`, async () => {
    const imports = vi.spyOn(crypto.subtle, "importKey");
    for (let n = 1; n <= KEY_CACHE_ENTRIES + 1; n++) await seal(credentialsKey(n), "ctx", "v");
    expect(imports).toHaveBeenCalledTimes(KEY_CACHE_ENTRIES + 1);
    await seal(credentialsKey(KEY_CACHE_ENTRIES + 1), "ctx", "v");
    expect(imports).toHaveBeenCalledTimes(KEY_CACHE_ENTRIES + 1);
    await seal(credentialsKey(1), "ctx", "v"); // forgotten: imported again
    expect(imports).toHaveBeenCalledTimes(KEY_CACHE_ENTRIES + 2);
  });

  it("opens a sealed value once per isolate; replaced credentials or another CREDENTIALS_KEY never get the cached value", async () => {
    const key = credentialsKey(200);
    const decrypts = vi.spyOn(crypto.subtle, "decrypt");
    const first = await seal(key, "connection:t/c", { auth_token: "first" });
    expect(await unseal(key, "connection:t/c", first)).toEqual({ auth_token: "first" });
    const again = await unseal<{ auth_token: string }>(key, "connection:t/c", first);
    expect(again).toEqual({ auth_token: "first" });
    expect(decrypts).toHaveBeenCalledTimes(1);
    // Shared between callers, so nobody can change it.
    expect(() => ((again as { auth_token: string }).auth_token = "changed")).toThrow(TypeError);

    const replaced = await seal(key, "connection:t/c", { auth_token: "second" });
    expect(await unseal(key, "connection:t/c", replaced)).toEqual({ auth_token: "second" });
    await expect(unseal(credentialsKey(201), "connection:t/c", first)).rejects.toThrow(/cannot be decrypted/);
    await expect(unseal(key, "connection:t/other", first)).rejects.toThrow(/cannot be decrypted/);
  });

  it(`keeps at most ${OPENED_CACHE_ENTRIES} opened values`, async () => {
    const key = credentialsKey(202);
    const sealed = await Promise.all(Array.from({ length: OPENED_CACHE_ENTRIES + 1 }, (_, i) => seal(key, `connection:t/c${i}`, { i })));
    const decrypts = vi.spyOn(crypto.subtle, "decrypt");
    for (const [i, value] of sealed.entries()) await unseal(key, `connection:t/c${i}`, value);
    expect(decrypts).toHaveBeenCalledTimes(OPENED_CACHE_ENTRIES + 1);
    await unseal(key, `connection:t/c${OPENED_CACHE_ENTRIES}`, sealed[OPENED_CACHE_ENTRIES]!);
    expect(decrypts).toHaveBeenCalledTimes(OPENED_CACHE_ENTRIES + 1);
    await unseal(key, "connection:t/c0", sealed[0]!); // forgotten: decrypted again
    expect(decrypts).toHaveBeenCalledTimes(OPENED_CACHE_ENTRIES + 2);
  });
});

describe("a connection's credentials as its provider reads them", () => {
  // Kept in a WeakMap per opened value, so bounded by the opened values' cache above.
  it("are parsed once per opened value, frozen, and parsed anew when the credentials are replaced", async () => {
    const env = { CREDENTIALS_KEY: credentialsKey(203) } as Env;
    const connection = async (token: string): Promise<ConnectionRecord> =>
      ({ id: "c", tenant: "t", credentials: await seal(env.CREDENTIALS_KEY, "connection:t/c", { auth_token: token }) }) as ConnectionRecord;
    const schema = z.object({ auth_token: z.string() });
    const parses = vi.spyOn(schema, "parse");
    const first = await connection("first");
    const opened = await openProviderCredentials(env, first, schema);
    expect(opened).toEqual({ auth_token: "first" });
    expect(Object.isFrozen(opened)).toBe(true);
    expect(await openProviderCredentials(env, first, schema)).toBe(opened);
    expect(parses).toHaveBeenCalledTimes(1);
    expect(await openProviderCredentials(env, await connection("second"), schema)).toEqual({ auth_token: "second" });
    expect(parses).toHaveBeenCalledTimes(2);
  });
});

describe("Vonage private keys", () => {
  it(`keeps at most ${MAX_IMPORTED_KEYS} imported keys`, async () => {
    // The cache is keyed by the PEM as stored: trailing blank lines make the same key a distinct entry.
    const pem = (n: number) => VONAGE_TEST_PRIVATE_KEY.trim() + "\n".repeat(n + 1);
    const claims = { application_id: "app", iat: 1, exp: 2, jti: "j" };
    const imports = vi.spyOn(crypto.subtle, "importKey");
    for (let n = 0; n <= MAX_IMPORTED_KEYS; n++) await signApplicationJwt(claims, pem(n));
    expect(imports).toHaveBeenCalledTimes(MAX_IMPORTED_KEYS + 1);
    await signApplicationJwt(claims, pem(MAX_IMPORTED_KEYS));
    expect(imports).toHaveBeenCalledTimes(MAX_IMPORTED_KEYS + 1);
    await signApplicationJwt(claims, pem(0)); // forgotten: imported again
    expect(imports).toHaveBeenCalledTimes(MAX_IMPORTED_KEYS + 2);
  });
});
