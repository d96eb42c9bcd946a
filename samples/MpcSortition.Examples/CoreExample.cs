namespace MpcSortition.Examples;

using MpcSortition.Core;

/// <summary>The MpcSortition.Core README's example: share a vector, compute on shares, reconstruct.</summary>
public static class CoreExample
{
    /// <summary>Runs the example.</summary>
    /// <returns>The reconstructed values of x + y and 3·x + 1.</returns>
    public static (uint[] Sum, uint[] Affine) Run()
    {
        // <example>
        // A contributor splits its values into three additive shares mod 2^32, one per provider.
        uint[] x = [5, 7, 42];
        uint[] y = [1, 2, 3];
        ShareVector[] xs = AdditiveSharing.Split(x, parties: 3);
        ShareVector[] ys = AdditiveSharing.Split(y, parties: 3);

        // Each provider computes on its own shares alone; linear operations need no communication.
        var sums = new ShareVector[3];
        var affine = new ShareVector[3];
        for (int party = 0; party < 3; party++)
        {
            sums[party] = xs[party].Add(ys[party]);
            affine[party] = xs[party].MultiplyPublic(3).AddPublic(1); // party 0 adds the constant
        }

        // Whoever receives all three shares reconstructs the result.
        uint[] sum = AdditiveSharing.Reconstruct(sums);       // [6, 9, 45]
        uint[] scaled = AdditiveSharing.Reconstruct(affine);  // [16, 22, 127]
        // </example>
        return (sum, scaled);
    }
}
