using System.Diagnostics.CodeAnalysis;

// Expected values are written inline next to the call they check (see Tests/Cuda/Suppressions.cs).
[assembly: SuppressMessage("Performance", "CA1861:Avoid constant arrays as arguments", Justification = "Inline expected values in tests.", Scope = "namespaceanddescendants", Target = "~N:CudaTensor.Tests.Compilation.Fusion")]
