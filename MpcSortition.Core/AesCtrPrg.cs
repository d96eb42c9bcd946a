using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;
using AesNi = System.Runtime.Intrinsics.X86.Aes;

namespace MpcSortition.Core;

/// <summary>
/// A deterministic pseudo-random generator: AES-128 in counter mode, keyed by a 128-bit seed.
/// It expands a seed into a long stream of uniformly distributed bytes or <see cref="uint"/> values
/// and is the one source of correlated randomness in this SDK (pairwise shared seeds, masks).
/// </summary>
/// <remarks>
/// <para>The keystream is AES_seed(0) ‖ AES_seed(1) ‖ AES_seed(2) ‖ …, where block i is the AES-128
/// encryption under the seed of the 16-byte little-endian encoding of the counter i. Successive calls
/// continue the same stream, so the output depends only on the seed and the total number of bytes
/// drawn before. A <see cref="uint"/> is four keystream bytes read little-endian.</para>
/// <para>Where the CPU has AES-NI (x86-64), the counter blocks are encrypted in registers, eight at a time, with
/// the AES round instructions (<see cref="System.Runtime.Intrinsics.X86.Aes"/>): no counter block is written to
/// memory and there is no call into native code per chunk. Elsewhere the block cipher is the platform's (OpenSSL,
/// CNG or CommonCrypto through <see cref="Aes"/>) in ECB mode over counter blocks. Both give the same keystream
/// (the tests compare them and <see cref="Aes"/> on the same counters). Seeds must come from
/// <see cref="RandomNumberGenerator"/> (<see cref="CreateSeed"/>) or from a key agreement; never
/// from <c>System.Random</c>. One stream should not produce more than 2^64 blocks. Not thread-safe.</para>
/// </remarks>
public sealed class AesCtrPrg : IDisposable
{
    /// <summary>Length of a seed in bytes (128 bits).</summary>
    public const int SeedSize = 16;

    private const int BlockSize = 16;
    private const int ChunkBytes = 64 * 1024;

    /// <summary>The platform cipher, used only where AES-NI is missing (or for the tests' comparison).</summary>
    private readonly Aes? _aes;

    /// <summary>The 11 round keys of AES-128 for the AES-NI path; null on the platform path.</summary>
    private readonly Vector128<byte>[]? _roundKeys;
    private readonly byte[] _pending = new byte[BlockSize];
    private int _pendingOffset = BlockSize; // no pending bytes
    private ulong _counter;
    private bool _disposed;

    /// <summary>Creates a generator from a 16-byte seed. The seed is copied into the cipher's key schedule.</summary>
    /// <param name="seed">Exactly <see cref="SeedSize"/> bytes.</param>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    public AesCtrPrg(ReadOnlySpan<byte> seed)
        : this(seed, AesNi.IsSupported)
    {
    }

    /// <summary>Creates a generator on the AES-NI path (<paramref name="useAesNi"/>, only where the CPU has it) or on
    /// the platform cipher. Both paths give the same keystream; the tests use this to compare them.</summary>
    internal AesCtrPrg(ReadOnlySpan<byte> seed, bool useAesNi)
    {
        if (seed.Length != SeedSize)
        {
            ThrowHelper.LengthMismatch(nameof(seed), SeedSize, seed.Length);
        }

        if (useAesNi && AesNi.IsSupported)
        {
            _roundKeys = ExpandKey(seed);
        }
        else
        {
            _aes = Aes.Create();
            byte[] key = seed.ToArray();
            _aes.Key = key;
            // Stryker disable once Statement : clears a temporary copy no caller can reach (memory hygiene, not observable by a test; docs/testing.md)
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>True when this generator encrypts with the AES round instructions (the tests check both paths).</summary>
    internal bool UsesAesNi => _roundKeys is not null;

    /// <summary>The counter of the next whole block (tests only: to check the keystream past 2^32 blocks).</summary>
    internal ulong BlockCounter
    {
        get => _counter;
        set
        {
            _counter = value;
            _pendingOffset = BlockSize;
        }
    }

    /// <summary>The key material this generator holds in memory: the round keys (AES-NI path), the platform cipher
    /// (elsewhere) and the buffered keystream block (tests only: to check that <see cref="Dispose"/> clears them).</summary>
    internal (Vector128<byte>[]? RoundKeys, Aes? Cipher, byte[] Pending) KeyMaterial => (_roundKeys, _aes, _pending);

    /// <summary>Returns a fresh 16-byte seed from the operating system's cryptographic generator.</summary>
    /// <returns>A new random seed.</returns>
    public static byte[] CreateSeed() => RandomNumberGenerator.GetBytes(SeedSize);

    /// <summary>Creates a generator with a fresh random seed that nobody else knows.</summary>
    /// <returns>A new generator.</returns>
    public static AesCtrPrg CreateRandom()
    {
        Span<byte> seed = stackalloc byte[SeedSize];
        RandomNumberGenerator.Fill(seed);
        var prg = new AesCtrPrg(seed);
        // Stryker disable once Statement : clears a stack copy no caller can reach (memory hygiene, not observable by a test; docs/testing.md)
        CryptographicOperations.ZeroMemory(seed);
        return prg;
    }

    /// <summary>Fills <paramref name="destination"/> with the next keystream bytes.</summary>
    /// <param name="destination">Receives the bytes.</param>
    public void FillBytes(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // 1. Bytes left over from a partly used block.
        int available = BlockSize - _pendingOffset;
        // Stryker disable once Equality : with nothing available the block copies zero bytes (equivalent mutant)
        if (available > 0)
        {
            int take = Math.Min(available, destination.Length);
            _pending.AsSpan(_pendingOffset, take).CopyTo(destination);
            _pendingOffset += take;
            destination = destination[take..];
        }

        // 2. Whole blocks, encrypted in place in the destination, chunk by chunk.
        // Stryker disable once Equality : a last whole block taken by step 3 instead gives the same bytes and counter (equivalent mutant)
        while (destination.Length >= BlockSize)
        {
            int bytes = Math.Min(destination.Length, ChunkBytes) & ~(BlockSize - 1);
            EncryptCounters(destination[..bytes]);
            destination = destination[bytes..];
        }

        // 3. A final partial block: keep the unused bytes for the next call.
        if (!destination.IsEmpty)
        {
            EncryptCounters(_pending);
            _pending.AsSpan(0, destination.Length).CopyTo(destination);
            _pendingOffset = destination.Length;
        }
    }

    /// <summary>Fills <paramref name="destination"/> with uniformly distributed values from the keystream.</summary>
    /// <param name="destination">Receives the values.</param>
    public void Fill(Span<uint> destination)
    {
        Span<byte> bytes = MemoryMarshal.AsBytes(destination);
        FillBytes(bytes);
        // Stryker disable once all : big-endian platforms only; no test host here can run it (docs/testing.md)
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(destination, destination);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with uniformly distributed 64-bit words from the keystream.</summary>
    /// <param name="destination">Receives the values.</param>
    public void Fill(Span<ulong> destination)
    {
        FillBytes(MemoryMarshal.AsBytes(destination));
        // Stryker disable once all : big-endian platforms only; no test host here can run it (docs/testing.md)
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(destination, destination);
        }
    }

    /// <summary>Returns the next uniformly distributed value from the keystream.</summary>
    /// <returns>Four keystream bytes read little-endian.</returns>
    public uint NextUInt32()
    {
        Span<byte> b = stackalloc byte[4];
        FillBytes(b);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    /// <summary>Releases the cipher and clears its key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _aes?.Dispose();
            if (_roundKeys is not null)
            {
                CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_roundKeys.AsSpan()));
            }

            CryptographicOperations.ZeroMemory(_pending);
        }
    }

    /// <summary>Describes the generator without revealing the seed or its position.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "AesCtrPrg(AES-128-CTR)";

    /// <summary>Writes the keystream blocks for the next <c>blocks.Length / 16</c> counters into <paramref name="blocks"/>
    /// and advances the counter.</summary>
    private void EncryptCounters(Span<byte> blocks)
    {
        if (_roundKeys is not null)
        {
            _counter = CtrAesNi(_roundKeys, _counter, blocks);
        }
        else
        {
            WriteCounters(blocks);
            _aes!.EncryptEcb(blocks, blocks, PaddingMode.None);
        }
    }

    /// <summary>AES-128 key expansion (FIPS-197 §5.2) with the AESKEYGENASSIST instruction.</summary>
    private static Vector128<byte>[] ExpandKey(ReadOnlySpan<byte> seed)
    {
        var rk = new Vector128<byte>[11];
        Vector128<byte> k = Vector128.Create(seed);
        rk[0] = k;
        rk[1] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x01));
        rk[2] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x02));
        rk[3] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x04));
        rk[4] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x08));
        rk[5] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x10));
        rk[6] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x20));
        rk[7] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x40));
        rk[8] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x80));
        rk[9] = k = ExpandStep(k, AesNi.KeygenAssist(k, 0x1B));
        rk[10] = ExpandStep(k, AesNi.KeygenAssist(k, 0x36));
        return rk;
    }

    /// <summary>One round key from the previous one: w'0 = w0 ^ t, w'1 = w1 ^ w'0, … with t = SubWord(RotWord(w3)) ^ rcon
    /// (dword 3 of the assist result), written as the usual three shifted XORs.</summary>
    private static Vector128<byte> ExpandStep(Vector128<byte> key, Vector128<byte> assist)
    {
        Vector128<uint> t = Vector128.Create(assist.AsUInt32().GetElement(3));
        Vector128<byte> k = key;
        k ^= ShiftBytesLeft4(k);
        k ^= ShiftBytesLeft4(k);
        k ^= ShiftBytesLeft4(k);
        return k ^ t.AsByte();
    }

    /// <summary>The 128-bit value shifted left by one 32-bit word (PSLLDQ 4): word i moves to word i + 1, word 0 becomes 0.</summary>
    private static Vector128<byte> ShiftBytesLeft4(Vector128<byte> v) => Sse2.ShiftLeftLogical128BitLane(v, 4);

    /// <summary>CTR keystream with the AES round instructions: block j is AES_k(LE128(counter + j)), eight blocks per
    /// iteration so that the pipelined AESENC latencies overlap. Returns the next counter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong CtrAesNi(Vector128<byte>[] roundKeys, ulong counter, Span<byte> blocks)
    {
        ReadOnlySpan<Vector128<byte>> rk = roundKeys;
        Vector128<byte> k0 = rk[0], k1 = rk[1], k2 = rk[2], k3 = rk[3], k4 = rk[4], k5 = rk[5];
        Vector128<byte> k6 = rk[6], k7 = rk[7], k8 = rk[8], k9 = rk[9], k10 = rk[10];
        int count = blocks.Length / BlockSize;
        ref byte dst = ref MemoryMarshal.GetReference(blocks);
        Vector128<ulong> ctr = Vector128.Create(counter, 0UL);
        Vector128<ulong> one = Vector128.Create(1UL, 0UL);
        int i = 0;
        // Stryker disable once Equality : a last group of eight left to the single-block loop gives the same keystream (equivalent mutant)
        for (; i + 8 <= count; i += 8)
        {
            Vector128<byte> b0 = ctr.AsByte() ^ k0;
            Vector128<byte> b1 = (ctr + one).AsByte() ^ k0;
            Vector128<byte> b2 = (ctr + Vector128.Create(2UL, 0UL)).AsByte() ^ k0;
            Vector128<byte> b3 = (ctr + Vector128.Create(3UL, 0UL)).AsByte() ^ k0;
            Vector128<byte> b4 = (ctr + Vector128.Create(4UL, 0UL)).AsByte() ^ k0;
            Vector128<byte> b5 = (ctr + Vector128.Create(5UL, 0UL)).AsByte() ^ k0;
            Vector128<byte> b6 = (ctr + Vector128.Create(6UL, 0UL)).AsByte() ^ k0;
            Vector128<byte> b7 = (ctr + Vector128.Create(7UL, 0UL)).AsByte() ^ k0;
            ctr += Vector128.Create(8UL, 0UL);
            b0 = AesNi.Encrypt(b0, k1); b1 = AesNi.Encrypt(b1, k1); b2 = AesNi.Encrypt(b2, k1); b3 = AesNi.Encrypt(b3, k1);
            b4 = AesNi.Encrypt(b4, k1); b5 = AesNi.Encrypt(b5, k1); b6 = AesNi.Encrypt(b6, k1); b7 = AesNi.Encrypt(b7, k1);
            b0 = AesNi.Encrypt(b0, k2); b1 = AesNi.Encrypt(b1, k2); b2 = AesNi.Encrypt(b2, k2); b3 = AesNi.Encrypt(b3, k2);
            b4 = AesNi.Encrypt(b4, k2); b5 = AesNi.Encrypt(b5, k2); b6 = AesNi.Encrypt(b6, k2); b7 = AesNi.Encrypt(b7, k2);
            b0 = AesNi.Encrypt(b0, k3); b1 = AesNi.Encrypt(b1, k3); b2 = AesNi.Encrypt(b2, k3); b3 = AesNi.Encrypt(b3, k3);
            b4 = AesNi.Encrypt(b4, k3); b5 = AesNi.Encrypt(b5, k3); b6 = AesNi.Encrypt(b6, k3); b7 = AesNi.Encrypt(b7, k3);
            b0 = AesNi.Encrypt(b0, k4); b1 = AesNi.Encrypt(b1, k4); b2 = AesNi.Encrypt(b2, k4); b3 = AesNi.Encrypt(b3, k4);
            b4 = AesNi.Encrypt(b4, k4); b5 = AesNi.Encrypt(b5, k4); b6 = AesNi.Encrypt(b6, k4); b7 = AesNi.Encrypt(b7, k4);
            b0 = AesNi.Encrypt(b0, k5); b1 = AesNi.Encrypt(b1, k5); b2 = AesNi.Encrypt(b2, k5); b3 = AesNi.Encrypt(b3, k5);
            b4 = AesNi.Encrypt(b4, k5); b5 = AesNi.Encrypt(b5, k5); b6 = AesNi.Encrypt(b6, k5); b7 = AesNi.Encrypt(b7, k5);
            b0 = AesNi.Encrypt(b0, k6); b1 = AesNi.Encrypt(b1, k6); b2 = AesNi.Encrypt(b2, k6); b3 = AesNi.Encrypt(b3, k6);
            b4 = AesNi.Encrypt(b4, k6); b5 = AesNi.Encrypt(b5, k6); b6 = AesNi.Encrypt(b6, k6); b7 = AesNi.Encrypt(b7, k6);
            b0 = AesNi.Encrypt(b0, k7); b1 = AesNi.Encrypt(b1, k7); b2 = AesNi.Encrypt(b2, k7); b3 = AesNi.Encrypt(b3, k7);
            b4 = AesNi.Encrypt(b4, k7); b5 = AesNi.Encrypt(b5, k7); b6 = AesNi.Encrypt(b6, k7); b7 = AesNi.Encrypt(b7, k7);
            b0 = AesNi.Encrypt(b0, k8); b1 = AesNi.Encrypt(b1, k8); b2 = AesNi.Encrypt(b2, k8); b3 = AesNi.Encrypt(b3, k8);
            b4 = AesNi.Encrypt(b4, k8); b5 = AesNi.Encrypt(b5, k8); b6 = AesNi.Encrypt(b6, k8); b7 = AesNi.Encrypt(b7, k8);
            b0 = AesNi.Encrypt(b0, k9); b1 = AesNi.Encrypt(b1, k9); b2 = AesNi.Encrypt(b2, k9); b3 = AesNi.Encrypt(b3, k9);
            b4 = AesNi.Encrypt(b4, k9); b5 = AesNi.Encrypt(b5, k9); b6 = AesNi.Encrypt(b6, k9); b7 = AesNi.Encrypt(b7, k9);

            ref byte d = ref Unsafe.Add(ref dst, i * BlockSize);
            AesNi.EncryptLast(b0, k10).StoreUnsafe(ref d, 0);
            AesNi.EncryptLast(b1, k10).StoreUnsafe(ref d, 16);
            AesNi.EncryptLast(b2, k10).StoreUnsafe(ref d, 32);
            AesNi.EncryptLast(b3, k10).StoreUnsafe(ref d, 48);
            AesNi.EncryptLast(b4, k10).StoreUnsafe(ref d, 64);
            AesNi.EncryptLast(b5, k10).StoreUnsafe(ref d, 80);
            AesNi.EncryptLast(b6, k10).StoreUnsafe(ref d, 96);
            AesNi.EncryptLast(b7, k10).StoreUnsafe(ref d, 112);
        }

        for (; i < count; i++)
        {
            Vector128<byte> b = ctr.AsByte() ^ k0;
            ctr += one;
            b = AesNi.Encrypt(b, k1);
            b = AesNi.Encrypt(b, k2);
            b = AesNi.Encrypt(b, k3);
            b = AesNi.Encrypt(b, k4);
            b = AesNi.Encrypt(b, k5);
            b = AesNi.Encrypt(b, k6);
            b = AesNi.Encrypt(b, k7);
            b = AesNi.Encrypt(b, k8);
            b = AesNi.Encrypt(b, k9);
            AesNi.EncryptLast(b, k10).StoreUnsafe(ref Unsafe.Add(ref dst, i * BlockSize));
        }

        return counter + (ulong)count;
    }

    private void WriteCounters(Span<byte> blocks)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(blocks);
        ulong counter = _counter;
        for (int i = 0; i < words.Length; i += 2)
        {
            // Stryker disable once Conditional : the big-endian branch runs only on big-endian platforms (docs/testing.md)
            words[i] = BitConverter.IsLittleEndian ? counter : BinaryPrimitives.ReverseEndianness(counter);
            words[i + 1] = 0;
            counter++;
        }

        _counter = counter;
    }
}
