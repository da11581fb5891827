/**
 * MurmurHash3 (Austin Appleby, x86 32-bit variant): a fast, well-mixed, non-cryptographic hash for
 * placing keys and instances on a hash ring and for seeded shuffles.
 *
 * The string is read through `charCodeAt`, two UTF-16 code units per 32-bit block, so hashing
 * allocates nothing; the result equals MurmurHash3_x86_32 of the string's UTF-16LE bytes (checked
 * against the reference vectors in the tests), which makes it reproducible in any language.
 */
export function murmur3(text: string, seed = 0): number {
  const length = text.length;
  const pairedLength = length & ~1;
  let hash = seed | 0;
  let index = 0;
  for (; index < pairedLength; index += 2) {
    let block = text.charCodeAt(index) | (text.charCodeAt(index + 1) << 16);
    block = Math.imul(block, 0xcc9e2d51);
    block = (block << 15) | (block >>> 17);
    block = Math.imul(block, 0x1b873593);
    hash ^= block;
    hash = (hash << 13) | (hash >>> 19);
    hash = (Math.imul(hash, 5) + 0xe6546b64) | 0;
  }
  if (index < length) {
    let tail = text.charCodeAt(index);
    tail = Math.imul(tail, 0xcc9e2d51);
    tail = (tail << 15) | (tail >>> 17);
    tail = Math.imul(tail, 0x1b873593);
    hash ^= tail;
  }
  // The reference hashes bytes, so the length it mixes in is the UTF-16 byte length.
  hash ^= length * 2;
  return mix32(hash);
}

/**
 * MurmurHash3's finalizer (`fmix32`): a bijection on 32-bit integers in which every input bit
 * affects every output bit, used to spread derived values (ring points of one instance) evenly.
 */
export function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
