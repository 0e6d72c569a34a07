/**
 * The one sha256 of the harness's caches and records (WebCrypto: no Node
 * module to load). A file too big to read at once is hashed as a stream in
 * src/kernel/real/build.ts.
 *
 * @module
 */

/** sha256 of `data` (a string is hashed as its UTF-8 bytes), in hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
