using FsCheck;
using FsCheck.Fluent;
using MpcSortition.Core;
using MpcSortition.Tests.Shared;

namespace MpcSortition.Protocols.Tests;

/// <summary>
/// <see cref="LocalMaps"/>' InnerProductPiecesAsync: groups of rows of different lengths, each row cut into pieces of at
/// most a given length, in one interactive call. On the replicated engine with replicated operands it sums in place
/// instead of building the zero-padded operands; the promise is that nothing observable changes: the same messages
/// byte for byte and the same shares as one <see cref="IArithmeticBlackBox.InnerProductAsync"/> on the padded,
/// concatenated rows (the path it replaces), and the plaintext piece sums on every engine.
/// </summary>
public sealed class InnerProductPiecesTests
{
    private static readonly (int Rows, int Length)[] Shape = [(5, 3), (7, 1), (2, 8), (4, 4), (1, 30)];

    private const int Piece = 4;

    /// <summary>The plaintext: for each group, per row, the sums of its pieces of at most <paramref name="piece"/> terms.</summary>
    private static uint[][] Expected(uint[][] x, uint[][] y, (int Rows, int Length)[] shape, int piece)
    {
        var result = new uint[shape.Length][];
        for (int g = 0; g < shape.Length; g++)
        {
            (int rows, int length) = shape[g];
            int pieces = (length + piece - 1) / piece;
            result[g] = new uint[rows * pieces];
            for (int r = 0; r < rows; r++)
            {
                for (int k = 0; k < length; k++)
                {
                    result[g][(r * pieces) + (k / piece)] += x[g][(r * length) + k] * y[g][(r * length) + k];
                }
            }
        }

        return result;
    }

    private static (uint[][] X, uint[][] Y) Operands((int Rows, int Length)[] shape, uint seed)
    {
        uint state = seed | 1;
        uint Next()
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            return state;
        }

        uint[][] x = shape.Select(s => Enumerable.Range(0, s.Rows * s.Length).Select(_ => Next()).ToArray()).ToArray();
        uint[][] y = shape.Select(s => Enumerable.Range(0, s.Rows * s.Length).Select(_ => Next()).ToArray()).ToArray();
        return (x, y);
    }

    private static async Task<ShareVector[]> InputAllAsync(IArithmeticBlackBox abb, uint[][] values, int owner)
    {
        var shared = new ShareVector[values.Length];
        for (int g = 0; g < values.Length; g++)
        {
            shared[g] = await abb.InputAsync(owner, abb.PartyIndex == owner ? values[g] : default, values[g].Length);
        }

        return shared;
    }

    /// <summary>One party's record of a run: what it received in the product round, its shares (own and companion) of
    /// every group's result, and the opened results.</summary>
    private sealed record Run(byte[] Message, uint[][] Own, uint[][] Companion, uint[][] Opened);

    private static async Task<Run[]> RunSeededAsync(uint[][] x, uint[][] y, (int Rows, int Length)[] shape, int piece, bool padded)
    {
        var transports = new SeededTransport?[3];
        return await EngineTests.RunAsync(
            BlackBoxEngine.Replicated,
            async abb =>
            {
                SeededTransport t = transports[abb.PartyIndex]!;
                ShareVector[] sx = await InputAllAsync(abb, x, 0);
                ShareVector[] sy = await InputAllAsync(abb, y, 1);
                int before = t.Received.Count;
                ShareVector[] result = padded
                    ? await PaddedAsync(abb, sx, sy, shape, piece)
                    : await abb.InnerProductPiecesAsync(sx.Select((v, g) => (v, sy[g], shape[g].Length)).ToArray(), piece);
                (int Peer, byte[] Payload) message = Assert.Single(t.Received.Skip(before));
                var opened = new uint[result.Length][];
                for (int g = 0; g < result.Length; g++)
                {
                    opened[g] = await abb.OpenAsync(result[g], "test: pieces");
                }

                return new Run(
                    message.Payload,
                    result.Select(r => r.Values.ToArray()).ToArray(),
                    result.Select(r => ReplicatedBlackBox.CompanionOf(r)!).ToArray(),
                    opened);
            },
            t => transports[t.PartyIndex] = new SeededTransport(t, 23));
    }

    /// <summary>The path InnerProductPiecesAsync replaces: every row zero-padded to a multiple of the piece length,
    /// the groups concatenated, one inner product, the result cut back into groups.</summary>
    private static async Task<ShareVector[]> PaddedAsync(IArithmeticBlackBox abb, ShareVector[] x, ShareVector[] y, (int Rows, int Length)[] shape, int piece)
    {
        ShareVector Pad(ShareVector v, int length)
        {
            int width = (length + piece - 1) / piece * piece;
            return abb.Map(v, v.Length / length * width, (s, o) =>
            {
                for (int r = 0; r < s.Length / length; r++)
                {
                    s.Slice(r * length, length).CopyTo(o.Slice(r * width, length));
                }
            });
        }

        ShareVector[] px = x.Select((v, g) => Pad(v, shape[g].Length)).ToArray();
        ShareVector[] py = y.Select((v, g) => Pad(v, shape[g].Length)).ToArray();
        ShareVector all = await abb.InnerProductAsync(abb.Concat(px), abb.Concat(py), piece);
        var result = new ShareVector[x.Length];
        for (int g = 0, at = 0; g < x.Length; at += result[g].Length, g++)
        {
            result[g] = abb.Slice(all, at, px[g].Length / piece);
        }

        return result;
    }

    /// <summary>Short pieces (summed after one vector pass over a block of rows) and long ones (a fused dot product per
    /// piece, from 64 terms), with rows shorter than, equal to and longer than a piece.</summary>
    public static TheoryData<int> Pieces => new(Piece, 70);

    private static (int Rows, int Length)[] ShapeFor(int piece) => piece == Piece ? Shape : [(3, 150), (2, 70), (5, 1), (1, 200), (2, 64)];

    [Theory]
    [MemberData(nameof(Pieces))]
    public async Task On_the_replicated_engine_the_messages_and_shares_equal_those_of_the_padded_inner_product(int piece)
    {
        (int Rows, int Length)[] shape = ShapeFor(piece);
        (uint[][] x, uint[][] y) = Operands(shape, 7);
        Run[] direct = await RunSeededAsync(x, y, shape, piece, padded: false);
        Run[] padded = await RunSeededAsync(x, y, shape, piece, padded: true);
        uint[][] expected = Expected(x, y, shape, piece);
        int outputs = expected.Sum(e => e.Length);
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(4 * outputs, direct[p].Message.Length); // one element per output, to one peer
            Assert.Equal(padded[p].Message, direct[p].Message);
            Assert.Equal(padded[p].Own, direct[p].Own);
            Assert.Equal(padded[p].Companion, direct[p].Companion);
            Assert.Equal(expected, direct[p].Opened);
        }

        // The replicated invariant: party i's companion is party i + 1's own share.
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(direct[(p + 1) % 3].Own, direct[p].Companion);
        }
    }

    [Theory]
    [InlineData(BlackBoxEngine.Beaver)]
    [InlineData(BlackBoxEngine.Replicated)]
    public void Piece_sums_match_the_plaintext_for_random_shapes(BlackBoxEngine engine) =>
        FsCheck.Check.One(Properties.Config.WithMaxTest(12), Prop.ForAll(Properties.AnyUInt, Properties.AnyUInt, (seed, form) =>
        {
            int groups = (int)(form % 3) + 1, piece = (int)((form >> 2) % 6) + 1;
            (int Rows, int Length)[] shape = Enumerable.Range(0, groups)
                .Select(g => ((int)((form >> (5 + (4 * g))) % 5) + 1, (int)((seed >> (3 * g)) % 11) + 1)).ToArray();
            (uint[][] x, uint[][] y) = Operands(shape, seed);
            uint[][][] opened = EngineTests.RunAsync(engine, async abb =>
            {
                ShareVector[] sx = await InputAllAsync(abb, x, 0);
                ShareVector[] sy = await InputAllAsync(abb, y, 2);
                ShareVector[] r = await abb.InnerProductPiecesAsync(sx.Select((v, g) => (v, sy[g], shape[g].Length)).ToArray(), piece);
                var o = new uint[r.Length][];
                for (int g = 0; g < r.Length; g++)
                {
                    o[g] = await abb.OpenAsync(r[g], "test: pieces");
                }

                return o;
            }).GetAwaiter().GetResult();
            uint[][] expected = Expected(x, y, shape, piece);
            return opened.All(o => o.Length == expected.Length && o.Zip(expected).All(pair => pair.First.SequenceEqual(pair.Second)));
        }));

    [Fact]
    public async Task An_operand_without_companion_takes_the_padded_path_and_is_still_correct()
    {
        (uint[][] x, uint[][] y) = Operands(Shape, 11);
        uint[][][] opened = await EngineTests.RunAsync(BlackBoxEngine.Replicated, async abb =>
        {
            ShareVector[] sx = await InputAllAsync(abb, x, 0);
            ShareVector[] sy = await InputAllAsync(abb, y, 1);
            sx[1] = abb.FromShares(sx[1].Values); // no companion: re-shared in the round
            ShareVector[] r = await abb.InnerProductPiecesAsync(sx.Select((v, g) => (v, sy[g], Shape[g].Length)).ToArray(), Piece);
            var o = new uint[r.Length][];
            for (int g = 0; g < r.Length; g++)
            {
                o[g] = await abb.OpenAsync(r[g], "test: pieces");
            }

            return o;
        });
        uint[][] expected = Expected(x, y, Shape, Piece);
        Assert.All(opened, o => Assert.Equal(expected, o));
    }

    [Fact]
    public async Task Bad_arguments_are_refused_with_a_message()
    {
        string[][] messages = await EngineTests.RunAsync(BlackBoxEngine.Replicated, async abb =>
        {
            ShareVector a = abb.Random(6), b = abb.Random(6), c = abb.Random(5);
            var zero = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await abb.InnerProductPiecesAsync([(a, b, 3)], 0));
            var mismatch = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.InnerProductPiecesAsync([(a, c, 1)], 2));
            var rows = await Assert.ThrowsAsync<ArgumentException>(async () => await abb.InnerProductPiecesAsync([(a, b, 4)], 2));
            Assert.Empty(await abb.InnerProductPiecesAsync([], 2));
            return new[] { zero.ParamName ?? string.Empty, mismatch.Message, rows.Message };
        });
        Assert.All(messages, m =>
        {
            Assert.Equal("pieceLength", m[0]);
            Assert.Contains("Group 0: length mismatch", m[1], StringComparison.Ordinal);
            Assert.Contains("not a multiple of the row length 4", m[2], StringComparison.Ordinal);
        });
    }
}
