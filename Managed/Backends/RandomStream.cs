namespace CudaTensor.Backends;

/// <summary>The seed and first counter block of one random fill: what a generator reservation hands out, and the live arguments of a recorded <see cref="IBackend.Random"/>.</summary>
internal readonly record struct RandomStream(ulong Seed, ulong StartBlock);
