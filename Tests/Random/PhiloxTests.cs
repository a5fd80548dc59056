using NUnit.Framework;
using CudaTensor.RandomNumbers;
using CudaTensor.Backends.Cpu;

namespace CudaTensor.Tests.RandomNumbers;

/// <summary>
/// The Philox4x32-10 block function against Random123's published known-answer vectors
/// (tests/kat_vectors of github.com/DEShawResearch/random123), and the per-element contract of
/// RandomFill re-derived here from the raw Philox words, as a GPU kernel would compute it.
/// </summary>
[TestFixture]
public class PhiloxTests
{
    // Random123 kat_vectors, "philox4x32 10" lines: CTR (4 words), KEY (2 words), EXPECTED (4 words).
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u,
              0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
              0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u,
              0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void KnownAnswerVectors(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1,
                                   uint e0, uint e1, uint e2, uint e3)
    {
        Assert.That(Philox.Compute(c0, c1, c2, c3, k0, k1), Is.EqualTo(new PhiloxBlock(e0, e1, e2, e3)));
    }

    [Test]
    public void BlockUsesSeedAsKeyAndBlockIndexAsLowCounterWords()
    {
        Assert.That(Philox.Block(0, 0), Is.EqualTo(new PhiloxBlock(0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)));
        const ulong seed = 0x299f31d0_a4093822UL;
        const ulong block = 0x85a308d3_243f6a88UL;
        Assert.That(Philox.Block(seed, block),
                    Is.EqualTo(Philox.Compute(0x243f6a88u, 0x85a308d3u, 0, 0, 0xa4093822u, 0x299f31d0u)));
    }

    // ---------------------------------------------------------------- contract, element by element

    private const ulong Seed = 0x0123456789ABCDEFUL;
    private const ulong Start = 0xFFFF_FFFF_FFFF_FFF0UL; // crosses the 2^32 and 2^64 block boundaries

    private static uint Word(ulong seed, ulong block, int w)
    {
        PhiloxBlock b = Philox.Compute((uint)block, (uint)(block >> 32), 0, 0, (uint)seed, (uint)(seed >> 32));
        return w switch { 0 => b.X0, 1 => b.X1, 2 => b.X2, _ => b.X3 };
    }

    private static ulong Word64(ulong seed, ulong block, int lane)
        => ((ulong)Word(seed, block, 2 * lane) << 32) | Word(seed, block, (2 * lane) + 1);

    [Test]
    public void UniformFloatFollowsContract()
    {
        var actual = new float[4 * 9 + 3]; // includes a partial last block
        CpuRandomFill.Uniform<float>(actual, Seed, Start, -2f, 3f);
        for (int i = 0; i < actual.Length; i++)
        {
            ulong block = unchecked(Start + (ulong)(i / 4));
            float u = (Word(Seed, block, i % 4) >> 8) / 16777216f;
            float expected = -2f + (5f * u);
            Assert.That(actual[i], Is.EqualTo(expected), $"element {i}");
        }
    }

    [Test]
    public void UniformDoubleFollowsContract()
    {
        var actual = new double[2 * 9 + 1];
        CpuRandomFill.Uniform<double>(actual, Seed, Start, 10.0, 12.5);
        for (int i = 0; i < actual.Length; i++)
        {
            ulong block = unchecked(Start + (ulong)(i / 2));
            double u = (Word64(Seed, block, i % 2) >> 11) / 9007199254740992.0;
            Assert.That(actual[i], Is.EqualTo(10.0 + (2.5 * u)), $"element {i}");
        }
    }

    [Test]
    public void NormalFloatFollowsContract()
    {
        var actual = new float[4 * 9 + 2];
        CpuRandomFill.Normal<float>(actual, Seed, Start, 1.5f, 0.25f);
        for (int i = 0; i < actual.Length; i++)
        {
            ulong block = unchecked(Start + (ulong)(i / 4));
            int lane = i % 4;
            int pair = lane & ~1;
            float u1 = ((Word(Seed, block, pair) >> 8) + 1) / 16777216f;
            float u2 = (Word(Seed, block, pair + 1) >> 8) / 16777216f;
            float r = MathF.Sqrt(-2f * MathF.Log(u1));
            float theta = 6.28318548f * u2;
            float z = (lane & 1) == 0 ? r * MathF.Cos(theta) : r * MathF.Sin(theta);
            Assert.That(actual[i], Is.EqualTo(1.5f + (0.25f * z)), $"element {i}");
        }
    }

    [Test]
    public void NormalDoubleFollowsContract()
    {
        var actual = new double[2 * 9 + 1];
        CpuRandomFill.Normal<double>(actual, Seed, Start, -3.0, 2.0);
        for (int i = 0; i < actual.Length; i++)
        {
            ulong block = unchecked(Start + (ulong)(i / 2));
            double u1 = ((Word64(Seed, block, 0) >> 11) + 1) / 9007199254740992.0;
            double u2 = (Word64(Seed, block, 1) >> 11) / 9007199254740992.0;
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            double theta = 2.0 * Math.PI * u2;
            double z = i % 2 == 0 ? r * Math.Cos(theta) : r * Math.Sin(theta);
            Assert.That(actual[i], Is.EqualTo(-3.0 + (2.0 * z)), $"element {i}");
        }
    }

    [Test]
    public void IntegersFollowContractForEveryIntegerType()
    {
        var longs = new long[2 * 9 + 1];
        var ints = new int[longs.Length];
        var shorts = new short[longs.Length];
        CpuRandomFill.Integers<long>(longs, Seed, Start, -1000, 123457);
        CpuRandomFill.Integers<int>(ints, Seed, Start, -1000, 123457);
        CpuRandomFill.Integers<short>(shorts, Seed, Start, -1000, 30000);
        for (int i = 0; i < longs.Length; i++)
        {
            ulong draw = Word64(Seed, unchecked(Start + (ulong)(i / 2)), i % 2);
            Assert.That(longs[i], Is.EqualTo(-1000 + (long)(draw % 124457UL)), $"element {i}");
            Assert.That(ints[i], Is.EqualTo((int)longs[i]), $"element {i}");
            Assert.That(shorts[i], Is.EqualTo((short)(-1000 + (long)(draw % 31000UL))), $"element {i}");
        }
    }

    [Test]
    public void BernoulliFollowsContract()
    {
        const double p = 0.3;
        var actual = new byte[4 * 9 + 1];
        var mask = new bool[actual.Length];
        CpuRandomFill.Bernoulli<byte>(actual, Seed, Start, p);
        CpuRandomFill.Bernoulli(mask, Seed, Start, p);
        for (int i = 0; i < actual.Length; i++)
        {
            double u = (Word(Seed, unchecked(Start + (ulong)(i / 4)), i % 4) >> 8) / 16777216.0;
            Assert.That(actual[i], Is.EqualTo(u < p ? 1 : 0), $"element {i}");
            Assert.That(mask[i], Is.EqualTo(u < p), $"element {i}");
        }
    }

    [TestCase(0.0, 0u)]
    [TestCase(1.0, 16777216u)]
    [TestCase(0.5, 8388608u)]
    [TestCase(0.3, 5033165u)] // 0.3 * 2^24 = 5033164.8
    [TestCase(1.0 / 16777216.0, 1u)]
    public void BernoulliThresholdIsExactCeiling(double p, uint expected)
    {
        Assert.That(RandomFill.BernoulliThreshold(p), Is.EqualTo(expected));
    }

    [Test]
    public void UniformNeverRoundsUpToHigh()
    {
        // Find a word whose top 24 bits are all ones: u24 = 1 - 2^-24, and 1 + u24 rounds to 2 in float.
        ulong block = 0;
        int lane = -1;
        for (; lane < 0; block++)
        {
            PhiloxBlock b = Philox.Block(7, block);
            lane = (b.X0 >> 8) == 0xFFFFFF ? 0 : (b.X1 >> 8) == 0xFFFFFF ? 1 : (b.X2 >> 8) == 0xFFFFFF ? 2 : (b.X3 >> 8) == 0xFFFFFF ? 3 : -1;
            if (lane >= 0)
            {
                break;
            }
        }

        float largestU = (0xFFFFFFu) / 16777216f;
        Assert.That(1f + largestU, Is.EqualTo(2f), "precondition: the naive formula rounds up");
        var values = new float[4];
        CpuRandomFill.Uniform<float>(values, 7, block, 1f, 2f);
        Assert.That(values[lane], Is.EqualTo(float.BitDecrement(2f)));
    }
}
