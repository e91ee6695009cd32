/** FNV-1a (32 bit): a stable, well-spread hash for choosing the shard of a sharded index. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard names `shard-0..shard-(count-1)` of a sparse, sharded index. */
export function shardNames(count: number): readonly string[] {
  return Array.from({ length: count }, (_, i) => `shard-${i}`);
}

/** The shard of an item, by the hash of its org and id (equal ids in two orgs spread too). */
export function shardOf(shards: readonly string[], orgId: string, id: string): string {
  return shards[fnv1a(`${orgId}#${id}`) % shards.length]!;
}
