//! Where a key lives: Redis Cluster's HASH_SLOT (CRC16/XMODEM of the key, or
//! of its `{hashtag}`, mod 16384), then slot → shard. Stable across processes
//! and machines, unlike ahash, so AOF files and cluster tools agree.

/// Number of hash slots, as in Redis Cluster.
pub const SLOTS: u16 = 16384;

const fn crc16_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut j = 0;
        while j < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            j += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static CRC16: [u16; 256] = crc16_table();

/// CRC16/XMODEM, the checksum Redis Cluster uses.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc = (crc << 8) ^ CRC16[(((crc >> 8) as u8) ^ b) as usize];
    }
    crc
}

/// The hash slot of `key`: if the key has a non-empty `{...}` section, only
/// that part is hashed (so `{user:1}:a` and `{user:1}:b` share a slot).
pub fn key_slot(key: &[u8]) -> u16 {
    if let Some(open) = memchr::memchr(b'{', key) {
        if let Some(len) = memchr::memchr(b'}', &key[open + 1..]) {
            if len > 0 {
                return crc16(&key[open + 1..open + 1 + len]) & (SLOTS - 1);
            }
        }
    }
    crc16(key) & (SLOTS - 1)
}

/// The shard owning `key` among `nshards`.
#[inline]
pub fn shard_of(key: &[u8], nshards: usize) -> usize {
    if nshards <= 1 {
        0
    } else {
        key_slot(key) as usize % nshards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_slots() {
        // Values from Redis's CLUSTER KEYSLOT.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        assert_eq!(key_slot(b"foo{}{bar}"), key_slot(b"foo{}{bar}"));
        assert_eq!(key_slot(b"foo{}{bar}"), crc16(b"foo{}{bar}") & 16383);
        assert_eq!(key_slot(b"foo{{bar}}zap"), crc16(b"{bar") & 16383);
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }
}
