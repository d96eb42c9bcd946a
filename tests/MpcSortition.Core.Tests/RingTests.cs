using FsCheck;
using FsCheck.Fluent;

using MpcSortition.Tests.Shared;

namespace MpcSortition.Core.Tests;

public class RingTests
{
    [Fact]
    public void AddIsCommutative() =>
        Properties.Check(Prop.ForAll(Properties.AnyUInts, Properties.AnyUInts, (x, y) =>
        {
            int n = Math.Min(x.Length, y.Length);
            var a = new uint[n];
            var b = new uint[n];
            Ring32.Add(x.AsSpan(0, n), y.AsSpan(0, n), a);
            Ring32.Add(y.AsSpan(0, n), x.AsSpan(0, n), b);
            return a.AsSpan().SequenceEqual(b);
        }));
}
