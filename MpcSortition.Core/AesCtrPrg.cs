using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

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
/// <para>The block cipher is the platform's (OpenSSL, CNG or CommonCrypto through
/// <see cref="Aes"/>), which uses AES-NI where the CPU has it. Seeds must come from
/// <see cref="RandomNumberGenerator"/> (<see cref="CreateSeed"/>) or from a key agreement; never
/// from <c>System.Random</c>. One stream should not produce more than 2^64 blocks. Not thread-safe.</para>
/// </remarks>
public sealed class AesCtrPrg : IDisposable
{
    /// <summary>Length of a seed in bytes (128 bits).</summary>
    public const int SeedSize = 16;

    private const int BlockSize = 16;
    private const int ChunkBytes = 64 * 1024;

    private readonly Aes _aes;
    private readonly byte[] _pending = new byte[BlockSize];
    private int _pendingOffset = BlockSize; // no pending bytes
    private ulong _counter;
    private bool _disposed;

    /// <summary>Creates a generator from a 16-byte seed. The seed is copied into the cipher's key schedule.</summary>
    /// <param name="seed">Exactly <see cref="SeedSize"/> bytes.</param>
    /// <exception cref="ArgumentException">The seed is not 16 bytes long.</exception>
    public AesCtrPrg(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            ThrowHelper.LengthMismatch(nameof(seed), SeedSize, seed.Length);
        }

        _aes = Aes.Create();
        _aes.Key = seed.ToArray();
    }

    /// <summary>Returns a fresh 16-byte seed from the operating system's cryptographic generator.</summary>
    /// <returns>A new random seed.</returns>
    public static byte[] CreateSeed() => RandomNumberGenerator.GetBytes(SeedSize);

    /// <summary>Creates a generator with a fresh random seed that nobody else knows.</summary>
    /// <returns>A new generator.</returns>
    public static AesCtrPrg CreateRandom()
    {
        Span<byte> seed = stackalloc byte[SeedSize];
        RandomNumberGenerator.Fill(seed);
        try
        {
            return new AesCtrPrg(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the next keystream bytes.</summary>
    /// <param name="destination">Receives the bytes.</param>
    public void FillBytes(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);

        // 1. Bytes left over from a partly used block.
        int available = BlockSize - _pendingOffset;
        if (available > 0)
        {
            int take = Math.Min(available, destination.Length);
            _pending.AsSpan(_pendingOffset, take).CopyTo(destination);
            _pendingOffset += take;
            destination = destination[take..];
        }

        // 2. Whole blocks, encrypted in place in the destination, chunk by chunk.
        while (destination.Length >= BlockSize)
        {
            int bytes = Math.Min(destination.Length, ChunkBytes) & ~(BlockSize - 1);
            Span<byte> chunk = destination[..bytes];
            WriteCounters(chunk);
            _aes.EncryptEcb(chunk, chunk, PaddingMode.None);
            destination = destination[bytes..];
        }

        // 3. A final partial block: keep the unused bytes for the next call.
        if (!destination.IsEmpty)
        {
            WriteCounters(_pending);
            _aes.EncryptEcb(_pending, _pending, PaddingMode.None);
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
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_pending);
        }
    }

    /// <summary>Describes the generator without revealing the seed or its position.</summary>
    /// <returns>A fixed description.</returns>
    public override string ToString() => "AesCtrPrg(AES-128-CTR)";

    private void WriteCounters(Span<byte> blocks)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(blocks);
        ulong counter = _counter;
        for (int i = 0; i < words.Length; i += 2)
        {
            words[i] = BitConverter.IsLittleEndian ? counter : BinaryPrimitives.ReverseEndianness(counter);
            words[i + 1] = 0;
            counter++;
        }

        _counter = counter;
    }
}
