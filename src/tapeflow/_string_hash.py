"""TensorFlow's string hash buckets in Python: FarmHash ``Fingerprint64`` for
``tf.strings.to_hash_bucket_fast`` and SipHash-2-4 for the salted ``to_hash_bucket_strong``
(checked against FarmHash's self-test vectors and the SipHash paper's). Used by
``tf.strings`` and the Keras ``Hashing`` / lookup layers."""
import collections

from .backend import np

# -- FarmHash Fingerprint64 and SipHash-2-4, as TensorFlow's string hash buckets use --------
_M64 = (1 << 64) - 1
_K0 = 0xc3a5c85c97cb3127
_K1 = 0xb492b66fbe98f273
_K2 = 0x9ae16a3b2f90404f


def _u64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _u32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


def _rotr(v, r):
    return ((v >> r) | (v << (64 - r))) & _M64


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash_len16(u, v, mul):
    a = _shift_mix(((u ^ v) * mul) & _M64)
    b = _shift_mix(((v ^ a) * mul) & _M64)
    return (b * mul) & _M64


def _weak_hash32(s, i, a, b):
    """FarmHash's WeakHashLen32WithSeeds on the 32 bytes at ``s[i:]``."""
    w, x, y, z = _u64(s, i), _u64(s, i + 8), _u64(s, i + 16), _u64(s, i + 24)
    a = (a + w) & _M64
    b = _rotr((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotr(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def _fingerprint64(s):
    """FarmHash ``Fingerprint64`` (farmhashna::Hash64) of ``bytes`` as a Python int."""
    n = len(s)
    if n <= 16:
        if n >= 8:
            mul = _K2 + 2 * n
            a = (_u64(s, 0) + _K2) & _M64
            b = _u64(s, n - 8)
            c = (_rotr(b, 37) * mul + a) & _M64
            d = ((_rotr(a, 25) + b) * mul) & _M64
            return _hash_len16(c, d, mul)
        if n >= 4:
            return _hash_len16((n + (_u32(s, 0) << 3)) & _M64, _u32(s, n - 4), _K2 + 2 * n)
        if n:
            y = s[0] + (s[n >> 1] << 8)
            z = n + (s[n - 1] << 2)
            return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
        return _K2
    if n <= 32:
        mul = _K2 + 2 * n
        a = (_u64(s, 0) * _K1) & _M64
        b = _u64(s, 8)
        c = (_u64(s, n - 8) * mul) & _M64
        d = (_u64(s, n - 16) * _K2) & _M64
        return _hash_len16((_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64,
                           (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)
    if n <= 64:
        mul = _K2 + 2 * n
        a = (_u64(s, 0) * _K2) & _M64
        b = _u64(s, 8)
        c = (_u64(s, n - 8) * mul) & _M64
        d = (_u64(s, n - 16) * _K2) & _M64
        y = (_rotr((a + b) & _M64, 43) + _rotr(c, 30) + d) & _M64
        z = _hash_len16(y, (a + _rotr((b + _K2) & _M64, 18) + c) & _M64, mul)
        e = (_u64(s, 16) * mul) & _M64
        f = _u64(s, 24)
        g = ((y + _u64(s, n - 32)) * mul) & _M64
        h = ((z + _u64(s, n - 24)) * mul) & _M64
        return _hash_len16((_rotr((e + f) & _M64, 43) + _rotr(g, 30) + h) & _M64,
                           (e + _rotr((f + a) & _M64, 18) + g) & _M64, mul)
    # Over 64 bytes: 64-byte blocks through a 56-byte state, then the last 64 bytes.
    x = (81 * _K2 + _u64(s, 0)) & _M64
    y = (81 * _K1 + 113) & _M64
    z = (_shift_mix((y * _K2 + 113) & _M64) * _K2) & _M64
    v0 = v1 = w0 = w1 = 0
    for i in range(0, ((n - 1) // 64) * 64, 64):
        x = (_rotr((x + y + v0 + _u64(s, i + 8)) & _M64, 37) * _K1) & _M64
        y = (_rotr((y + v1 + _u64(s, i + 48)) & _M64, 42) * _K1) & _M64
        x ^= w1
        y = (y + v0 + _u64(s, i + 40)) & _M64
        z = (_rotr((z + w0) & _M64, 33) * _K1) & _M64
        v0, v1 = _weak_hash32(s, i, (v1 * _K1) & _M64, (x + w0) & _M64)
        w0, w1 = _weak_hash32(s, i + 32, (z + w1) & _M64, (y + _u64(s, i + 16)) & _M64)
        x, z = z, x
    mul = _K1 + ((z & 0xff) << 1)
    i = n - 64
    w0 = (w0 + ((n - 1) & 63)) & _M64
    v0 = (v0 + w0) & _M64
    w0 = (w0 + v0) & _M64
    x = (_rotr((x + y + v0 + _u64(s, i + 8)) & _M64, 37) * mul) & _M64
    y = (_rotr((y + v1 + _u64(s, i + 48)) & _M64, 42) * mul) & _M64
    x ^= (w1 * 9) & _M64
    y = (y + v0 * 9 + _u64(s, i + 40)) & _M64
    z = (_rotr((z + w0) & _M64, 33) * mul) & _M64
    v0, v1 = _weak_hash32(s, i, (v1 * mul) & _M64, (x + w0) & _M64)
    w0, w1 = _weak_hash32(s, i + 32, (z + w1) & _M64, (y + _u64(s, i + 16)) & _M64)
    x, z = z, x
    return _hash_len16((_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _M64,
                       (_hash_len16(v1, w1, mul) + x) & _M64, mul)


def _rotl(v, r):
    return ((v << r) | (v >> (64 - r))) & _M64


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M64
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotl(v1, 17) ^ v2
    return v0, v1, _rotl(v2, 32), v3


def _siphash24(k0, k1, s):
    """SipHash-2-4 of ``bytes`` with the 128-bit key ``(k0, k1)`` (highwayhash's SipHash)."""
    v = (0x736f6d6570736575 ^ k0, 0x646f72616e646f6d ^ k1,
         0x6c7967656e657261 ^ k0, 0x7465646279746573 ^ k1)
    n = len(s)
    tail = n - n % 8
    words = [_u64(s, i) for i in range(0, tail, 8)]
    words.append(int.from_bytes(s[tail:], "little") | ((n & 0xff) << 56))
    for m in words:
        v = _sip_round(v[0], v[1], v[2], v[3] ^ m)
        v = _sip_round(*v)
        v = (v[0] ^ m, v[1], v[2], v[3])
    v = (v[0], v[1], v[2] ^ 0xff, v[3])
    for _ in range(4):
        v = _sip_round(*v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def _fingerprint64_short(rows):
    """``_fingerprint64`` of ``k`` strings of one length ``n <= 16``, given as a ``(k, n)``
    uint8 array: the same arithmetic on uint64 arrays (which wrap modulo 2**64)."""
    u64 = np.uint64
    n = rows.shape[1]

    def fetch(offset, width):  # little-endian words at ``offset`` of every row
        return np.ascontiguousarray(rows[:, offset:offset + width]).view("<u%d" % width)[:, 0] \
            .astype(u64)

    def rotr(v, r):
        return (v >> u64(r)) | (v << u64(64 - r))

    def hash_len16(x, y, mul):
        a = (x ^ y) * mul
        a ^= a >> u64(47)
        b = (y ^ a) * mul
        b ^= b >> u64(47)
        return b * mul

    mul = u64(_K2 + 2 * n)
    if n >= 8:
        a = fetch(0, 8) + u64(_K2)
        b = fetch(n - 8, 8)
        return hash_len16(rotr(b, 37) * mul + a, (rotr(a, 25) + b) * mul, mul)
    if n >= 4:
        return hash_len16(u64(n) + (fetch(0, 4) << u64(3)), fetch(n - 4, 4), mul)
    y = rows[:, 0].astype(u64) + (rows[:, n >> 1].astype(u64) << u64(8))
    z = u64(n) + (rows[:, n - 1].astype(u64) << u64(2))
    h = (y * u64(_K2)) ^ (z * u64(_K0))
    return (h ^ (h >> u64(47))) * u64(_K2)


def _fingerprints(keys):
    """``{key: Fingerprint64(key)}`` for the distinct ``bytes`` in ``keys``; strings of up to
    16 bytes (most categories and words) are hashed in vectorised groups of equal length."""
    by_length = collections.defaultdict(list)
    for key in dict.fromkeys(keys):
        by_length[len(key)].append(key)
    table = {}
    for n, group in by_length.items():
        if 0 < n <= 16:
            rows = np.frombuffer(b"".join(group), np.uint8).reshape(len(group), n)
            table.update(zip(group, _fingerprint64_short(rows).tolist()))
        else:
            table.update((key, _fingerprint64(key)) for key in group)
    return table


def _hash_buckets(keys, num_buckets, salt=None):
    """``tf.strings.to_hash_bucket_fast`` (or ``_strong`` with ``salt``) of a list of
    ``bytes``; each distinct value is hashed once."""
    if salt is None:
        table = _fingerprints(keys)
    else:
        k0, k1 = salt[0] & _M64, salt[1] & _M64
        table = {key: _siphash24(k0, k1, key) for key in dict.fromkeys(keys)}
    hashes = np.fromiter(map(table.__getitem__, keys), np.uint64, count=len(keys))
    return (hashes % np.uint64(num_buckets)).astype(np.int64)


def _decimal_strings(values):
    """``tf.as_string`` of an integer (or bool) array: a list of ``bytes``."""
    if values.dtype.kind == "b":
        return [b"true" if v else b"false" for v in values.reshape(-1).tolist()]
    return [str(v).encode() for v in values.reshape(-1).tolist()]
