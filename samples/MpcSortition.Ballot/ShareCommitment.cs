using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace MpcSortition.Ballot;

/// <summary>
/// Pedersen commitments to one share column of one ballot, in the prime-order subgroup of the RFC 7919 group ffdhe2048
/// (p a 2048-bit safe prime, q = (p − 1)/2 prime): C = g^σ · h^r mod p with σ = Σ_k s[k]·2^(64k) (the m share words,
/// 64 bits apart so that sums of up to 2^32 ballots never carry from one option into the next) and r the 256-bit nonce.
/// g and h are squares of hashes of fixed strings, so nobody knows log_g h. Binding under the discrete logarithm
/// assumption; hiding is computational (256-bit exponents, the short-exponent assumption). Additively homomorphic:
/// Π_b C_b = g^(Σσ_b) · h^(Σr_b), which lets every counter check a partial sum it cannot compute itself.
/// </summary>
internal static class ShareCommitment
{
    public const int Bytes = 256;
    public const int NonceBytes = 32;

    /// <summary>RFC 7919 ffdhe2048.</summary>
    public static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF", System.Globalization.NumberStyles.HexNumber);

    public static readonly BigInteger Q = (P - 1) / 2;

    public static readonly BigInteger G = Generator("g");

    public static readonly BigInteger H = Generator("h");

    private static readonly Lazy<FixedBase> GTable = new(() => new FixedBase(G, 64 * BallotRound.MaxOptions));
    private static readonly Lazy<FixedBase> HTable = new(() => new FixedBase(H, 8 * NonceBytes));

    /// <summary>SHA-256("MpcSortition.ballot.generator.v1:" ‖ name ‖ ":" ‖ i) for i = 0..7, big-endian, mod p, squared.</summary>
    private static BigInteger Generator(string name)
    {
        var bytes = new byte[8 * 32];
        for (int i = 0; i < 8; i++)
        {
            SHA256.HashData(Encoding.ASCII.GetBytes($"MpcSortition.ballot.generator.v1:{name}:{i}"), bytes.AsSpan(32 * i));
        }

        BigInteger x = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) % P;
        return BigInteger.ModPow(x, 2, P);
    }

    /// <summary>σ = Σ_k s[k]·2^(64k).</summary>
    public static BigInteger Pack(ReadOnlySpan<uint> shares)
    {
        BigInteger sigma = BigInteger.Zero;
        for (int k = shares.Length - 1; k >= 0; k--)
        {
            sigma = (sigma << 64) + shares[k];
        }

        return sigma;
    }

    /// <summary>σ of per-option integer sums (each below 2^64).</summary>
    public static BigInteger Pack(ReadOnlySpan<ulong> sums)
    {
        BigInteger sigma = BigInteger.Zero;
        for (int k = sums.Length - 1; k >= 0; k--)
        {
            sigma = (sigma << 64) + sums[k];
        }

        return sigma;
    }

    public static BigInteger Nonce(ReadOnlySpan<byte> nonce) => new(nonce, isUnsigned: true, isBigEndian: true);

    /// <summary>The commitment to one share column of one ballot.</summary>
    public static BigInteger Commit(ReadOnlySpan<uint> shares, ReadOnlySpan<byte> nonce)
    {
        if (shares.Length > BallotRound.MaxOptions || nonce.Length != NonceBytes)
        {
            throw new ArgumentException("At most 31 share words and a 32-byte nonce.");
        }

        return GTable.Value.Pow(Pack(shares)) * HTable.Value.Pow(Nonce(nonce)) % P;
    }

    /// <summary>Whether (σ, r) opens the product of the given commitments.</summary>
    public static bool OpensProduct(BigInteger sigma, BigInteger r, IEnumerable<BigInteger> commitments)
    {
        if (sigma.Sign < 0 || r.Sign < 0)
        {
            return false;
        }

        BigInteger product = BigInteger.One;
        foreach (BigInteger c in commitments)
        {
            product = product * c % P;
        }

        return BigInteger.ModPow(G, sigma, P) * BigInteger.ModPow(H, r, P) % P == product;
    }

    public static string ToHex(BigInteger c)
    {
        byte[] b = c.ToByteArray(isUnsigned: true, isBigEndian: true);
        var full = new byte[Bytes];
        b.CopyTo(full, Bytes - b.Length);
        return Convert.ToHexStringLower(full);
    }

    public static byte[] ToBytes(BigInteger c) => Convert.FromHexString(ToHex(c));

    /// <summary>Reads 512 hex digits; the value must lie in 2 … p − 1.</summary>
    public static bool TryParse(string? hex, out BigInteger c)
    {
        c = default;
        if (hex is null || hex.Length != 2 * Bytes || !hex.All(Uri.IsHexDigit))
        {
            return false;
        }

        c = new BigInteger(Convert.FromHexString(hex), isUnsigned: true, isBigEndian: true);
        return c > 1 && c < P;
    }

    /// <summary>
    /// Fixed-base exponentiation with 8-bit windows: row i holds base^(d·256^i) for d = 1..255, computed on first use
    /// (a share word touches only the 4 low bytes of its 64-bit slot, so only those rows of g are ever built).
    /// </summary>
    private sealed class FixedBase
    {
        private readonly BigInteger[] _bases;
        private readonly Lazy<BigInteger[]>[] _rows;

        public FixedBase(BigInteger b, int bits)
        {
            int windows = (bits + 7) / 8;
            _bases = new BigInteger[windows];
            _rows = new Lazy<BigInteger[]>[windows];
            BigInteger w = b;
            for (int i = 0; i < windows; i++)
            {
                _bases[i] = w;
                int row = i;
                _rows[i] = new Lazy<BigInteger[]>(() => Row(_bases[row]));
                for (int k = 0; k < 8; k++)
                {
                    w = w * w % P;
                }
            }
        }

        private static BigInteger[] Row(BigInteger w)
        {
            var row = new BigInteger[256];
            row[0] = BigInteger.One;
            for (int d = 1; d < 256; d++)
            {
                row[d] = row[d - 1] * w % P;
            }

            return row;
        }

        public BigInteger Pow(BigInteger e)
        {
            byte[] bytes = e.ToByteArray(isUnsigned: true, isBigEndian: false);
            if (bytes.Length > _rows.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(e), "The exponent is longer than the table.");
            }

            BigInteger acc = BigInteger.One;
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != 0)
                {
                    acc = acc * _rows[i].Value[bytes[i]] % P;
                }
            }

            return acc;
        }
    }
}
