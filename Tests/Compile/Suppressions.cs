using System.Diagnostics.CodeAnalysis;

// Expected values are written inline next to the call they check; hoisting each into a static field (CA1861)
// would separate the value from the assertion that reads it.
[assembly: SuppressMessage("Performance", "CA1861:Avoid constant arrays as arguments", Justification = "Inline expected values in tests.", Scope = "namespaceanddescendants", Target = "~N:CudaTensor.Tests.Compilation")]
